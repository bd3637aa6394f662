r"""Matplotlib figures for transport maps: samples, displacements, potentials, densities, training
curves; every function returns a :class:`matplotlib.figure.Figure` and touches no pyplot state."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

__all__ = [
    "grid",
    "plot_density",
    "plot_displacement",
    "plot_potential",
    "plot_samples",
    "plot_training",
]

ArrayLike = Any  # np.ndarray | Tensor
Bounds = Sequence[float] | Sequence[Sequence[float]]

_COLORS = {"source": "tab:blue", "target": "tab:orange", "pushed": "tab:green"}


def _numpy(x: ArrayLike, name: str) -> np.ndarray:
    """Points ``(n, d)`` with ``d >= 2`` as a float numpy array (first two coordinates plotted)."""
    arr = x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n, d) with d >= 2; got {arr.shape}")
    return arr


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.0, 5.0)) -> Axes:
    """The given axes, or the single axes of a new figure."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _thin(x: np.ndarray, max_points: int | None, seed: int = 0) -> np.ndarray:
    """At most ``max_points`` rows, chosen at random without replacement (seeded)."""
    if max_points is None or len(x) <= max_points:
        return x
    return x[np.random.default_rng(seed).choice(len(x), max_points, replace=False)]


def _bounds(bounds: Bounds) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` from that tuple or from ``((xmin, xmax), (ymin, ymax))``."""
    flat = np.asarray(bounds, dtype=float).ravel()
    if flat.shape != (4,) or not (flat[0] < flat[1] and flat[2] < flat[3]):
        raise ValueError(f"bounds must be (xmin, xmax, ymin, ymax) with min < max; got {bounds!r}")
    return tuple(flat.tolist())  # type: ignore[return-value]


def grid(bounds: Bounds, resolution: int = 100) -> tuple[np.ndarray, np.ndarray, Tensor]:
    """A regular ``resolution x resolution`` grid over ``bounds``.

    Returns
    -------
    xx, yy : numpy.ndarray
        ``(resolution, resolution)`` coordinates (``meshgrid``, ``xy`` indexing).
    points : Tensor
        ``(resolution**2, 2)`` grid points in torch's default dtype, row-major like ``xx``.
    """
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}")
    xmin, xmax, ymin, ymax = _bounds(bounds)
    xx, yy = np.meshgrid(np.linspace(xmin, xmax, resolution), np.linspace(ymin, ymax, resolution))
    points = torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], axis=1))
    return xx, yy, points.to(torch.get_default_dtype())


def _on_grid(fn: Callable[[Tensor], ArrayLike], bounds: Bounds, resolution: int):
    """Evaluate a scalar function ``(m, 2) tensor -> (m,)`` on :func:`grid`; values as numpy."""
    xx, yy, points = grid(bounds, resolution)
    values = fn(points)
    values = values.detach().cpu().numpy() if isinstance(values, Tensor) else np.asarray(values)
    if values.shape != (points.shape[0],):
        raise ValueError(f"the function must return shape ({points.shape[0]},); got {values.shape}")
    return xx, yy, values.reshape(xx.shape)


def plot_samples(
    source: ArrayLike,
    target: ArrayLike,
    pushed: ArrayLike | None = None,
    ax: Axes | None = None,
    max_points: int | None = 2000,
    labels: tuple[str, str, str] = ("source", "target", r"$T_\#$ source"),
    title: str | None = None,
) -> Figure:
    r"""Scatter the source :math:`x \sim \mu`, the target :math:`y \sim \nu` and, optionally, the
    pushed-forward source :math:`T(x)` (first two coordinates of ``(n, d)`` arrays).

    Numpy arrays or torch tensors; at most ``max_points`` points per cloud are drawn (a seeded
    random subset). Pass ``ax`` to draw into an existing figure.
    """
    ax = _axes(ax)
    clouds = [("source", source), ("target", target), ("pushed", pushed)]
    for (key, points), label in zip(clouds, labels, strict=True):
        if points is None:
            continue
        p = _thin(_numpy(points, key), max_points)
        ax.scatter(p[:, 0], p[:, 1], s=4, alpha=0.5, color=_COLORS[key], label=label)
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper right", markerscale=3, fontsize="small")
    if title:
        ax.set_title(title)
    return ax.figure


def plot_displacement(
    x: ArrayLike,
    y: ArrayLike,
    ax: Axes | None = None,
    max_arrows: int = 300,
    color: str = "0.3",
    title: str | None = None,
) -> Figure:
    r"""Arrows from each :math:`x_i` to its image :math:`y_i = T(x_i)` (a seeded subset of at most
    ``max_arrows``), over the start (blue) and end (green) points.
    """
    xs, ys = _numpy(x, "x"), _numpy(y, "y")
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same shape; got {xs.shape} and {ys.shape}")
    keep = _thin(np.arange(len(xs)), max_arrows)
    xs, ys = xs[keep], ys[keep]
    ax = _axes(ax)
    ax.scatter(xs[:, 0], xs[:, 1], s=5, color=_COLORS["source"], label="x")
    ax.scatter(ys[:, 0], ys[:, 1], s=5, color=_COLORS["pushed"], label="T(x)")
    d = ys - xs
    ax.quiver(xs[:, 0], xs[:, 1], d[:, 0], d[:, 1], angles="xy", scale_units="xy", scale=1,
              width=0.003, color=color, alpha=0.6)
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper right", markerscale=3, fontsize="small")
    if title:
        ax.set_title(title)
    return ax.figure


def plot_potential(
    potential_fn: Callable[[Tensor], ArrayLike],
    bounds: Bounds,
    resolution: int = 100,
    levels: int = 20,
    ax: Axes | None = None,
    points: ArrayLike | None = None,
    title: str | None = None,
) -> Figure:
    r"""Level sets of a scalar potential :math:`F(x)` on the box ``bounds``.

    ``potential_fn`` receives a ``(m, 2)`` tensor (torch's default dtype) and returns ``(m,)``
    values, numpy or torch: ``net.potential``, ``BrenierMap.potential`` or any function. A
    convex :math:`F` (an mGradNet) has convex sublevel sets. ``points`` are overlaid if given.
    """
    xx, yy, values = _on_grid(potential_fn, bounds, resolution)
    ax = _axes(ax)
    filled = ax.contourf(xx, yy, values, levels=levels, cmap="viridis")
    ax.contour(xx, yy, values, levels=levels, colors="k", linewidths=0.4, alpha=0.5)
    ax.figure.colorbar(filled, ax=ax, label="potential")
    if points is not None:
        p = _thin(_numpy(points, "points"), 2000)
        ax.scatter(p[:, 0], p[:, 1], s=2, color="w", alpha=0.5)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax.figure


def plot_density(
    log_prob_fn: Callable[[Tensor], ArrayLike],
    bounds: Bounds,
    resolution: int = 100,
    ax: Axes | None = None,
    points: ArrayLike | None = None,
    title: str | None = None,
) -> Figure:
    r"""Heat map of the density :math:`q(y) = \exp(\log q(y))` on the box ``bounds``.

    ``log_prob_fn`` receives a ``(m, 2)`` tensor and returns ``(m,)`` log-densities (e.g.
    ``BrenierGenerator.log_prob`` or ``scipy.stats.gaussian_kde(...).logpdf`` composed with
    ``.T``). ``points`` (samples) are overlaid if given.
    """
    xx, yy, values = _on_grid(log_prob_fn, bounds, resolution)
    xmin, xmax, ymin, ymax = _bounds(bounds)
    ax = _axes(ax)
    image = ax.imshow(np.exp(values), origin="lower", extent=(xmin, xmax, ymin, ymax),
                      cmap="magma", aspect="equal", interpolation="bilinear")
    ax.figure.colorbar(image, ax=ax, label="density")
    if points is not None:
        p = _thin(_numpy(points, "points"), 1000)
        ax.scatter(p[:, 0], p[:, 1], s=1, color="c", alpha=0.4)
    if title:
        ax.set_title(title)
    return ax.figure


def _history_columns(history: Mapping[str, Sequence] | Sequence[Mapping]) -> dict[str, np.ndarray]:
    """``{"step": [...], "loss": [...], ...}`` from a dict of lists or a list of dicts."""
    if isinstance(history, Mapping):
        columns = {k: list(v) for k, v in history.items()}
    elif isinstance(history, Sequence) and all(isinstance(h, Mapping) for h in history):
        keys = {k for h in history for k in h}
        columns = {k: [h.get(k) for h in history] for k in keys}
    else:
        raise TypeError("history must be a dict of lists or a list of dicts")
    if not columns.get("loss"):
        raise ValueError("history has no 'loss' entries")
    n = len(columns["loss"])
    columns.setdefault("step", list(range(1, n + 1)))
    out = {}
    for key, values in columns.items():
        if len(values) != n:
            raise ValueError(f"history[{key!r}] has {len(values)} entries, 'loss' has {n}")
        out[key] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return out


def plot_training(
    history: Mapping[str, Sequence] | Sequence[Mapping],
    ax: Axes | None = None,
    log: bool | None = None,
    title: str | None = None,
) -> Figure:
    """Training curves: ``"loss"`` (and ``"val_loss"`` when present) against ``"step"``.

    ``history`` is ``BrenierMap.history`` (a dict of lists) or a list of per-step dicts.
    ``log`` uses a logarithmic loss axis (default: when every loss is positive and they span
    more than a factor 10).
    """
    cols = _history_columns(history)
    ax = _axes(ax, figsize=(6.0, 4.0))
    ax.plot(cols["step"], cols["loss"], label="train loss", color="tab:blue")
    val = cols.get("val_loss")
    if val is not None and np.isfinite(val).any():
        ax.plot(cols["step"], val, label="validation loss", color="tab:orange", marker=".")
    finite = np.concatenate([c[np.isfinite(c)] for k, c in cols.items() if "loss" in k])
    if log is None:  # logarithmic when positive and spanning more than a decade
        log = bool((finite > 0).all()) and finite.max() > 10 * finite.min()
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax.figure
