"""Metrics against hand-computed values, numpy/torch inputs, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from otgrad import metrics

TRUE = np.array([[0.0, 0.0], [2.0, 0.0]])  # total variance E||y - Ey||^2 = 1


@pytest.mark.parametrize("as_torch", [False, True])
def test_l2_uvp_hand_values(as_torch):
    conv = torch.from_numpy if as_torch else np.asarray
    shifted = TRUE + np.array([1.0, 0.0])  # squared error 1 everywhere
    assert metrics.l2_uvp(conv(shifted), conv(TRUE)) == pytest.approx(100.0, rel=1e-12)
    assert metrics.l2_uvp(conv(TRUE + [0.1, 0.0]), conv(TRUE)) == pytest.approx(1.0, rel=1e-12)
    assert metrics.l2_uvp(conv(shifted), conv(TRUE), target_var=4.0) == pytest.approx(25.0)
    assert metrics.l2_uvp(conv(TRUE), conv(TRUE)) == 0.0
    # the constant map at the target mean scores exactly 100 %
    mean = np.repeat(TRUE.mean(0, keepdims=True), 2, axis=0)
    assert metrics.l2_uvp(conv(mean), conv(TRUE)) == pytest.approx(100.0)
    assert isinstance(metrics.l2_uvp(conv(TRUE), conv(TRUE)), float)


def test_cos_similarity_hand_values():
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    true = x + np.array([1.0, 0.0])
    assert metrics.cos_similarity(x + [2.0, 0.0], true, x) == pytest.approx(1.0)
    assert metrics.cos_similarity(x - [3.0, 0.0], true, x) == pytest.approx(-1.0)
    assert metrics.cos_similarity(x + [0.0, 5.0], true, x) == pytest.approx(0.0, abs=1e-15)
    assert metrics.cos_similarity(x + [1.0, 1.0], true, x) == pytest.approx(1 / math.sqrt(2))
    with pytest.raises(ValueError, match="undefined"):
        metrics.cos_similarity(x, true, x)


def test_w2_hand_values():
    # two points each: pairing (0->0, 1->3) costs (0 + 4) / 2, so W2 = sqrt(2)
    assert metrics.w2([[0.0], [1.0]], [[0.0], [3.0]]) == pytest.approx(math.sqrt(2.0))
    # a translation by v: W2 = |v| exactly
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 3))
    v = np.array([1.0, -2.0, 2.0])
    assert metrics.w2(a, a + v) == pytest.approx(3.0, rel=1e-9)
    assert metrics.w2(torch.from_numpy(a), torch.from_numpy(a)) == pytest.approx(0.0, abs=1e-7)
    # subsampling: seeded, and a translation stays exact on independent subsamples' means
    b = rng.normal(size=(500, 2))
    s1, s2 = metrics.w2(b, b + 1, max_samples=100), metrics.w2(b, b + 1, max_samples=100)
    assert s1 == s2 and s1 > 0


def test_sinkhorn_divergence_hand_values():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(200, 2))
    # cost 1/2 |x - y|^2: a translation by v gives S_eps = |v|^2 / 2 exactly, for every eps
    assert metrics.sinkhorn_divergence(a, a + [1.0, 0.0], blur=0.2) == pytest.approx(0.5, abs=2e-3)
    assert metrics.sinkhorn_divergence(a, a, blur=0.05) == pytest.approx(0.0, abs=1e-6)
    assert metrics.sinkhorn_divergence(torch.from_numpy(a), a + 1.0) > 0.9  # |v|^2 / 2 = 1


def test_gradient_error_db_hand_values():
    true = np.zeros((4, 3))
    pred = true.copy()
    pred[:, 0] = 0.1  # squared norm 0.01 per point
    assert metrics.gradient_error_db(pred, true) == pytest.approx(-20.0)
    assert metrics.gradient_error_db(torch.ones(2, 2), torch.zeros(2, 2)) == pytest.approx(
        10 * math.log10(2.0)
    )
    assert metrics.gradient_error_db(true, true) == -math.inf


def test_monotonicity_stats_finite_differences(float64):
    a = torch.tensor([[2.0, 1.0], [1.0, 3.0]])
    x = torch.randn(6, 2)
    stats = metrics.monotonicity_stats(lambda z: z @ a, x)
    assert stats["symmetry_error"] < 1e-8
    assert stats["min_eigenvalue"] == pytest.approx(float(torch.linalg.eigvalsh(a).min()),
                                                     rel=1e-7)
    assert stats["fraction_negative"] == 0.0
    rot = torch.tensor([[0.0, -1.0], [1.0, 0.0]])  # a rotation field: not a gradient
    assert metrics.monotonicity_stats(lambda z: z @ rot, x)["symmetry_error"] > 1.0
    neg = metrics.monotonicity_stats(lambda z: (-z).numpy(), x)  # numpy output also accepted
    assert neg["min_eigenvalue"] == pytest.approx(-1.0) and neg["fraction_negative"] == 1.0
    # a non-linear gradient field: x -> x^3 (coordinate-wise), Jacobian diag(3 x^2)
    cube = metrics.monotonicity_stats(lambda z: z**3, x)
    assert cube["min_eigenvalue"] == pytest.approx(float(3 * (x**2).min()), abs=1e-6)


def test_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        metrics.l2_uvp(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="2-D"):
        metrics.l2_uvp(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        metrics.gradient_error_db(np.full((2, 2), np.nan), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="positive"):
        metrics.l2_uvp(np.ones((3, 2)), np.ones((3, 2)))  # zero target variance
    with pytest.raises(ValueError, match="dimensions"):
        metrics.w2(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="dimensions"):
        metrics.sinkhorn_divergence(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(TypeError):
        metrics.w2(np.zeros((3, 2), dtype=int), np.zeros((3, 2)))
