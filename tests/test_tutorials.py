"""Tutorials: every script parses as a jupytext notebook; the runner executes notebooks in fast
mode and reports failures; the full fast-mode run of all tutorials is a slow test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
pytest.importorskip("nbclient")

TUTORIALS = Path(__file__).resolve().parents[1] / "tutorials"
RUNNER = TUTORIALS / "run_all.py"
SCRIPTS = sorted(p for p in TUTORIALS.glob("*.py") if p.name != "run_all.py" and p.name[0] != "_")
OURS = ["quickstart", "pot_baselines", "generative", "color_transfer"]


def _run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(RUNNER), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_is_a_percent_notebook(script):
    notebook = jupytext.read(script)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds.count("code") >= 2 and kinds.count("markdown") >= 1
    assert kinds[0] == "markdown" or notebook.cells[0].source.startswith("# ---")
    assert "OTGRAD_FAST" in script.read_text(), "a tutorial must honour fast mode"


def test_runner_discovers_every_tutorial():
    sys.path.insert(0, str(TUTORIALS))
    try:
        import run_all
    finally:
        sys.path.remove(str(TUTORIALS))
    found = [p.stem for p in run_all.discover()]
    assert found == [p.stem for p in SCRIPTS]
    assert "run_all" not in found
    assert [p.stem for p in run_all.discover(only=["quickstart"])] == ["quickstart"]


@pytest.mark.parametrize("name", OURS)
def test_our_tutorials_commit_their_figure(name):
    assert (TUTORIALS / f"{name}.py").exists()
    assert (TUTORIALS / "figures" / f"{name}.png").exists()


def test_runner_executes_in_fast_mode_and_reports_failure(tmp_path):
    (tmp_path / "good.py").write_text(
        "# %% [markdown]\n# A tiny tutorial\n\n# %%\nimport os\nfrom pathlib import Path\n"
        "assert os.environ['OTGRAD_FAST'] == '1'\nPath('ran.txt').write_text(os.getcwd())\n"
    )
    (tmp_path / "bad.py").write_text("# %%\nraise RuntimeError('boom in a cell')\n")
    (tmp_path / "_helper.py").write_text("raise SystemExit('helpers are not tutorials')\n")
    ok = _run("--dir", str(tmp_path), "--only", "good", timeout=180)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ok   good" in ok.stdout and "1/1 tutorials passed" in ok.stdout
    assert Path((tmp_path / "ran.txt").read_text()) == tmp_path  # runs in the tutorials folder
    both = _run("--dir", str(tmp_path), "--output", str(tmp_path / "nb"), timeout=180)
    assert both.returncode == 1
    assert "FAIL bad" in both.stdout and "boom in a cell" in both.stderr
    assert (tmp_path / "nb" / "good.ipynb").exists() and (tmp_path / "nb" / "bad.ipynb").exists()


def test_runner_rejects_unknown_tutorial():
    result = _run("--only", "no_such_tutorial", timeout=60)
    assert result.returncode != 0 and "unknown tutorial" in result.stderr


@pytest.mark.slow
def test_all_tutorials_execute_in_fast_mode():
    result = _run(timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
