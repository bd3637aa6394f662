"""The ``otgrad`` command: fit -> transform round trip, and one-line errors with exit code 2."""

from __future__ import annotations

import numpy as np
import pytest

import otgrad
from otgrad.cli import main


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    src, tgt = tmp_path / "src.npy", tmp_path / "tgt.csv"
    np.save(src, rng.normal(size=(300, 2)))
    np.savetxt(tgt, rng.normal(size=(250, 2)) * 2 + 1, delimiter=",", header="a,b")
    return tmp_path, src, tgt


def test_fit_then_transform_and_inverse(files, capsys):
    tmp, src, tgt = files
    assert main(["fit", str(src), str(tgt), "-o", str(tmp / "map.pt"), "--steps", "30",
                 "--quiet"]) == 0
    assert main(["transform", str(tmp / "map.pt"), str(src), "-o", str(tmp / "y.npz")]) == 0
    y = np.load(tmp / "y.npz")
    y = y[y.files[0]]
    T = otgrad.load(tmp / "map.pt")
    np.testing.assert_allclose(y, T.transform(np.load(src)), atol=1e-6)
    assert main(["transform", str(tmp / "map.pt"), str(tmp / "y.npz"), "-o", str(tmp / "x.csv"),
                 "--inverse"]) == 0
    x_back = np.loadtxt(tmp / "x.csv", delimiter=",", ndmin=2)
    np.testing.assert_allclose(x_back, np.load(src), atol=1e-3)
    assert "wrote" in capsys.readouterr().out


def _error(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "error" in err
    return err


def test_text_file_as_map(files, capsys):
    tmp, src, _ = files
    (tmp / "map.pt").write_text("hello")
    assert "not a readable otgrad map" in _error(
        ["transform", str(tmp / "map.pt"), str(src), "-o", str(tmp / "y.npy")], capsys)


def test_dimension_mismatch(files, capsys):
    tmp, src, _ = files
    np.save(tmp / "bad.npy", np.zeros((20, 3)))
    assert "dimension" in _error(
        ["fit", str(src), str(tmp / "bad.npy"), "-o", str(tmp / "m.pt"), "--quiet"], capsys)


def test_nan_in_file(files, capsys):
    tmp, src, _ = files
    bad = np.zeros((20, 2))
    bad[3, 1] = np.nan
    np.save(tmp / "nan.npy", bad)
    assert "nan" in _error(
        ["fit", str(src), str(tmp / "nan.npy"), "-o", str(tmp / "m.pt"), "--quiet"],
        capsys).lower()


def test_missing_and_unknown_files(files, capsys):
    tmp, src, _ = files
    _error(["fit", str(tmp / "nope.npy"), str(src), "-o", str(tmp / "m.pt")], capsys)
    (tmp / "x.txt").write_text("1 2\n")
    _error(["fit", str(tmp / "x.txt"), str(src), "-o", str(tmp / "m.pt")], capsys)


def test_help_everywhere(capsys):
    for argv in (["--help"], ["fit", "--help"], ["transform", "--help"], ["demo", "--help"],
                 ["compare", "--help"], ["bench", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_demo_quick(tmp_path, capsys):
    assert main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "demo.md").read_text()
    assert "otgrad L2-UVP" in table and "| lse | 2 |" in table and "| icnn | 16 |" in table
    assert (tmp_path / "demo.png").stat().st_size > 10_000
