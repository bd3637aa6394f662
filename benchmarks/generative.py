"""Generative quality of Brenier generators vs a fitted Gaussian and a KDE on the 2-D data sets.

For each built-in data set (``otgrad.datasets``) and seed: fit on ``--train`` points, then measure
on ``--test`` held-out points, side by side in one process:

* sample quality: W2 (exact OT, POT) and the debiased Sinkhorn divergence between ``--test``
  model samples and the held-out data (``otgrad.metrics``);
* held-out mean log-likelihood (nats per point; higher is better);
* fit time.

Methods: ``brenier`` (``otgrad.generative.fit_generator``, mGradNet-M from N(0, I), exact
density by Newton inverse + Cholesky log-det), ``gaussian`` (mean and covariance of the training
data), ``kde`` (``scipy.stats.gaussian_kde``, Scott's bandwidth), and ``data`` (an independent
fresh sample of the true distribution: the noise floor of the sample metrics; no likelihood).

Writes ``benchmarks/results/generative.{md,json,png}``.

    python benchmarks/generative.py            # full (slow on 2 cores: run with nohup/nice)
    python benchmarks/generative.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from scipy import stats

import otgrad
from otgrad import datasets, metrics, plot
from otgrad.generative import BrenierGenerator, fit_generator

RESULTS = Path(__file__).resolve().parent / "results"
METHODS = ("brenier", "gaussian", "kde", "data")
BOUNDS = {"spirals": 3.6, "checkerboard": 2.6}  # half-widths of the density-plot boxes


class _Model:
    """What every method provides: samples, a held-out log-likelihood, a grid log-density."""

    def __init__(self, sample: Callable[[int, int], np.ndarray],
                 log_prob: Callable[[np.ndarray], np.ndarray] | None) -> None:
        self.sample, self.log_prob = sample, log_prob


def _fit_brenier(train: np.ndarray, seed: int, steps: int, lr: float) -> _Model:
    model: BrenierGenerator = fit_generator(train, seed=seed, steps=steps, lr=lr, progress=False)
    return _Model(lambda n, s: model.sample(n, seed=s), model.log_prob)


def _fit_gaussian(train: np.ndarray, seed: int, steps: int, lr: float) -> _Model:
    dist = stats.multivariate_normal(train.mean(0), np.cov(train.T))
    return _Model(lambda n, s: dist.rvs(n, random_state=s), dist.logpdf)


def _fit_kde(train: np.ndarray, seed: int, steps: int, lr: float) -> _Model:
    kde = stats.gaussian_kde(train.T)
    return _Model(lambda n, s: kde.resample(n, seed=s).T, lambda y: kde.logpdf(np.asarray(y).T))


def _fit_data(name: str) -> Callable[[np.ndarray, int, int], _Model]:
    def fit(train: np.ndarray, seed: int, steps: int, lr: float) -> _Model:
        return _Model(lambda n, s: datasets.sample(name, n, seed=10_000 + s), None)

    return fit


def _evaluate(name: str, method: str, seed: int, args: argparse.Namespace) -> tuple[dict, _Model]:
    train = datasets.sample(name, args.train, seed=seed)
    test = datasets.sample(name, args.test, seed=1000 + seed)
    fitter = {"brenier": _fit_brenier, "gaussian": _fit_gaussian, "kde": _fit_kde,
              "data": _fit_data(name)}[method]
    start = time.perf_counter()
    model = fitter(train, seed, args.steps, args.lr)
    fit_s = time.perf_counter() - start
    samples = np.asarray(model.sample(args.test, seed + 1), dtype=np.float64)
    row = {
        "dataset": name, "method": method, "seed": seed, "fit_s": fit_s,
        "w2": metrics.w2(samples, test, max_samples=args.test),
        "sinkhorn": metrics.sinkhorn_divergence(samples, test),
        "loglik": float(np.mean(model.log_prob(test))) if model.log_prob else None,
    }
    return row, model


def _summary(rows: list[dict], key: str, name: str, method: str) -> str:
    vals = [r[key] for r in rows if r["dataset"] == name and r["method"] == method]
    vals = [v for v in vals if v is not None]
    if not vals:
        return "—"
    fmt = {"w2": "{:.3f}", "sinkhorn": "{:.4f}", "loglik": "{:.3f}", "fit_s": "{:.1f}"}[key]
    out = fmt.format(np.mean(vals))
    return out + (" ± " + fmt.format(np.std(vals)) if len(vals) > 1 else "")


def _markdown(rows: list[dict], names: list[str], meta: dict) -> str:
    lines = [
        "# Generative quality on the 2-D data sets",
        "",
        f"Train {meta['train']} points, test {meta['test']} held-out points, "
        f"Brenier fit {meta['steps']} steps at lr {meta['lr']} (mGradNet-M, dual loss), "
        f"{meta['seeds']} seed(s); "
        "mean ± std over seeds. W2 and Sinkhorn divergence (blur 5 % of the data's scale): "
        "model samples vs held-out data, lower is better; `data` is a fresh true sample "
        "(the noise floor). Log-likelihood: held-out mean, nats/point, higher is better.",
        "",
        "| data set | metric | " + " | ".join(METHODS) + " |",
        "|---|---|" + "---|" * len(METHODS),
    ]
    for name in names:
        for key, label in [("w2", "W2 ↓"), ("sinkhorn", "Sinkhorn ↓"), ("loglik", "log-lik ↑"),
                           ("fit_s", "fit s")]:
            cells = [_summary(rows, key, name, m) for m in METHODS]
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    machine = meta["machine"]
    lines += ["", f"Machine: {machine['platform']}, {machine['cpus']} CPUs, torch "
                  f"{machine['torch']}, {machine['threads']} thread(s); commit {meta['commit']}. "
                  f"Total wall time {meta['wall_s'] / 60:.1f} min; fit times are wall-clock "
                  "seconds (on a shared machine they include waiting for the CPU)."]
    return "\n".join(lines) + "\n"


def _figure(models: dict[str, dict[str, _Model]], names: list[str], grid_res: int) -> Figure:
    fig = Figure(figsize=(3.0 * 4, 3.0 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), 4, squeeze=False)
    for row, name in enumerate(names):
        half = BOUNDS.get(name, 2.6)
        box = (-half, half, -half, half)
        data = datasets.sample(name, 1500, seed=99)
        brenier = models[name]["brenier"]
        plot.plot_samples(data, brenier.sample(1500, 7), ax=axes[row, 0], max_points=1500,
                          labels=("data", "Brenier samples", ""), title=f"{name}: samples")
        axes[row, 0].collections[0].set_visible(False)
        axes[row, 0].get_legend().remove()
        for col, method in enumerate(["brenier", "kde", "gaussian"], start=1):
            log_prob = models[name][method].log_prob
            plot.plot_density(lambda p, f=log_prob: f(p.double().numpy()), box, resolution=grid_res,
                              ax=axes[row, col], title=f"{method} density")
    return fig


def _machine() -> dict:
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "otgrad": otgrad.__version__}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one seed")
    parser.add_argument("--datasets", nargs="*", default=datasets.available())
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=1e-2, help="peak Adam learning rate")
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--grid", type=int, default=80, help="density-plot resolution")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps, args.train, args.test, args.grid = 1, 100, 1000, 500, 40
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    rows, models = [], {}
    for name in args.datasets:
        models[name] = {}
        for seed in range(args.seeds):
            for method in METHODS:
                row, model = _evaluate(name, method, seed, args)
                rows.append(row)
                models[name].setdefault(method, model)  # the first seed's models are plotted
                print(f"{name:>12} {method:>9} seed {seed}: W2 {row['w2']:.3f}  "
                      f"S {row['sinkhorn']:.4f}  loglik {row['loglik']}  ({row['fit_s']:.1f} s)",
                      flush=True)
    meta = {"train": args.train, "test": args.test, "steps": args.steps, "seeds": args.seeds,
            "lr": args.lr, "wall_s": time.perf_counter() - start,
            "machine": _machine(), "commit": _commit()}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "generative_quick" if args.quick else "generative"
    table = _markdown(rows, args.datasets, meta)
    (args.out / f"{stem}.md").write_text(table)
    (args.out / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    _figure(models, args.datasets, args.grid).savefig(args.out / f"{stem}.png", dpi=70)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
