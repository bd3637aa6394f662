"""``otgrad bench maps``: the quick suite writes its files; medians, targets, cache, memory."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from otgrad.bench import _common, maps


def _args(tmp_path, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    maps.add_arguments(parser)
    return parser.parse_args(["--out", str(tmp_path), *extra])


def test_quick_accuracy_suite_writes_files(tmp_path):
    args = _args(tmp_path, "--quick", "--part", "accuracy", "--problems", "gaussian", "ridge",
                 "--dims", "2", "--methods", "otgrad", "linear", "--resume")
    assert maps.run(args) == 0
    data = json.loads((tmp_path / "maps_quick.json").read_text())
    assert data["complete"] and data["mode"] == "quick" and not data["missing"]
    assert len(data["runs"]) == 4  # 2 problems x 2 methods x 1 seed
    for r in data["runs"]:
        assert r["error"] is None
        for key in ("l2_uvp", "cos", "w2", "sinkhorn", "fit_seconds", "points_per_second"):
            assert np.isfinite(r[key]), (r["method"], key)
    lin = next(r for r in data["summary"] if r["problem"] == "gaussian" and r["method"] == "linear")
    assert lin["l2_uvp"] < 5 and lin["seeds"] == 1  # the Bures map is exact on Gaussians
    assert {(t["problem"], t["dim"]) for t in data["targets"]} == {("gaussian", 2), ("ridge", 2)}
    md = (tmp_path / "maps_quick.md").read_text()
    assert "| problem | d | otgrad | linear |" in md and "| ridge | 2 |" in md
    assert "L2-UVP %" in md and "transform pts/s" in md and "## Targets" in md
    assert (tmp_path / "maps_quick.png").stat().st_size > 0
    # resume: the cache answers, and --report-only rewrites the report from it without fitting
    cache = tmp_path / ".maps_quick_runs.jsonl"
    assert len(cache.read_text().splitlines()) == 4
    assert maps.run(_args(tmp_path, "--quick", "--part", "accuracy", "--problems", "gaussian",
                          "ridge", "--dims", "2", "--methods", "otgrad", "linear",
                          "--report-only")) == 0
    again = json.loads((tmp_path / "maps_quick.json").read_text())
    assert again["summary"] == data["summary"] and again["minutes"] is None


def test_cost_sweep_writes_files(tmp_path, monkeypatch):
    tiny = maps.CostSetting(2, 5, (300,), (200,), n_eval=128, note="test")
    monkeypatch.setattr(maps, "cost_settings", lambda mode: tiny)
    # in this process: spawning fresh ones (as the suite does, for clean peaks) costs seconds
    monkeypatch.setattr(maps, "_in_fresh_process", lambda fn, *args: fn(*args))
    assert maps.run(_args(tmp_path, "--quick", "--part", "cost")) == 0
    data = json.loads((tmp_path / "maps_quick_cost.json").read_text())
    assert [(f["n"], f["data"]) for f in data["fits"]] == [(300, "arrays"), (300, "sampler")]
    for f in data["fits"]:
        assert f["fit_seconds"] > 0 and f["data_mib"] > 0
        if sys.platform == "linux":
            assert f["peak_mib"] is not None and f["peak_mib"] >= 0
    (t,) = data["transforms"]
    assert t["n_train"] == 200 and t["otgrad_s_per_point"] > 0 and t["entropic_s_per_point"] > 0
    md = (tmp_path / "maps_quick_cost.md").read_text()
    assert "| n per side | data given as | fit s |" in md and "| n_train | otgrad µs/pt |" in md


def _row(problem, dim, method, l2, fit=1.0):
    return {"problem": problem, "dim": dim, "method": method, "l2_uvp": l2, "cos": 0.9, "w2": 1.0,
            "sinkhorn": 0.1, "fit_seconds": fit, "points_per_second": 1e5, "error": None}


def test_summarise_takes_medians_and_keeps_errors():
    runs = [_row("ridge", 8, "otgrad", v) for v in (3.0, 1.0, 2.0)]
    runs.append({**_row("ridge", 8, "emd", None), "error": "MemoryError: x"})
    runs.append(_row("gaussian", 8, "linear", 0.5))
    summary = maps.summarise(runs)
    assert [(r["problem"], r["method"]) for r in summary] == [
        ("gaussian", "linear"), ("ridge", "otgrad"), ("ridge", "emd")]
    ours = summary[1]
    assert ours["l2_uvp"] == 2.0 and ours["seeds"] == 3 and ours["errors"] == []
    assert summary[2]["l2_uvp"] is None and summary[2]["seeds"] == 0
    assert summary[2]["errors"] == ["MemoryError: x"]


def test_targets_use_the_issue_thresholds():
    summary = maps.summarise([
        _row("ridge", 8, "otgrad", 4.0, fit=200.0), _row("ridge", 8, "linear", 9.0),
        _row("ridge", 8, "entropic", 10.0),
        _row("ridge", 2, "otgrad", 1.0), _row("ridge", 2, "emd", 1.5),
        _row("gaussian", 8, "otgrad", 1.5), _row("gaussian", 8, "linear", 0.5),
        _row("gaussian", 2, "emd", 0.1),  # no otgrad row: no check
    ])
    checks = {(c["problem"], c["dim"]): c for c in maps.targets(summary)}
    assert set(checks) == {("ridge", 8), ("ridge", 2), ("gaussian", 8)}
    r8 = checks[("ridge", 8)]
    assert r8["reference"] == "linear" and r8["ratio"] == pytest.approx(4 / 9)
    assert r8["limit"] == 0.5 and r8["met"] and r8["fit_ok"] is False
    assert checks[("ridge", 2)]["limit"] == 1.0 and checks[("ridge", 2)]["met"]
    g8 = checks[("gaussian", 8)]
    assert g8["reference"] == "linear" and g8["ratio"] == pytest.approx(3.0) and not g8["met"]


def test_settings_modes():
    protocol = maps.settings("protocol")
    assert [s.dim for s in protocol] == [2, 4, 8, 16, 32, 64, 128]
    assert all(s.seeds == 3 and s.n_train == 4096 and set(s.methods) == set(maps.METHODS)
               for s in protocol)
    assert maps.REDUCTIONS["budget"] and maps.REDUCTIONS["quick"]  # reductions are stated
    assert maps.cost_settings("budget").fit_ns == (1000, 10_000, 100_000, 1_000_000)
    with pytest.raises(ValueError, match="unknown mode"):
        maps.settings("huge")


@dataclass(frozen=True)
class _Job:
    x: int


def _square(job: _Job) -> dict:
    return {"y": job.x**2}


def test_run_tasks_caches_and_resumes(tmp_path):
    cache = tmp_path / "runs.jsonl"
    seen: list[dict] = []
    first = _common.run_tasks([_Job(1), _Job(2)], _square, 1, cache, progress=seen.append)
    assert first == [{"y": 1}, {"y": 4}] and len(seen) == 2
    # the cached jobs are not run again; a new one is, and results keep the task order
    out = _common.run_tasks([_Job(3), _Job(2), _Job(1)], _square, 1, cache, progress=seen.append)
    assert out == [{"y": 9}, {"y": 4}, {"y": 1}] and len(seen) == 3
    assert _common.run_tasks([_Job(5)], _square, 1, cache, run_missing=False) == [{}]


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self")
def test_peak_rss_delta_sees_a_numpy_allocation():
    ballast = np.ones(2**23)  # 64 MiB allocated before the call do not count
    out, mib = _common.peak_rss_delta(lambda: float(np.ones(2**22).sum()))  # 32 MiB inside
    assert out == 2**22 and ballast.size
    assert mib is not None and 28 <= mib < 60
