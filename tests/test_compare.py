"""``compare`` on tiny problems: every column, markdown, JSON, plots, held-out splits, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from otgrad.compare import COLUMNS, Report, compare
from otgrad.problems import make_problem

METHODS = ["linear", "emd", "entropic", "otgrad"]


@pytest.fixture(scope="module")
def report_2d() -> Report:
    p = make_problem("gaussian", 2, seed=0)
    return compare(p.sample_source(250), p.sample_target(250), methods=METHODS,
                   true_map=p.true_map, options={"otgrad": {"steps": 20, "batch_size": 64}})


def test_every_column_for_every_method(report_2d):
    assert report_2d.methods == METHODS
    assert report_2d.n_train == (200, 200) and report_2d.n_test == (50, 50)
    for row in report_2d.rows:
        assert row["error"] is None
        for key in COLUMNS:
            assert math.isfinite(row[key]), (row["method"], key)
        assert 0 <= row["l2_uvp"] < 30 and 0.8 < row["cos"] <= 1.0
        assert row["w2"] > 0 and row["fit_seconds"] >= 0 and row["points_per_second"] > 0
    # the exact (linear) map pushes the test source closest to the target here
    assert report_2d["linear"]["l2_uvp"] < report_2d["emd"]["l2_uvp"]
    assert set(report_2d.pushed) == set(METHODS)
    assert report_2d.pushed["linear"].shape == (50, 2)


def test_markdown_and_json(report_2d, tmp_path):
    md = report_2d.to_markdown()
    for header, _ in COLUMNS.values():
        assert header in md
    for method in METHODS:
        assert f"| {method} |" in md
    assert len(md.splitlines()) == 2 + len(METHODS) + 2  # header, rule, rows, blank, caption
    path = tmp_path / "r.json"
    data = json.loads(report_2d.to_json(str(path)))
    assert json.loads(path.read_text()) == data
    assert data["dim"] == 2 and [r["method"] for r in data["rows"]] == METHODS
    assert data["rows"][0]["l2_uvp"] == pytest.approx(report_2d["linear"]["l2_uvp"])


def test_plot_2d(report_2d, tmp_path):
    fig = report_2d.plot(str(tmp_path / "r.png"))
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 * (len(METHODS) + 1)  # true map + one column per method, 2 rows
    assert (tmp_path / "r.png").stat().st_size > 0


def test_higher_dim_without_true_map_and_given_test_sets():
    p = make_problem("lse", 4, seed=1)
    xs, ys = p.sample_source(150), p.sample_target(150)
    xt, yt = p.sample_source(60, seed=5), p.sample_target(70, seed=5)
    r = compare(xs.numpy(), ys.numpy(), methods=["linear", "entropic"], test_source=xt,
                test_target=yt)
    assert r.n_train == (150, 150) and r.n_test == (60, 70) and r.dim == 4
    assert math.isnan(r["linear"]["l2_uvp"]) and math.isnan(r["linear"]["cos"])
    md = r.to_markdown()
    assert "L2-UVP" not in md and "W2" in md
    assert json.loads(r.to_json())["rows"][0]["l2_uvp"] is None
    fig = r.plot()
    assert len(fig.axes) == 1 + 2  # metric bars + one projection per method


def test_seeded_split_is_reproducible():
    p = make_problem("gaussian", 2, seed=2)
    xs, ys = p.sample_source(100), p.sample_target(100)
    a = compare(xs, ys, methods=["linear"], seed=3)
    b = compare(xs, ys, methods=["linear"], seed=3)
    np.testing.assert_array_equal(a.test_source, b.test_source)
    assert a["linear"]["w2"] == b["linear"]["w2"]


def test_errors_raise_or_record():
    p = make_problem("gaussian", 2)
    xs, ys = p.sample_source(400), p.sample_target(400)
    with pytest.raises(ValueError, match="at most 300"):
        compare(xs, ys, methods=["ssnb"])
    r = compare(xs, ys, methods=["linear", "ssnb"], on_error="record")
    assert r["ssnb"]["error"].startswith("ValueError") and "error:" in r.to_markdown()
    assert math.isnan(r["ssnb"]["w2"]) and r["linear"]["error"] is None
    with pytest.raises(ValueError, match="unknown method"):
        compare(xs, ys, methods=["nope"])
    with pytest.raises(ValueError, match="distinct"):
        compare(xs, ys, methods=["linear", "linear"])
    with pytest.raises(ValueError, match="not compared"):
        compare(xs, ys, methods=["linear"], options={"emd": {}})
    with pytest.raises(ValueError, match="different dimensions"):
        compare(xs, np.zeros((10, 3)), methods=["linear"])
    with pytest.raises(ValueError, match="dimension"):
        compare(xs, ys, methods=["linear"], test_source=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="too few"):
        compare(xs[:2], ys, methods=["linear"])
    with pytest.raises(KeyError, match="no method"):
        r["emd"]
