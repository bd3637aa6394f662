"""``otgrad bench fields`` and ``otgrad bench hamiltonian``: every task of the protocol is in each
mode, reports are written from cached runs, and the ``--quick`` suites (CI) run end to end."""

from __future__ import annotations

import json
import math

import pytest
import torch

from otgrad.bench import fields, hamiltonian
from otgrad.cli import main

#: protocol.md §B tasks plus our two families in d = 16 and 64
FIELD_TASKS = {("convex2d", 2), ("nonconvex2d", 2), ("polymax", 256), ("polymax", 1024),
               ("lse", 16), ("lse", 64), ("ridges", 16), ("ridges", 64)}


@pytest.mark.parametrize("mode", ["full", "protocol"])
def test_full_modes_cover_every_task_with_three_seeds(mode):
    chosen = fields.settings(mode)
    assert {(s.field, s.dim) for s in chosen} == FIELD_TASKS
    for s in chosen:
        assert s.seeds >= 3 or "seed" in s.note, s  # fewer seeds only where the note says so
        if s.lr_from is not None:  # lr reused from a setting run earlier
            assert s.lr_from in {(t.field, t.dim) for t in chosen[: chosen.index(s)]}
    with pytest.raises(ValueError, match="unknown mode"):
        fields.settings("huge")


def test_protocol_mode_has_the_papers_sizes():
    chosen = {(s.field, s.dim): s for s in fields.settings("protocol")}
    for key in (("convex2d", 2), ("nonconvex2d", 2)):  # 200 epochs of 100k points, batch 1000
        s = chosen[key]
        assert (s.steps, s.batch_size, s.n_train, s.lr, s.params, s.seeds) == (
            20_000, 1000, 100_000, 5e-3, 100, 5)
    for d in (256, 1024):  # 10k Adam steps of batch 100, lr from the grid, ~1024 d parameters
        s = chosen["polymax", d]
        assert (s.steps, s.batch_size, s.params, s.lr, s.lr_from) == (10_000, 100, 1024 * d,
                                                                     None, None)
    full = {(s.field, s.dim): s for s in fields.settings("full")}
    assert all(full[k].steps <= s.steps for k, s in chosen.items())  # full is the smaller one


def test_hamiltonian_systems_include_a_64_dim_chain():
    dims = {s.system: s.make().dim for s in hamiltonian.settings(quick=False)}
    assert set(dims) == {"mass-spring", "pendulum", "two-body", "chain"}
    assert dims["chain"] >= 64
    assert all(s.seeds >= 3 for s in hamiltonian.settings(quick=False))


def test_zero_field_db_is_the_mean_squared_norm():
    g = torch.tensor([[3.0, 4.0], [0.0, 0.0]])  # mean ||g||^2 = 12.5
    assert fields.zero_field_db(g) == pytest.approx(10 * torch.log10(torch.tensor(12.5)).item())


@pytest.mark.parametrize("suite", ["fields", "hamiltonian"])
def test_report_only_runs_nothing_and_lists_missing(suite, tmp_path):
    stem = suite  # fields.md, hamiltonian.md
    assert main(["bench", suite, "--report-only", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / f"{stem}.json").read_text())
    assert report["runs"] == [] and report["summaries"] == [] and report["missing"]
    assert "Not run" in (tmp_path / f"{stem}.md").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("suite", ["fields", "hamiltonian"])
def test_quick_suite_writes_complete_results(suite, tmp_path):
    """The CI run: ``otgrad bench SUITE --quick`` (a few minutes on two cores)."""
    assert main(["bench", suite, "--quick", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / f"{suite}_quick.json").read_text())
    assert report["complete"] and not report["missing"]
    assert (tmp_path / f"{suite}_quick.png").stat().st_size > 0
    md = (tmp_path / f"{suite}_quick.md").read_text()
    assert "Incomplete" not in md and "Not run" not in md
    for summary in report["summaries"]:
        rows = summary["models"]
        assert all(math.isfinite(row["db_mean"]) for row in rows.values()), summary
        for best in (summary["best_gradnet"], summary["best_baseline"]):  # both learnt the field
            assert rows[best]["db_mean"] < summary["zero_db"] - 3.0, summary
