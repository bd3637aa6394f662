"""BrenierMap: array-type round trips, save/load, and clear errors on bad input or files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import otgrad


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = rng.normal(size=(400, 3)) @ np.diag([2.0, 1.0, 0.5]) + 1.0
    return otgrad.fit_map(x, y, steps=40, progress=False), x


def test_numpy_in_numpy_out(fitted):
    T, x = fitted
    out = T.transform(x)
    assert isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == x.dtype


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_torch_in_torch_out_keeps_dtype(fitted, dtype):
    T, x = fitted
    t = torch.as_tensor(x, dtype=dtype)
    out = T.transform(t)
    assert isinstance(out, torch.Tensor) and out.dtype == dtype
    assert torch.allclose(out.double(), torch.as_tensor(T.transform(x)), atol=1e-5)


def test_batched_transform_matches(fitted):
    T, x = fitted
    np.testing.assert_allclose(T.transform(x, batch_size=7), T.transform(x), atol=1e-6)


def test_save_load_identical(fitted, tmp_path):
    T, x = fitted
    path = tmp_path / "map.pt"
    T.save(path)
    U = otgrad.load(path)
    np.testing.assert_array_equal(U.transform(x), T.transform(x))
    np.testing.assert_array_equal(U.potential(x), T.potential(x))
    assert U.history["step"] == T.history["step"]
    assert type(U.net) is type(T.net)


def test_inverse_round_trip(fitted):
    T, x = fitted
    np.testing.assert_allclose(T.inverse(T.transform(x[:50])), x[:50], atol=1e-4)


def test_jacobian_shape_and_symmetry(fitted):
    T, x = fitted
    J = T.jacobian(x[:5])
    assert J.shape == (5, 3, 3)
    np.testing.assert_allclose(J, np.swapaxes(J, 1, 2), atol=1e-5)
    assert np.linalg.eigvalsh(0.5 * (J + np.swapaxes(J, 1, 2))).min() > 0


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.full((4, 3), np.nan), ValueError, "NaN|finite"),
        (np.zeros((4, 2)), ValueError, "dimension|d=|columns"),
        (np.zeros((0, 3)), ValueError, "empty|no points|at least"),
        (np.zeros(3), ValueError, "2-D|shape|rank|dimensional"),
        (np.zeros((4, 3), dtype=np.int64), TypeError, "float|dtype|integer"),
    ],
)
def test_transform_bad_input(fitted, bad, error, match):
    T, _ = fitted
    with pytest.raises(error, match=match):
        T.transform(bad)


def test_text_file_is_not_a_map(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("this is not a map\n")
    with pytest.raises(ValueError, match="not a readable otgrad map"):
        otgrad.load(path)


def test_foreign_torch_file_is_not_a_map(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not an otgrad map"):
        otgrad.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        otgrad.load(tmp_path / "nope.pt")


def test_inverse_needs_monotone_map():
    T = otgrad.BrenierMap(otgrad.nets.GradNetM(2))
    with pytest.raises(ValueError, match="monotone"):
        T.inverse(np.zeros((2, 2)))
