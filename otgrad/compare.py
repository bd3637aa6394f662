r"""Side-by-side comparison of transport-map estimators on the same samples: ``compare``.

Every method is fitted on the same training samples and scored on the same held-out points:
L2-UVP and cosine similarity against the true map when it is known (Korotin et al., NeurIPS
2021), and always the :math:`W_2` distance and the Sinkhorn divergence between the pushed-forward
held-out source and held-out target samples, the fit time and the transform throughput.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor

from . import baselines, metrics
from ._validation import ArrayLike, as_points, check_choice
from .plot import plot_displacement, plot_samples

__all__ = ["COLUMNS", "DEFAULT_METHODS", "Report", "compare"]

#: the methods compared when ``methods`` is not given
DEFAULT_METHODS: tuple[str, ...] = ("linear", "emd", "entropic", "otgrad")
#: report columns: key -> (header, format)
COLUMNS: dict[str, tuple[str, str]] = {
    "l2_uvp": ("L2-UVP %", "{:.2f}"),
    "cos": ("cos", "{:.3f}"),
    "w2": ("W2", "{:.4f}"),
    "sinkhorn": ("Sinkhorn div.", "{:.4g}"),
    "fit_seconds": ("fit s", "{:.2f}"),
    "points_per_second": ("transform pts/s", "{:.3g}"),
}


@dataclass
class Report:
    """The result of :func:`compare`: one row per method, plus the held-out samples for plots.

    ``rows`` are dicts with ``method`` and the :data:`COLUMNS` keys (``nan`` where a metric does
    not apply, e.g. L2-UVP without a true map) and ``error`` (``None`` unless the method failed
    under ``on_error="record"``). ``pushed`` maps each method to its image of ``test_source``.
    """

    rows: list[dict[str, Any]]
    dim: int
    n_train: tuple[int, int]
    n_test: tuple[int, int]
    test_source: np.ndarray = field(repr=False)
    test_target: np.ndarray = field(repr=False)
    pushed: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    true_pushed: np.ndarray | None = field(repr=False, default=None)
    seed: int = 0

    def __getitem__(self, method: str) -> dict[str, Any]:
        for row in self.rows:
            if row["method"] == method:
                return row
        raise KeyError(f"no method {method!r} in this report; have {self.methods}")

    @property
    def methods(self) -> list[str]:
        """The compared method names, in order."""
        return [row["method"] for row in self.rows]

    def _columns(self) -> list[str]:
        """Columns with at least one finite value."""
        return [k for k in COLUMNS if any(_finite(row.get(k)) for row in self.rows)]

    def to_markdown(self) -> str:
        """A GitHub-markdown table, one row per method (``—`` where a metric does not apply)."""
        cols = self._columns()
        head = "| method | " + " | ".join(COLUMNS[k][0] for k in cols) + " |"
        lines = [head, "|" + "---|" * (len(cols) + 1)]
        for row in self.rows:
            cells = [COLUMNS[k][1].format(row[k]) if _finite(row.get(k)) else "—" for k in cols]
            if row.get("error"):
                cells = [f"error: {row['error']}"] + [""] * (len(cols) - 1)
            lines.append(f"| {row['method']} | " + " | ".join(cells) + " |")
        caption = (f"d = {self.dim}; train {self.n_train[0]} source / {self.n_train[1]} target, "
                   f"test {self.n_test[0]} / {self.n_test[1]} held-out points")
        return "\n".join([*lines, "", caption])

    def to_json(self, path: str | None = None) -> str:
        """The report as JSON (rows and sizes, not the samples); also written to ``path``."""
        data = {
            "dim": self.dim, "n_train": list(self.n_train), "n_test": list(self.n_test),
            "seed": self.seed,
            "rows": [{k: (v if _finite(v) or not isinstance(v, float) else None)
                      for k, v in row.items()} for row in self.rows],
        }
        text = json.dumps(data, indent=2)
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
        return text

    def plot(self, path: str | None = None, max_points: int = 1000) -> Figure:
        """d = 2: per method, pushed samples over the target (top) and displacement arrows
        (bottom). d > 2: the metrics as bars (left) and the samples projected on the target's two
        leading principal axes (one panel per method). Saved to ``path`` when given."""
        fig = self._plot_plane(max_points) if self.dim == 2 else self._plot_projected(max_points)
        if path is not None:
            fig.savefig(path, dpi=120, bbox_inches="tight")
        return fig

    def _panels(self) -> list[tuple[str, np.ndarray]]:
        true = [("true map", self.true_pushed)] if self.true_pushed is not None else []
        return true + [(m, self.pushed[m]) for m in self.methods if m in self.pushed]

    def _plot_plane(self, max_points: int) -> Figure:
        panels = self._panels()
        fig = Figure(figsize=(3.6 * len(panels), 7.2), layout="constrained")
        axes = fig.subplots(2, len(panels), squeeze=False)
        for j, (name, pushed) in enumerate(panels):
            plot_samples(self.test_source, self.test_target, pushed, ax=axes[0, j],
                         max_points=max_points, title=self._title(name))
            plot_displacement(self.test_source, pushed, ax=axes[1, j], max_arrows=200)
        return fig

    def _plot_projected(self, max_points: int) -> Figure:
        panels = self._panels()
        fig = Figure(figsize=(4.5 + 3.6 * len(panels), 4.0), layout="constrained")
        axes = fig.subplots(1, len(panels) + 1, squeeze=False)[0]
        self._plot_bars(axes[0])
        mean, basis = _principal_axes(self.test_target)

        def project(x: np.ndarray) -> np.ndarray:
            return (x - mean) @ basis

        for ax, (name, pushed) in zip(axes[1:], panels, strict=True):
            plot_samples(project(self.test_source), project(self.test_target), project(pushed),
                         ax=ax, max_points=max_points, title=self._title(name))
            ax.set_xlabel("PC 1 of target")
            ax.set_ylabel("PC 2")
        return fig

    def _plot_bars(self, ax: Any) -> None:
        key = "l2_uvp" if "l2_uvp" in self._columns() else "w2"
        values = [row[key] if _finite(row.get(key)) else 0.0 for row in self.rows]
        ax.bar(self.methods, values, color="tab:green")
        ax.set_ylabel(COLUMNS[key][0])
        ax.set_title(f"d = {self.dim}")
        ax.tick_params(axis="x", rotation=45)

    def _title(self, name: str) -> str:
        if name == "true map":
            return name
        row = self[name]
        key = "l2_uvp" if _finite(row.get("l2_uvp")) else "w2"
        return f"{name}: {COLUMNS[key][0]} " + (
            COLUMNS[key][1].format(row[key]) if _finite(row.get(key)) else "—"
        )


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _principal_axes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and the two leading principal directions ``(d, 2)`` of ``x``."""
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean, vt[:2].T


def _split(x: Tensor, test: ArrayLike | None, fraction: float, rng: np.random.Generator,
           name: str) -> tuple[Tensor, Tensor]:
    """``(train, test)``: all of ``x`` and ``test`` if given, else a random hold-out of ``x``."""
    if test is not None:
        return x, as_points(test, f"test_{name}", dim=x.shape[1], dtype=torch.float64)
    n_test = int(round(fraction * len(x)))
    if not 1 <= n_test < len(x):
        raise ValueError(f"{name} has too few points ({len(x)}) to hold out {fraction:.0%}")
    perm = torch.from_numpy(rng.permutation(len(x)))
    return x[perm[n_test:]], x[perm[:n_test]]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _score(
    model: baselines.FittedMap,
    xt: Tensor,
    yt: Tensor,
    true: Tensor | None,
    seed: int,
) -> tuple[dict[str, float], np.ndarray]:
    pred = model.transform(xt)  # also a warm-up for the timed call below
    _, seconds = _timed(lambda: model.transform(xt))
    row = {
        "l2_uvp": metrics.l2_uvp(pred, true) if true is not None else math.nan,
        "cos": metrics.cos_similarity(pred, true, xt) if true is not None else math.nan,
        "w2": metrics.w2(pred, yt, seed=seed),
        "sinkhorn": metrics.sinkhorn_divergence(pred, yt, seed=seed),
        "points_per_second": len(xt) / max(seconds, 1e-9),
    }
    return row, pred.numpy()


def compare(
    source: ArrayLike,
    target: ArrayLike,
    methods: Sequence[str] = DEFAULT_METHODS,
    true_map: Callable[[Tensor], ArrayLike] | None = None,
    test_source: ArrayLike | None = None,
    test_target: ArrayLike | None = None,
    seed: int = 0,
    options: dict[str, dict[str, Any]] | None = None,
    test_fraction: float = 0.2,
    on_error: str = "raise",
) -> Report:
    r"""Fit every method in ``methods`` on the same samples and score them on held-out points.

    Parameters
    ----------
    source, target : array (n, d)
        Unpaired samples of :math:`\mu` and :math:`\nu` (numpy or torch).
    methods : sequence of str
        Names from :data:`otgrad.baselines.METHODS` ("linear", "emd", "entropic", "kernel",
        "ssnb", "otgrad", "icnn", "mlp").
    true_map : callable, optional
        :math:`T^\star`, ``(n, d) tensor -> (n, d)``; enables the L2-UVP and cos columns.
    test_source, test_target : array (m, d), optional
        Held-out points; when missing, a random ``test_fraction`` of ``source`` (``target``) is
        held out and the rest is used for training.
    seed : int
        Seeds the hold-out split, the metrics' subsampling and the methods that take a seed.
    options : dict, optional
        Per-method keyword arguments for :func:`otgrad.baselines.fit`, e.g.
        ``{"otgrad": {"steps": 500}, "entropic": {"reg": 0.1}}``.
    on_error : {"raise", "record"}
        Whether a failing method stops the comparison or gets an ``error`` row.

    Returns
    -------
    Report
        ``report.to_markdown()``, ``report.to_json()``, ``report.plot()``, ``report["linear"]``.

    Examples
    --------
    >>> from otgrad.compare import compare
    >>> from otgrad.problems import make_problem
    >>> p = make_problem("gaussian", dim=2)
    >>> r = compare(p.sample_source(300), p.sample_target(300), methods=["linear", "emd"],
    ...             true_map=p.true_map)
    >>> r["linear"]["l2_uvp"] < r["emd"]["l2_uvp"]
    True
    """
    on_error = check_choice(on_error, ("raise", "record"), "on_error")
    methods = [check_choice(m, baselines.METHODS, "method") for m in methods]
    if not methods or len(set(methods)) != len(methods):
        raise ValueError(f"methods must be a non-empty list of distinct names; got {methods}")
    options = dict(options or {})
    unknown = set(options) - set(methods)
    if unknown:
        raise ValueError(f"options given for methods not compared: {sorted(unknown)}")
    xs = as_points(source, "source", dtype=torch.float64).detach().cpu()
    ys = as_points(target, "target", dtype=torch.float64).detach().cpu()
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(f"source and target have different dimensions: {xs.shape[1]}, "
                         f"{ys.shape[1]}")
    rng = np.random.default_rng(seed)
    xs, xt = _split(xs, test_source, test_fraction, rng, "source")
    ys, yt = _split(ys, test_target, test_fraction, rng, "target")
    true = None
    if true_map is not None:
        true = as_points(true_map(xt), "true_map(test_source)", dim=xs.shape[1],
                         dtype=torch.float64).detach().cpu()
    report = Report([], xs.shape[1], (len(xs), len(ys)), (len(xt), len(yt)), xt.numpy(),
                    yt.numpy(), true_pushed=None if true is None else true.numpy(), seed=seed)
    for name in methods:
        row: dict[str, Any] = {"method": name, **dict.fromkeys(COLUMNS, math.nan), "error": None}
        try:
            kwargs = _with_seed(name, options.get(name, {}), seed)
            model, row["fit_seconds"] = _timed(partial(baselines.fit, name, xs, ys, **kwargs))
            scores, report.pushed[name] = _score(model, xt, yt, true, seed)
            row.update(scores)
        except Exception as err:
            if on_error == "raise":
                raise
            row["error"] = f"{type(err).__name__}: {err}"
        report.rows.append(row)
    return report


def _with_seed(name: str, kwargs: dict[str, Any], seed: int) -> dict[str, Any]:
    """Pass ``seed`` to the methods whose fit takes one (unless given explicitly)."""
    takes_seed = name in ("kernel", "ssnb", "otgrad", "icnn", "mlp")
    return {"seed": seed, **kwargs} if takes_seed else dict(kwargs)
