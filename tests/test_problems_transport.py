"""Known-map transport problems: closed forms, convexity of the true maps, seeding, I/O types."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from otgrad.problems import PROBLEMS, GaussianProblem, make_problem

MIXTURES = ["icnn", "ridge", "lse"]


def _jacobians(fn, x: torch.Tensor) -> torch.Tensor:
    """Per-point Jacobians ``(n, d, d)`` of a row-wise map by autograd."""
    return torch.stack([torch.autograd.functional.jacobian(lambda z: fn(z[None])[0], xi)
                        for xi in x])


@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize("dim", [1, 2, 5])
def test_shapes_dtypes_and_containers(name, dim):
    p = make_problem(name, dim, seed=3)
    x, y = p.sample_source(7, seed=1), p.sample_target(9, seed=1)
    assert x.shape == (7, dim) and y.shape == (9, dim)
    assert x.dtype == y.dtype == torch.float64
    t = p.true_map(x)
    assert isinstance(t, torch.Tensor) and t.shape == (7, dim)
    tn = p.true_map(x.numpy())
    assert isinstance(tn, np.ndarray) and tn.dtype == np.float64
    np.testing.assert_allclose(tn, t.numpy(), rtol=0, atol=1e-12)
    t32 = p.true_map(x.float())
    assert t32.dtype == torch.float32
    assert p.potential(x).shape == (7,)
    assert make_problem(name, dim, dtype=torch.float32).sample_source(3).dtype == torch.float32


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_seeded_reproducibility_and_independent_streams(name):
    a, b = make_problem(name, 4, seed=1), make_problem(name, 4, seed=1)
    torch.testing.assert_close(a.sample_source(50, seed=2), b.sample_source(50, seed=2))
    torch.testing.assert_close(a.sample_target(50, seed=2), b.sample_target(50, seed=2))
    x = torch.randn(10, 4, dtype=torch.float64)
    torch.testing.assert_close(a.true_map(x), b.true_map(x))
    # different sample seeds, and source vs target draws, differ
    assert not torch.allclose(a.sample_source(50, seed=2), a.sample_source(50, seed=3))
    assert not torch.allclose(a.true_map(a.sample_source(50, seed=2)), a.sample_target(50, seed=2))
    # a different problem seed gives a different map
    c = make_problem(name, 4, seed=2)
    assert not torch.allclose(a.true_map(x), c.true_map(x))


def test_gaussian_closed_form_pushes_covariances(float64):
    p = GaussianProblem(4, seed=0, condition=10.0)
    a = torch.as_tensor(p.matrix)
    torch.testing.assert_close(a, a.T, rtol=0, atol=1e-12)  # gradient of a quadratic
    assert torch.linalg.eigvalsh(a).min() > 0
    cov_s, cov_t = (torch.as_tensor(c) for c in (p.cov_source, p.cov_target))
    torch.testing.assert_close(a @ cov_s @ a, cov_t, rtol=1e-10, atol=1e-10)  # exact push-forward
    ev = torch.linalg.eigvalsh(cov_s)
    assert ev.max() / ev.min() == pytest.approx(10.0, rel=1e-9)
    # the map sends the source mean to the target mean; samples match the moments
    m_s = torch.as_tensor(p.mean_source)[None]
    torch.testing.assert_close(p.true_map(m_s)[0], torch.as_tensor(p.mean_target))
    y = p.sample_target(200_000, seed=0)
    torch.testing.assert_close(y.mean(0), torch.as_tensor(p.mean_target), rtol=0, atol=0.03)
    torch.testing.assert_close(torch.cov(y.T), cov_t, rtol=0, atol=0.05)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_true_map_is_gradient_of_potential(name, float64):
    p = make_problem(name, 3, seed=0)
    x = p.sample_source(5, seed=4).requires_grad_(True)
    (grad,) = torch.autograd.grad(p.potential(x).sum(), x)
    torch.testing.assert_close(grad, p.true_map(x.detach()), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize("dim", [2, 6])
def test_true_map_jacobian_symmetric_psd(name, dim, float64):
    p = make_problem(name, dim, seed=1)
    jac = _jacobians(p.true_map, p.sample_source(6, seed=5))
    torch.testing.assert_close(jac, jac.transpose(1, 2), rtol=0, atol=1e-10)
    eig = torch.linalg.eigvalsh(jac)
    assert eig.min() > 0.1  # strongly convex: the quadratic part has eigenvalues >= 0.4
    assert eig.max() / eig.min() < 100  # well-conditioned


@pytest.mark.parametrize("name", MIXTURES)
def test_mixture_nonlinearity_is_calibrated(name):
    p = make_problem(name, 8, seed=0, nonlinearity=0.1)
    assert p.alpha > 0
    x = p.sample_source(4096, seed=7).numpy()
    t = p.true_map(x)
    x1 = np.c_[np.ones(len(x)), x]
    beta, *_ = np.linalg.lstsq(x1, t, rcond=None)
    frac = ((t - x1 @ beta) ** 2).sum() / ((t - t.mean(0)) ** 2).sum()
    assert frac == pytest.approx(0.1, abs=0.02)  # calibrated on another sample of the source
    assert make_problem(name, 3, nonlinearity=0.0).alpha == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown transport problem"):
        make_problem("nope", 2)
    with pytest.raises(ValueError, match="dim"):
        make_problem("gaussian", 0)
    with pytest.raises(ValueError, match="condition"):
        GaussianProblem(2, condition=0.5)
    with pytest.raises(ValueError, match="nonlinearity"):
        make_problem("ridge", 2, nonlinearity=1.5)
    with pytest.raises(ValueError, match="out of reach"):
        make_problem("icnn", 2, nonlinearity=0.9)
    p = make_problem("lse", 3)
    with pytest.raises(ValueError, match="dimension"):
        p.true_map(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n must be"):
        p.sample_source(0)
    with pytest.raises(ValueError, match="seed"):
        p.sample_target(5, seed=-1)
