"""Gradient-field problems: closed-form gradients, convexity, PolyMax's definition, the dB metric,
parameter matching and a short training run for every benchmark model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from otgrad.bench.fields import MODELS, matched_model, width_for_parameters
from otgrad.metrics import gradient_error_db
from otgrad.nets.icgn import ICGN
from otgrad.problems.fields import PolyMax, make_field
from otgrad.regress import count_parameters, fit_field, predict

CASES = [("convex2d", None), ("nonconvex2d", None), ("polymax", 12), ("lse", 8), ("ridges", 8)]


def _hessians(field, x: torch.Tensor) -> torch.Tensor:
    return torch.stack([
        torch.autograd.functional.hessian(lambda v: field.potential(v[None])[0], xi) for xi in x
    ])


@pytest.mark.parametrize("name,dim", CASES)
def test_gradient_matches_autograd_of_potential(name, dim, float64):
    field = make_field(name, dim, seed=3)
    x = field.sample(64, seed=1).requires_grad_(True)
    (auto,) = torch.autograd.grad(field.potential(x).sum(), x)
    torch.testing.assert_close(field.gradient(x.detach()), auto, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,dim", [c for c in CASES if c[0] != "polymax"])
def test_convex_flag_matches_hessian(name, dim, float64):
    field = make_field(name, dim, seed=3)
    min_eig = torch.linalg.eigvalsh(_hessians(field, field.sample(40, seed=2))).min()
    if field.convex:
        assert min_eig >= -1e-10
    else:
        assert min_eig < -1e-3


def test_polymax_definition(float64):
    d = 16
    field = PolyMax(d)
    S, P, Q = field._A
    assert float(S[0, 0]) == pytest.approx(2 / math.log(d), rel=1e-12)  # alpha_11 = 0
    assert float(P[d - 1, d - 1]) == pytest.approx(3 / math.log(d), rel=1e-12)  # alpha_dd = 1
    assert float(Q[0, 1]) == pytest.approx((3 - 2 / (2 * d - 2)) / (2 * math.log(d)), rel=1e-12)
    assert field.convex  # S, P, Q are positive definite here
    x = field.sample(10_000, seed=0)
    assert float(field.gradient(x).norm(dim=1).mean()) == pytest.approx(1.0, rel=1e-10)
    assert field.potential(torch.full((1, d), 0.5)).item() == 0.0


def test_random_families_are_normalised_and_seeded(float64):
    for name in ("lse", "ridges"):
        a, b = make_field(name, 6, seed=1), make_field(name, 6, seed=2)
        x = a.sample(20_000, seed=5)
        assert float(a.gradient(x).pow(2).sum(1).mean()) == pytest.approx(1.0, rel=0.05)
        assert not torch.allclose(a.gradient(x), b.gradient(x))
        assert torch.equal(a.sample(7, seed=9), a.sample(7, seed=9))


def test_numpy_in_numpy_out_and_errors():
    field = make_field("convex2d")
    x = np.random.default_rng(0).random((5, 2))
    g = field.gradient(x)
    assert isinstance(g, np.ndarray) and g.shape == (5, 2) and g.dtype == np.float64
    with pytest.raises(ValueError, match="unknown field"):
        make_field("nope")
    with pytest.raises(ValueError, match="2-D"):
        make_field("convex2d", dim=3)
    with pytest.raises(ValueError, match="dimension"):
        field.gradient(np.zeros((3, 4)))


def test_width_for_parameters_hits_target():
    width = width_for_parameters(lambda w: ICGN(5, width=w), 700)
    assert abs(count_parameters(ICGN(5, width=width)) - 700) <= 70
    with pytest.raises(ValueError, match="within"):
        width_for_parameters(lambda w: ICGN(5, width=w * 50), 700)


@pytest.mark.parametrize("model", MODELS)
def test_short_training_improves_error(model):
    field = make_field("convex2d")
    net = matched_model(model, 2, 100, seed=0)
    assert abs(count_parameters(net) - 100) <= 10
    x = field.sample(2000, seed=1)
    y = field.gradient(x)
    grid = field.sample(500, seed=2)
    before = gradient_error_db(predict(net, grid), field.gradient(grid))
    result = fit_field(net, x, y, steps=150, batch_size=100, lr=1e-2, seed=0)
    after = gradient_error_db(predict(net, grid), field.gradient(grid))
    assert not result.diverged and len(result.losses) >= 2
    assert after < before - 3.0, (model, before, after)


def test_pairs_sampler_gives_fresh_exact_pairs(float64):
    field = make_field("polymax", 8)
    sample = field.pairs(dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    (x1, y1), (x2, _) = sample(16, g), sample(16, g)
    assert x1.shape == (16, 8) and not torch.equal(x1, x2)
    torch.testing.assert_close(y1, field.gradient(x1), rtol=0, atol=0)


def test_run_tasks_resumes_from_cache(tmp_path):
    from otgrad.bench.fields import Task, run_tasks

    tasks = [Task("lse", 4, "mlp", seed, 1e-2, 10, 10, 100, 0, "final") for seed in range(3)]
    calls = []

    def worker(task):
        calls.append(task.seed)
        return {"model": task.model, "seed": task.seed, "db": -float(task.seed), "seconds": 0.0}

    cache = tmp_path / "runs.jsonl"
    first = run_tasks(tasks, worker, jobs=1, cache=cache)
    again = run_tasks(tasks, worker, jobs=1, cache=cache)
    assert sorted(calls) == [0, 1, 2]  # the second call ran nothing
    assert [r["db"] for r in again] == [r["db"] for r in first] == [0.0, -1.0, -2.0]
