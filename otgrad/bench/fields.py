r"""``otgrad bench fields``: learn known gradient fields with GradNets and baselines (paper §VI-A).

Every model (mGradNet-C/-M, GradNet-C/-M, ICNN gradient, ICGN, MLP field, gradient of a scalar MLP)
is trained on every field by Adam on the squared error, with parameter counts matched within 10 %
and the error reported in dB, :math:`10\log_{10}\mathrm{mean}\|\hat f - \nabla F\|^2`, as mean ± std
over training seeds. Runs are independent tasks spread over ``--jobs`` worker processes (one torch
thread each). Three sizes (:func:`settings`): the default (about an hour on two cores) writes
``benchmarks/results/fields.{md,json,png}``, ``--protocol`` (the paper's sizes, hours) writes
``fields_protocol.*`` and ``--quick`` (the CI smoke run, minutes) ``fields_quick.*``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..metrics import gradient_error_db
from ..nets import make
from ..nets.icgn import ICGN
from ..nets.scalar import GradMLP
from ..problems.fields import GradientField, make_field
from ..regress import count_parameters, fit_field, predict
from . import _common
from ._common import machine_info, report_status

__all__ = [
    "BASELINES",
    "GRADNETS",
    "MODELS",
    "add_arguments",
    "MODES",
    "build_model",
    "machine_info",
    "machine_line",
    "matched_model",
    "run",
    "run_tasks",
    "settings",
    "width_for_parameters",
    "zero_field_db",
]

GRADNETS = ("mgradnet-c", "mgradnet-m", "gradnet-c", "gradnet-m")
BASELINES = ("icnn", "icgn", "mlp", "gradmlp")
MODELS = GRADNETS + BASELINES
LR_GRID = (1e-2, 1e-3, 1e-4)


# --------------------------------------------------------------------------- models
def build_model(name: str, dim: int, width: int, depth: int = 4) -> nn.Module:
    """The benchmark's model ``name`` at a given ``width`` (``depth`` = layers or modules).

    GradNet-C nets use tanh and start with the output scale :math:`1/\\sqrt{h}`; GradNet-M nets use
    softmax modules (the paper's choices). The ICNN gradient is built without its :math:`d\\times d`
    quadratic term (whose :math:`d^2` parameters would exceed the whole budget at d = 1024), so
    every model here has no linear part. ICGN uses 4 Gauss–Legendre nodes; ICNN, MLP and GradMLP
    have ``depth - 1`` hidden layers.
    """
    if name in ("mgradnet-c", "gradnet-c"):
        return make(name, dim, width=width, depth=depth, activation="tanh",
                    init_scale=min(1.0, 1.0 / math.sqrt(width)))
    if name in ("mgradnet-m", "gradnet-m"):
        return make(name, dim, width=width, modules=depth, activation="softmax")
    if name == "icnn":
        net = make("icnn", dim, width=width, depth=depth - 1)
        net.linear = None  # drop the full quadratic: see the docstring
        return net
    if name == "icgn":
        return ICGN(dim, width=width, nodes=4)
    if name == "mlp":
        return make("mlp", dim, width=width, depth=depth - 1)
    if name == "gradmlp":
        return GradMLP(dim, width=width, depth=depth - 1, activation="softplus")
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")


def width_for_parameters(build: Callable[[int], nn.Module], target: int, tol: float = 0.1) -> int:
    """The width whose parameter count is closest to ``target`` (bisection; counts grow with width).

    Raises ``ValueError`` if no width comes within ``tol`` (relative) of the target.
    """
    def params(w: int) -> int:
        return count_parameters(build(w))

    lo, hi = 1, 2
    while params(hi) < target:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if params(mid) < target else (lo, mid)
    best = min((lo, hi), key=lambda w: abs(params(w) - target))
    if abs(params(best) - target) > tol * target:
        raise ValueError(
            f"no width gives {target} parameters within {tol:.0%} (best {params(best)})"
        )
    return best


def matched_model(name: str, dim: int, target: int, depth: int = 4, seed: int = 0) -> nn.Module:
    """Model ``name`` with about ``target`` parameters (within 10 %), initialised from ``seed``.

    If no width hits the target at ``depth`` (tiny budgets, e.g. 100 parameters), shallower
    models are tried.
    """
    for layers in range(depth, 1, -1):
        try:
            with torch.random.fork_rng():
                width = width_for_parameters(
                    lambda w, k=layers: build_model(name, dim, w, k), target
                )
        except ValueError:
            continue
        torch.manual_seed(seed)
        return build_model(name, dim, width, layers)
    raise ValueError(f"{name}: no width and depth give {target} parameters within 10 %")


# --------------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class Task:
    """One training run: a model on a field at one learning rate and seed."""

    field: str
    dim: int
    model: str
    seed: int
    lr: float
    steps: int
    batch_size: int
    params: int  #: parameter target
    n_train: int  #: fixed training set size, 0 = fresh samples every step
    stage: str  #: "search" (lr grid, scored on validation points) or "final"
    keep_prediction: bool = False


_FIELD_CACHE: dict[tuple[str, int], GradientField] = {}


def _field(name: str, dim: int) -> GradientField:
    if (name, dim) not in _FIELD_CACHE:
        _FIELD_CACHE[(name, dim)] = make_field(name, dim)
    return _FIELD_CACHE[(name, dim)]


def _grid_2d(k: int = 100) -> torch.Tensor:
    """The paper's :math:`k\\times k` evaluation grid on :math:`[0,1]^2`, shape ``(k^2, 2)``."""
    t = torch.linspace(0, 1, k, dtype=torch.float64)
    return torch.cartesian_prod(t, t)


def eval_points(field: GradientField, stage: str) -> torch.Tensor:
    """Held-out points: the 100×100 grid in 2-D, else 10,000 (test) / 2,000 (search) samples."""
    if field.dim == 2 and stage == "final":
        return _grid_2d()
    final = stage == "final"
    return field.sample(10_000 if final else 2_000, seed=77_777 if final else 55_555,
                        dtype=torch.float64)


def _run_task(task: Task) -> dict:
    torch.set_num_threads(1)
    field = _field(task.field, task.dim)
    model = matched_model(task.model, field.dim, task.params, seed=task.seed)
    if task.n_train:
        x = field.sample(task.n_train, seed=1000 + task.seed, dtype=torch.float64)
        fit = fit_field(model, x.float(), field.gradient(x).float(), steps=task.steps,
                        batch_size=task.batch_size, lr=task.lr, seed=task.seed)
    else:
        fit = fit_field(model, field.pairs(), steps=task.steps, batch_size=task.batch_size,
                        lr=task.lr, seed=task.seed)
    x_eval = eval_points(field, task.stage)
    pred = predict(model, x_eval.float()).double()
    db = gradient_error_db(pred, field.gradient(x_eval)) if torch.isfinite(pred).all() else math.inf
    out = {**asdict(task), "db": db, "n_params": count_parameters(model),
           "seconds": fit.seconds, "final_loss": fit.losses[-1] if fit.losses else None,
           "diverged": fit.diverged}
    if task.keep_prediction:  # 7 decimals: far below the errors measured, half the JSON size
        out["prediction"] = np.round(pred.numpy(), 7).tolist()
    return out


def run_tasks(tasks: list, worker: Callable[[object], dict], jobs: int,
              cache: Path | None = None, run_missing: bool = True) -> list[dict]:
    """:func:`otgrad.bench._common.run_tasks`, longest runs (steps × parameters) first, with
    this suite's progress lines."""
    return _common.run_tasks(tasks, worker, jobs, cache, run_missing,
                             cost=lambda t: t.steps * t.params, progress=_progress)


def _progress(r: dict) -> None:
    lr = f" lr={r['lr']:.0e}" if "lr" in r else ""
    print(f"  {r.get('stage', '')} {r.get('field', r.get('system', ''))}-{r.get('dim', '')} "
          f"{r['model']} seed={r['seed']}{lr}: {r['db']:.2f} dB ({r['seconds']:.0f} s)", flush=True)


# --------------------------------------------------------------------------- protocol
@dataclass(frozen=True)
class Setting:
    """One benchmark row group: a field, its budget and what (if anything) was reduced."""

    field: str
    dim: int
    params: int
    steps: int
    batch_size: int
    seeds: int
    n_train: int = 0
    lr: float | None = None  #: fixed lr (2-D protocol); None = pick from LR_GRID
    search_steps: int = 0  #: steps of each lr-grid run
    lr_from: tuple[str, int] | None = None  #: reuse the lr chosen on another setting
    note: str = ""


MODES = ("quick", "full", "protocol")


def settings(mode: str = "full") -> list[Setting]:
    """The runs of ``bench fields`` in ``mode``, with every reduction from the paper stated.

    ``"full"`` (the default; results in ``benchmarks/results/fields.md``) runs every task, model
    and three seeds, with PolyMax trained 2,000 (d = 256) and 500 (d = 1024) of the paper's
    10,000 steps, so that it fits in an hour on two CPU cores: from per-step costs measured with
    one torch thread it is about 74 CPU-minutes of training (2-D 34, PolyMax 25, the rest 14),
    about 40 minutes with ``--jobs 2`` on two otherwise idle cores. ``"protocol"`` uses the
    paper's sizes throughout (five 2-D seeds, 10,000 PolyMax steps, learning rates searched at
    both PolyMax sizes): about 460 CPU-minutes, four hours on two cores. ``"quick"`` is the CI
    smoke run (about two minutes).
    """
    if mode == "quick":
        return [
            Setting("convex2d", 2, 100, 2000, 1000, 1, 100_000, lr=5e-3, note="2k of 20k steps"),
            Setting("nonconvex2d", 2, 100, 2000, 1000, 1, 100_000, lr=5e-3, note="2k of 20k steps"),
            Setting("lse", 16, 4096, 600, 100, 1, lr=1e-2, note="quick"),
            Setting("ridges", 16, 4096, 600, 100, 1, lr=1e-2, note="quick"),
            Setting("polymax", 64, 1024 * 64, 200, 100, 1, lr=1e-2,
                    note="d=64 stand-in, 200 steps"),
        ]
    if mode == "full":
        return [
            Setting("convex2d", 2, 100, 20_000, 1000, 3, 100_000, lr=5e-3,
                    note="3 of the paper's 5 seeds"),
            Setting("nonconvex2d", 2, 100, 20_000, 1000, 3, 100_000, lr=5e-3,
                    note="3 of the paper's 5 seeds"),
            Setting("polymax", 256, 1024 * 256, 2000, 100, 3, search_steps=300,
                    note="2k of 10k steps; lr chosen from the grid by 300-step runs (CPU budget)"),
            Setting("lse", 16, 1024 * 16, 1500, 100, 3, search_steps=300),
            Setting("ridges", 16, 1024 * 16, 1500, 100, 3, search_steps=300),
            Setting("polymax", 1024, 1024 * 1024, 500, 100, 3, lr_from=("polymax", 256),
                    note="500 of 10k steps, lr reused from d=256 (CPU budget)"),
            Setting("lse", 64, 1024 * 64, 1500, 100, 3, lr_from=("lse", 16),
                    note="lr reused from d=16"),
            Setting("ridges", 64, 1024 * 64, 1500, 100, 3, lr_from=("ridges", 16),
                    note="lr reused from d=16"),
        ]
    if mode == "protocol":
        return [
            Setting("convex2d", 2, 100, 20_000, 1000, 5, 100_000, lr=5e-3),
            Setting("nonconvex2d", 2, 100, 20_000, 1000, 5, 100_000, lr=5e-3),
            Setting("polymax", 256, 1024 * 256, 10_000, 100, 3, search_steps=2000,
                    note="lr chosen from the grid by 2k-step runs"),
            Setting("lse", 16, 1024 * 16, 1500, 100, 3, search_steps=300),
            Setting("ridges", 16, 1024 * 16, 1500, 100, 3, search_steps=300),
            Setting("polymax", 1024, 1024 * 1024, 10_000, 100, 3, search_steps=2000,
                    note="lr chosen from the grid by 2k-step runs"),
            Setting("lse", 64, 1024 * 64, 1500, 100, 3, lr_from=("lse", 16),
                    note="lr reused from d=16"),
            Setting("ridges", 64, 1024 * 64, 1500, 100, 3, lr_from=("ridges", 16),
                    note="lr reused from d=16"),
        ]
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


def _tasks(s: Setting, stage: str, models: Iterable[str], lrs: dict[str, float]) -> list[Task]:
    if stage == "search":
        return [Task(s.field, s.dim, m, 0, lr, s.search_steps, s.batch_size, s.params, s.n_train,
                     "search") for m in models for lr in LR_GRID]
    # seed-major, so that a stopped run has whole seeds (every model) done
    return [Task(s.field, s.dim, m, seed, lrs[m], s.steps, s.batch_size, s.params, s.n_train,
                 "final", keep_prediction=(s.dim == 2 and seed == 0))
            for seed in range(s.seeds) for m in models]


def _choose_lrs(search: list[dict], setting: Setting) -> dict[str, float]:
    best: dict[str, tuple[float, float]] = {}
    for r in search:
        if (r["field"], r["dim"]) == (setting.field, setting.dim):
            if r["model"] not in best or r["db"] < best[r["model"]][0]:
                best[r["model"]] = (r["db"], r["lr"])
    return {m: lr for m, (_, lr) in best.items()}


def _summarise(final: list[dict], s: Setting, models: tuple[str, ...]) -> dict:
    rows = {}
    for m in models:
        runs = [r for r in final if (r["field"], r["dim"], r["model"]) == (s.field, s.dim, m)]
        dbs = np.array([r["db"] for r in runs], dtype=float)
        rows[m] = {"db_mean": float(dbs.mean()), "db_std": float(dbs.std()),
                   "db_median": float(np.median(dbs)), "params": runs[0]["n_params"],
                   "lr": runs[0]["lr"], "seeds": len(runs),
                   "seconds": float(np.mean([r["seconds"] for r in runs]))}
    family = [m for m in models if m in GRADNETS]
    base = [m for m in models if m in BASELINES]
    best_g = min(family, key=lambda m: rows[m]["db_mean"]) if family else None
    best_b = min(base, key=lambda m: rows[m]["db_mean"]) if base else None
    margin = rows[best_b]["db_mean"] - rows[best_g]["db_mean"] if best_g and best_b else None
    field = _field(s.field, s.dim)
    x_eval = eval_points(field, "final")
    return {"field": s.field, "dim": s.dim, "setting": asdict(s), "models": rows,
            "best_gradnet": best_g, "best_baseline": best_b, "margin_db": margin,
            "zero_db": zero_field_db(field.gradient(x_eval))}


def zero_field_db(true: torch.Tensor) -> float:
    r"""The error of predicting zero, :math:`10\log_{10}\mathrm{mean}\|\nabla F\|^2` dB: the
    scale against which a model's dB is read (0 dB for the unit-normalised high-d fields)."""
    return gradient_error_db(torch.zeros_like(true), true)


def machine_line(info: dict, jobs: int, minutes: float | None) -> str:
    """The results files' machine line; ``minutes=None`` for a report from cached runs."""
    when = ("report written from cached runs (`--report-only`)" if minutes is None
            else f"total {minutes:.1f} min")
    return (f"Machine: {info['platform']}, {info['cpu_count']} CPUs, torch {info['torch']}, "
            f"commit `{info['git_commit'][:10]}`, {jobs} worker processes, {when}.")


# --------------------------------------------------------------------------- reporting
PAPER_DB = {("convex2d", 2): {"mgradnet-c": -49.05, "mgradnet-m": -48.65},
            ("nonconvex2d", 2): {"gradnet-c": -42.17, "gradnet-m": -39.53},
            ("polymax", 256): {"mgradnet-c": -10.64, "mgradnet-m": -11.30},
            ("polymax", 1024): {"mgradnet-c": -8.75, "mgradnet-m": -10.42}}


def _markdown(summaries: list[dict], info: dict, mode: str, minutes: float | None,
              jobs: int) -> str:
    flag = "" if mode == "full" else f" --{mode}"
    lines = [f"# Gradient-field benchmark (`otgrad bench fields{flag}`)",
             "",
             "Error in dB, `10 log10 mean ||f(x) - grad F(x)||^2` on held-out points (2-D: the "
             "100x100 grid; otherwise 10,000 samples), mean ± std over training seeds. Models: "
             "the four GradNets and four baselines with parameter counts matched within 10 %. "
             "Margin = best baseline − best GradNet (positive: a GradNet wins). "
             "s / run: mean training seconds of one run (one torch thread) on a machine shared "
             "with other jobs, so they vary between runs made at different times.",
             "",
             machine_line(info, jobs, minutes), ""]
    for s in summaries:
        st = s["setting"]
        lr_text = f"lr {st['lr']}" if st["lr"] else "lr per model from {1e-2, 1e-3, 1e-4}"
        lines += [f"## {s['field']}, d = {s['dim']}",
                  "",
                  f"{st['steps']} Adam steps of batch {st['batch_size']}, {lr_text}, "
                  f"{st['seeds']} seed(s), ≈{st['params']} parameters"
                  + (f", training set {st['n_train']}" if st["n_train"] else ", fresh samples")
                  + (f". Reduced from the protocol: {st['note']}." if st["note"] else "."),
                  "",
                  "| model | params | lr | dB (mean ± std) | paper dB | s / run |",
                  "|---|---|---|---|---|---|"]
        paper = PAPER_DB.get((s["field"], s["dim"]), {})
        for m, r in s["models"].items():
            ref = f"{paper[m]:.2f}" if m in paper else ""
            lines.append(f"| {m} | {r['params']} | {r['lr']:.0e} | {r['db_mean']:.2f} ± "
                         f"{r['db_std']:.2f} | {ref} | {r['seconds']:.0f} |")
        lines += ["", f"Predicting zero: {s['zero_db']:.2f} dB."]
        if s["margin_db"] is not None:
            lines[-1] += (f" Best GradNet {s['best_gradnet']} vs best baseline "
                          f"{s['best_baseline']}: margin **{s['margin_db']:+.2f} dB**.")
        lines.append("")
    return "\n".join(lines)


def _figure(final: list[dict], summaries: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    two_d = [s for s in summaries if s["dim"] == 2]
    if not two_d:
        return
    grid = _grid_2d().numpy()
    fig, axes = plt.subplots(len(two_d), 5, figsize=(20, 4 * len(two_d)), squeeze=False)
    sub = (np.arange(100)[:, None] % 7 == 0) & (np.arange(100)[None, :] % 7 == 0)
    sub = sub.ravel()
    for row, s in zip(axes, two_d, strict=True):
        field = _field(s["field"], 2)
        true = field.gradient(torch.from_numpy(grid)).numpy()
        preds = {r["model"]: np.asarray(r["prediction"]) for r in final
                 if r["field"] == s["field"] and "prediction" in r}
        shown = [(s["best_gradnet"], preds[s["best_gradnet"]]), (s["best_baseline"],
                 preds[s["best_baseline"]])]
        g = grid.reshape(100, 100, 2)
        row[0].quiver(grid[sub, 0], grid[sub, 1], true[sub, 0], true[sub, 1], color="k")
        row[0].set_title(f"{s['field']}: true field")
        for ax, (name, pred) in zip(row[1:3], shown, strict=True):
            ax.quiver(grid[sub, 0], grid[sub, 1], pred[sub, 0], pred[sub, 1], color="C0")
            ax.set_title(f"learned: {name}")
        errs = [np.log10(((p - true) ** 2).sum(1) + 1e-16).reshape(100, 100) * 10 for _, p in shown]
        vmin, vmax = min(e.min() for e in errs), max(e.max() for e in errs)
        for ax, (name, _), err in zip(row[3:], shown, errs, strict=True):
            im = ax.pcolormesh(g[..., 0], g[..., 1], err, vmin=vmin, vmax=vmax, cmap="magma")
            ax.set_title(f"squared error (dB): {name}")
            fig.colorbar(im, ax=ax)
        for ax in row:
            ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


# --------------------------------------------------------------------------- CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``otgrad bench fields``."""
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes (< 3 min, for CI)")
    size.add_argument("--protocol", action="store_true",
                      help="the paper's sizes throughout (hours on two cores)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes, 1 torch thread each (default 2; 1 with --quick, "
                        "whose runs are too short to repay starting workers)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--only", nargs="+", default=None, metavar="FIELD",
                        help="run only these fields (e.g. convex2d polymax)")
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    parser.add_argument("--name", default=None,
                        help="results file stem (default fields, fields_quick, fields_protocol)")
    parser.add_argument("--resume", action="store_true",
                        help="keep finished runs in OUT/.NAME_runs.jsonl and skip them on restart")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: write the report from the runs in OUT/.NAME_runs.jsonl")


#: default results-file stem per mode
STEMS = {"quick": "fields_quick", "full": "fields", "protocol": "fields_protocol"}


def _mode(args: argparse.Namespace) -> str:
    return "quick" if args.quick else "protocol" if getattr(args, "protocol", False) else "full"


def _lrs_for(s: Setting, models: tuple[str, ...], search: list[dict],
             chosen: dict[tuple[str, int], dict[str, float]]) -> dict[str, float]:
    if s.lr is not None:
        return dict.fromkeys(models, s.lr)
    if s.lr_from is not None:
        return chosen[s.lr_from]
    return _choose_lrs(search, s)


def run(args: argparse.Namespace) -> int:
    """Run the suite setting by setting; print the tables and (re)write ``NAME.md``,
    ``NAME.json`` and ``NAME.png`` after each setting, so partial results survive."""
    args.jobs = args.jobs or (1 if args.quick else 2)
    start = time.perf_counter()
    models = tuple(args.models)
    mode = _mode(args)
    todo = [s for s in settings(mode) if args.only is None or s.field in args.only]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or STEMS[mode]
    cache = out / f".{stem}_runs.jsonl" if args.resume or args.report_only else None
    chosen: dict[tuple[str, int], dict[str, float]] = {}
    search: list[dict] = []
    final: list[dict] = []
    summaries: list[dict] = []
    missing: list[str] = []
    for s in todo:
        print(f"bench fields: {s.field} d={s.dim}", flush=True)
        if s.lr is None and s.lr_from is None:
            runs = run_tasks(_tasks(s, "search", models, {}), _run_task, args.jobs, cache,
                             run_missing=not args.report_only)
            if not all(runs):
                missing.append(f"{s.field} d={s.dim}")
                continue
            search += runs
        if s.lr_from is not None and s.lr_from not in chosen:
            missing.append(f"{s.field} d={s.dim}")
            continue
        chosen[(s.field, s.dim)] = _lrs_for(s, models, search, chosen)
        runs = run_tasks(_tasks(s, "final", models, chosen[(s.field, s.dim)]), _run_task,
                         args.jobs, cache, run_missing=not args.report_only)
        if not all(runs):
            missing.append(f"{s.field} d={s.dim}")
            continue
        final += runs
        summaries.append(_summarise(final, s, models))
        _write(out, stem, summaries, search, final, args, start, complete=s is todo[-1],
               missing=missing)
    if missing:
        _write(out, stem, summaries, search, final, args, start, complete=True, missing=missing)
    return 0


def _write(out: Path, stem: str, summaries: list[dict], search: list[dict], final: list[dict],
           args: argparse.Namespace, start: float, complete: bool,
           missing: list[str] | None = None) -> None:
    info = machine_info(out)
    minutes = None if args.report_only else (time.perf_counter() - start) / 60
    train_minutes = sum(r["seconds"] for r in search + final) / 60
    md = _markdown(summaries, info, _mode(args), minutes, args.jobs)
    md += report_status(len(search) + len(final), train_minutes, "training", missing, complete)
    if complete:
        print(md)
    (out / f"{stem}.md").write_text(md)
    runs = [{k: v for k, v in r.items() if k != "prediction"} for r in search + final]
    (out / f"{stem}.json").write_text(json.dumps(
        {"machine": info, "mode": _mode(args), "complete": complete, "minutes": minutes,
         "train_minutes": train_minutes, "missing": missing or [],
         "lr_grid": LR_GRID, "summaries": summaries, "runs": runs}, indent=1))
    _figure(final, summaries, out / f"{stem}.png")


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(_parser)
    raise SystemExit(run(_parser.parse_args()))
