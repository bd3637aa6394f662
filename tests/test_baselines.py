"""POT baselines behind one interface: Gaussian-map recovery, containers, inverses, errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from otgrad import baselines, metrics
from otgrad.problems import GaussianProblem

HAS_CVXPY = importlib.util.find_spec("cvxpy") is not None

# L2-UVP (%) bounds on a 2-D Gaussian pair, n = 500 per side, 1000 test points. Measured values
# (seed 0): linear 1.9, emd 4.3, entropic 2.9, kernel (300 points) about 3; the bounds leave about
# 2x room for other seeds and platforms while still failing any estimator that learned a wrong map
# (the identity map scores about 60 % here, the target-mean constant 100 %).
TOLERANCES = {"linear": 4.0, "emd": 10.0, "entropic": 8.0, "kernel": 8.0}
OPTIONS = {"kernel": {"max_samples": 300}}


@pytest.fixture(scope="module")
def gaussian_pair():
    p = GaussianProblem(2, seed=0)
    xs, yt = p.sample_source(500, seed=0), p.sample_target(500, seed=0)
    x_test = p.sample_source(1000, seed=1)
    return xs, yt, x_test, p.true_map(x_test)


@pytest.fixture(scope="module")
def fitted(gaussian_pair):
    xs, yt, _, _ = gaussian_pair
    return {name: baselines.fit(name, xs, yt, **OPTIONS.get(name, {})) for name in TOLERANCES}


@pytest.mark.parametrize("name", list(TOLERANCES))
def test_recovers_gaussian_map(name, gaussian_pair, fitted):
    _, _, x_test, true = gaussian_pair
    pred = fitted[name].transform(x_test)
    assert metrics.l2_uvp(pred, true) < TOLERANCES[name]
    assert metrics.cos_similarity(pred, true, x_test) > 0.95
    assert metrics.l2_uvp(x_test, true) > 30  # the problem is not trivial


@pytest.mark.parametrize("name", list(TOLERANCES))
def test_containers_and_dtypes(name, gaussian_pair, fitted):
    _, _, x_test, _ = gaussian_pair
    m = fitted[name]
    assert m.name == name and m.dim == 2 and name in repr(m)
    x = x_test[:5]
    out_t = m.transform(x)
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float64
    assert out_t.shape == (5, 2)
    out_32 = m.transform(x.float())
    assert out_32.dtype == torch.float32
    out_np = m.transform(x.numpy())
    assert isinstance(out_np, np.ndarray) and out_np.dtype == np.float64
    np.testing.assert_allclose(out_np, out_t.numpy(), rtol=0, atol=1e-12)
    out_np32 = m.transform(x.numpy().astype(np.float32))
    assert out_np32.dtype == np.float32


def test_linear_inverse_round_trip_and_exact_on_affine_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    a = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]])  # symmetric PD
    m = baselines.fit("linear", x, x @ a + 1.0)
    np.testing.assert_allclose(m.transform(x), x @ a + 1.0, rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.inverse(m.transform(x)), x, rtol=0, atol=1e-10)


def test_inverses(gaussian_pair, fitted):
    xs, yt, _, _ = gaussian_pair
    for name in ("linear", "emd", "entropic"):
        assert fitted[name].has_inverse
        back = fitted[name].inverse(fitted[name].transform(xs))
        assert metrics.l2_uvp(back, xs) < 5.0  # approximate inverses for emd / entropic
    assert not fitted["kernel"].has_inverse
    with pytest.raises(NotImplementedError, match="no inverse"):
        fitted["kernel"].inverse(yt)


def test_entropic_rule_and_small_eps_is_finite(gaussian_pair):
    xs, yt, x_test, true = gaussian_pair
    eps = baselines.entropic_reg(xs, yt)
    assert baselines.entropic_reg(2 * xs, 2 * yt) == pytest.approx(4 * eps, rel=1e-12)
    # POT's plain-exp out-of-sample map underflows to NaN here; ours is stabilised
    m = baselines.fit("entropic", xs[:200], yt[:200], reg=1e-4 * eps, max_iter=50)
    assert torch.isfinite(m.transform(x_test + 10.0)).all()
    assert m.options["reg"] == pytest.approx(1e-4 * eps)


def test_entropic_map_extends_the_plans_barycentric_projection(gaussian_pair, fitted):
    xs, yt, _, _ = gaussian_pair
    m = fitted["entropic"]
    plan = m.model["plan"]
    bary = (plan @ yt.numpy()) / plan.sum(1, keepdims=True)
    np.testing.assert_allclose(m.transform(xs.numpy()), bary, rtol=0, atol=1e-8)


def test_kernel_subsamples(gaussian_pair):
    xs, yt, _, _ = gaussian_pair
    m = baselines.fit("kernel", xs, yt, max_samples=100, max_iter=3)
    assert m.options["n_train"] == 100 and m.options["sigma"] > 0


def test_available_and_ssnb_requirements(gaussian_pair):
    names = baselines.available()
    assert {"linear", "emd", "entropic", "kernel"} <= set(names) <= set(baselines.METHODS)
    assert ("ssnb" in names) == HAS_CVXPY
    xs, yt, _, _ = gaussian_pair
    with pytest.raises(ValueError, match="at most 300"):
        baselines.fit("ssnb", xs, yt)
    if not HAS_CVXPY:
        with pytest.raises(ImportError, match=r"otgrad\[ssnb\]"):
            baselines.fit("ssnb", xs[:50], yt[:50])


def test_bad_inputs(gaussian_pair):
    xs, yt, _, _ = gaussian_pair
    with pytest.raises(ValueError, match="unknown baseline"):
        baselines.fit("sinkhorn-knopp", xs, yt)
    with pytest.raises(ValueError, match="same dimension"):
        baselines.fit("linear", xs, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        baselines.fit("emd", np.full((4, 2), np.nan), yt)
    with pytest.raises(TypeError, match="samplers"):
        baselines.fit("linear", lambda n: torch.randn(n, 2), yt)
    m = baselines.fit("linear", xs, yt)
    with pytest.raises(ValueError, match="dimension"):
        m.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        m.transform(np.zeros(2))


@pytest.mark.parametrize("name", ["otgrad", "icnn", "mlp"])
def test_neural_references_through_fit_map(name, gaussian_pair):
    xs, yt, x_test, true = gaussian_pair
    m = baselines.fit(name, xs, yt, steps=20, batch_size=128, seed=0)
    assert m.name == name and m.dim == 2
    out = m.transform(x_test)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    assert isinstance(m.transform(x_test.numpy()), np.ndarray)
    assert metrics.l2_uvp(out, true) < 10.0  # fit_map starts at the Gaussian map
    if name != "mlp":  # gradient nets are invertible
        back = m.inverse(m.transform(x_test[:20]))
        torch.testing.assert_close(back, x_test[:20], rtol=0, atol=1e-4)
