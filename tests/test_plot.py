"""Plot helpers: each returns a Figure with the expected axes and artists and saves to PNG."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.quiver import Quiver

import otgrad
from otgrad import plot

BOUNDS = (-2.0, 2.0, -1.5, 1.5)


def _png_ok(fig: Figure, path) -> None:
    fig.savefig(path, dpi=40)
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def _scatters(ax) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection)]


@pytest.mark.parametrize("as_torch", [False, True])
def test_plot_samples(as_torch, tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 2)), rng.normal(size=(60, 3))
    if as_torch:
        x, y = torch.from_numpy(x), torch.from_numpy(y)
    fig = plot.plot_samples(x, y, pushed=2 * x)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    scat = _scatters(fig.axes[0])
    assert [len(s.get_offsets()) for s in scat] == [50, 60, 50]
    assert len(fig.axes[0].get_legend().get_texts()) == 3
    assert len(_scatters(plot.plot_samples(x, y).axes[0])) == 2
    _png_ok(fig, tmp_path / "s.png")


def test_plot_samples_thins_and_reuses_axes(tmp_path):
    fig = Figure()
    axes = fig.subplots(1, 2)
    x = np.random.default_rng(1).normal(size=(5000, 2))
    out = plot.plot_samples(x, x, ax=axes[1], max_points=100, title="t")
    assert out is fig and len(fig.axes) == 2 and axes[1].get_title() == "t"
    assert all(len(s.get_offsets()) == 100 for s in _scatters(axes[1]))
    assert not _scatters(axes[0])
    _png_ok(fig, tmp_path / "two.png")


def test_plot_displacement(tmp_path):
    x = np.random.default_rng(2).normal(size=(400, 2))
    fig = plot.plot_displacement(x, x + 1.0, max_arrows=120)
    ax = fig.axes[0]
    quivers = [c for c in ax.collections if isinstance(c, Quiver)]
    assert len(quivers) == 1 and quivers[0].N == 120
    np.testing.assert_allclose(quivers[0].U, 1.0)
    assert len(_scatters(ax)) == 2
    _png_ok(fig, tmp_path / "d.png")
    with pytest.raises(ValueError, match="same shape"):
        plot.plot_displacement(x, x[:10])


def test_plot_potential_of_a_net(tmp_path):
    net = otgrad.nets.MGradNetM(2, width=8, modules=2, linear=True)
    pts = np.zeros((5, 2))
    fig = plot.plot_potential(net.potential, BOUNDS, resolution=30, levels=10, points=pts)
    assert len(fig.axes) == 2  # the plot and its colour bar
    assert len(_scatters(fig.axes[0])) == 1
    _png_ok(fig, tmp_path / "p.png")


def test_plot_potential_numpy_function_and_grid():
    xx, yy, pts = plot.grid(((0, 1), (0, 2)), resolution=5)
    assert xx.shape == (5, 5) and pts.shape == (25, 2)
    np.testing.assert_allclose(pts[:, 0].numpy(), xx.ravel())
    fig = plot.plot_potential(lambda p: np.asarray(p).sum(1), BOUNDS, resolution=10)
    assert isinstance(fig, Figure)
    with pytest.raises(ValueError, match="must return shape"):
        plot.plot_potential(lambda p: np.zeros(3), BOUNDS, resolution=10)
    with pytest.raises(ValueError, match="bounds"):
        plot.plot_potential(lambda p: p.sum(1), (1.0, 0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="resolution"):
        plot.grid(BOUNDS, resolution=1)


def test_plot_density_gaussian(tmp_path):
    def log_prob(p):
        return -0.5 * (p**2).sum(1) - np.log(2 * np.pi)

    fig = plot.plot_density(log_prob, BOUNDS, resolution=40, points=np.zeros((3, 2)))
    ax = fig.axes[0]
    (image,) = [im for im in ax.images if isinstance(im, AxesImage)]
    values = image.get_array()
    assert values.shape == (40, 40)
    assert abs(values.max() - 1 / (2 * np.pi)) < 0.01  # peak of N(0, I) near the grid centre
    assert not [c for c in ax.collections if isinstance(c, QuadMesh)]
    _png_ok(fig, tmp_path / "den.png")


@pytest.mark.parametrize(
    "history",
    [
        {"step": [1, 2, 3], "loss": [30.0, 2.0, 1.0], "val_loss": [35, 2.5, 1.5], "lr": [1, 1, 1]},
        [{"step": 1, "loss": 30.0, "val_loss": None}, {"step": 2, "loss": 2.0, "val_loss": 2.2}],
    ],
)
def test_plot_training(history, tmp_path):
    fig = plot.plot_training(history, title="fit")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["train loss", "validation loss"]
    assert ax.get_yscale() == "log"
    _png_ok(fig, tmp_path / "h.png")


def test_plot_training_without_validation_and_negative_loss():
    fig = plot.plot_training({"loss": [1.0, -0.5]})
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 1 and ax.get_yscale() == "linear"
    assert plot.plot_training({"loss": [2.0, 1.0]}).axes[0].get_yscale() == "linear"
    assert plot.plot_training({"loss": [2.0, 1.0]}, log=True).axes[0].get_yscale() == "log"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2])


@pytest.mark.parametrize(
    ("history", "err"),
    [
        ({"step": [1]}, ValueError),
        ({"loss": [1.0], "val_loss": [1, 2]}, ValueError),
        (3, TypeError),
    ],
)
def test_plot_training_bad_history(history, err):
    with pytest.raises(err):
        plot.plot_training(history)


def test_bad_points():
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        plot.plot_samples(np.zeros(5), np.zeros((5, 2)))


def test_all_names_exist():
    assert all(hasattr(plot, name) for name in plot.__all__)
