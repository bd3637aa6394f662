"""Generative Brenier maps: exact and stochastic log-determinants, densities, sample/encode."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch import Tensor, nn

import otgrad
from otgrad import datasets, plot
from otgrad.generative import (
    BrenierGenerator,
    fit_generator,
    log_det_jacobian,
    stochastic_log_det,
)


def _net(dim: int, init_scale: float = 1.0, width: int = 16) -> otgrad.nets.GradientNet:
    net = otgrad.nets.MGradNetM(dim, width=width, modules=4, linear=True, init_scale=init_scale)
    return net.double()


class _Diagonal(nn.Module):
    """``x -> x * exp(w)``: a linear map with diagonal Jacobian ``diag(exp(w))``."""

    def __init__(self, w: Tensor) -> None:
        super().__init__()
        self.w = w

    def forward(self, x: Tensor) -> Tensor:
        return x * self.w.exp()


def test_cholesky_log_det_matches_slogdet(float64):
    net, x = _net(3), torch.randn(20, 3)
    J = otgrad.jacobian(net, x)
    sign, expected = torch.linalg.slogdet(J)
    assert bool((sign > 0).all())
    torch.testing.assert_close(log_det_jacobian(net, x), expected, rtol=1e-10, atol=1e-10)


def test_cholesky_rejects_non_positive_definite(float64):
    flip = lambda x: -x  # noqa: E731
    with pytest.raises(ValueError, match="not positive definite"):
        log_det_jacobian(flip, torch.randn(3, 2))


def test_stochastic_exact_for_diagonal_jacobian(float64):
    """Rademacher probes are exact on diagonal matrices and Lanczos with s = d is exact."""
    w = torch.linspace(-1.0, 1.0, 6)
    x = torch.randn(4, 6)
    est = stochastic_log_det(_Diagonal(w), x, probes=3, steps=6)
    torch.testing.assert_close(est.value, torch.full((4,), float(w.sum())), atol=1e-9, rtol=0)
    assert float(est.stderr.max()) < 1e-9


def test_stochastic_matches_cholesky_in_d16(float64):
    """The stated error bound: |est - exact| <= 4 stderr + 1e-3 |exact| with s = 8 < d = 16."""
    net, x = _net(16, width=32), torch.randn(12, 16)
    exact = log_det_jacobian(net, x)
    est = stochastic_log_det(net, x, probes=32, steps=8, seed=1)
    err = (est.value - exact).abs()
    assert bool((err <= 4 * est.stderr + 1e-3 * exact.abs()).all()), (err, est.stderr)
    assert float((err / exact.abs().clamp_min(1.0)).mean()) < 0.05
    # more probes shrink the standard error like 1/sqrt(m): expected ratio sqrt(32/64) ≈ 0.71
    more = stochastic_log_det(net, x, probes=64, steps=8, seed=2)
    assert float(more.stderr.mean()) < 0.8 * float(est.stderr.mean())


def test_stochastic_bad_arguments():
    with pytest.raises(ValueError, match="probes"):
        stochastic_log_det(_net(2).float(), torch.randn(2, 2), probes=1)


def test_gaussian_closed_form(float64):
    """A linear Brenier map T(x) = A x + m pushes N(0, I) to N(m, A^2): log_prob is exact."""
    d = 3
    net = _net(d, init_scale=1e-30)  # residual ~ 0: T is the linear part
    B = torch.randn(d, d)
    A = B @ B.T + 0.5 * torch.eye(d)
    m = torch.tensor([1.0, -2.0, 0.5])
    net.linear.set_matrix(A)
    with torch.no_grad():
        net.bias.copy_(m)
    model = BrenierGenerator(net)
    y = np.random.default_rng(0).normal(size=(50, d)) * 2
    expected = stats.multivariate_normal(m.numpy(), (A @ A).numpy()).logpdf(y)
    got = model.log_prob(y)
    assert isinstance(got, np.ndarray) and got.shape == (50,)
    np.testing.assert_allclose(got, expected, atol=1e-8, rtol=0)


def test_density_integrates_to_one_on_grid(float64):
    """A non-linear 2-D map: the Riemann sum of q on a box holding the mass is 1 within 1 %."""
    model = BrenierGenerator(_net(2, init_scale=2.0))
    y = model.sample(20000, seed=1)
    lo, hi = y.min(0) - 1.0, y.max(0) + 1.0
    xx, yy, pts = plot.grid((lo[0], hi[0], lo[1], hi[1]), resolution=120)
    q = np.exp(model.log_prob(pts.numpy()))
    cell = (xx[0, 1] - xx[0, 0]) * (yy[1, 0] - yy[0, 0])
    assert abs(q.sum() * cell - 1.0) < 0.01


def test_stochastic_log_prob_within_stated_error(float64):
    """log_prob(method="stochastic") differs from the exact density only by the log-det error,
    which stays within 4 reported standard errors of the Cholesky value."""
    model = BrenierGenerator(_net(4, init_scale=2.0))
    y = model.sample(30, seed=5)
    exact = model.log_prob(y)
    x = torch.from_numpy(model.encode(y))
    est = stochastic_log_det(model.map, x, probes=16, steps=4, seed=3)
    got = model.log_prob(y, method="stochastic", probes=16, steps=4, seed=3)
    np.testing.assert_allclose(got, model.reference_log_prob(x.numpy()) - est.value.numpy(),
                               atol=1e-10)
    assert np.all(np.abs(got - exact) <= 4 * est.stderr.numpy() + 1e-8)
    np.testing.assert_allclose(model.log_det_jacobian(x.numpy(), method="stochastic", seed=3,
                                                      probes=16, steps=4), est.value.numpy())


def test_sample_encode_round_trip(float64):
    model = BrenierGenerator(_net(2, init_scale=2.0))
    y = model.sample(100, seed=3)
    x = torch.randn(100, 2, generator=torch.Generator().manual_seed(3))
    np.testing.assert_allclose(model.encode(y), x.numpy(), atol=1e-8)
    np.testing.assert_allclose(model.decode(model.encode(y)), y, atol=1e-8)
    np.testing.assert_array_equal(model.sample(100, seed=3), y)
    assert not np.allclose(model.sample(100, seed=4), y)


def test_sample_types_and_errors():
    model = BrenierGenerator(_net(2).float(), tensor_output=True)
    out = model.sample(5)
    assert isinstance(out, Tensor) and out.shape == (5, 2) and out.dtype == torch.float32
    assert "BrenierGenerator(dim=2" in repr(model)
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(0)
    with pytest.raises(TypeError, match="BrenierMap or GradientNet"):
        BrenierGenerator(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="log-det method"):
        model.log_prob(torch.zeros(2, 2), method="svd")


def test_reference_log_prob():
    model = BrenierGenerator(_net(2).float())
    x = np.zeros((1, 2))
    np.testing.assert_allclose(model.reference_log_prob(x), [-math.log(2 * math.pi)])


def test_fit_generator_on_gaussian_data(float64):
    """Gaussian data: the fit starts at the linear Brenier map (the Gaussian init) plus a small
    residual and stays near it; log q ≈ the true log-pdf. (A short fit cannot shrink a large
    initial residual, hence the explicit ``init_scale``.)"""
    rng = np.random.default_rng(0)
    cov = np.array([[2.0, 0.6], [0.6, 0.5]])
    data = rng.multivariate_normal([1.0, -1.0], cov, size=4000)
    model = fit_generator(data, steps=30, init_scale=0.05, progress=False)
    test = rng.multivariate_normal([1.0, -1.0], cov, size=300)
    expected = stats.multivariate_normal([1.0, -1.0], cov).logpdf(test)
    got = model.log_prob(test)
    assert abs(np.mean(got - expected)) < 0.05
    assert np.abs(got - expected).max() < 0.3
    assert isinstance(model.sample(3), np.ndarray)


def test_fit_generator_moons_round_trip():
    data = datasets.sample("moons", 2000)
    model = fit_generator(torch.from_numpy(data).float(), steps=30, progress=False)
    y = model.sample(64, seed=0)
    assert isinstance(y, Tensor)
    torch.testing.assert_close(model.decode(model.encode(y)), y, atol=1e-4, rtol=0)
    assert bool(torch.isfinite(model.log_prob(y)).all())


def test_fit_generator_bad_reference():
    with pytest.raises(ValueError, match="unknown reference"):
        fit_generator(np.zeros((10, 2)), reference="uniform")


def test_all_names_exist():
    from otgrad import generative

    assert all(hasattr(generative, name) for name in generative.__all__)
