r"""``otgrad bench maps``: transport maps with a known answer, and their cost (protocol §A, §D).

**Accuracy** (§A). For every known-map problem of :mod:`otgrad.problems` (Gaussian → Gaussian,
and Gaussian mixtures pushed by the gradient of a random ICNN, of a sum of convex ridges, of a
log-sum-exp, each plus a quadratic), dimension and seed, every method is fitted on the same
``n_train`` unpaired samples per side and scored on ``n_test`` fresh points by
:func:`otgrad.compare`: L2-UVP (%) and cos against the true map :math:`T^\star = \nabla F`, the
:math:`W_2` distance and the Sinkhorn divergence between the pushed-forward test source and test
target samples, fit seconds and transform throughput. Seed ``s`` draws the problem instance, the
samples and the initialisation; tables report medians over seeds. Methods: otgrad's default
:func:`otgrad.fit_map` and the POT baselines of :mod:`otgrad.baselines` (linear = Bures map,
exact OT + barycentric projection, entropic map, kernel map), plus the neural references ICNN
and MLP trained by ``fit_map`` with the same budget.

**Cost** (§D). Fit seconds and peak memory of ``fit_map`` at a fixed number of steps against
the training-set size ``n`` (10³ … 10⁶), each in a fresh process; and the transform time per
point of otgrad's map against the entropic map, whose evaluation costs :math:`O(n_{train} d)`
per point, as the training set grows.

Writes ``OUT/NAME.{md,json,png}`` and ``OUT/NAME_cost.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import torch

from .. import baselines
from ..compare import COLUMNS, compare
from ..problems import PROBLEMS, make_problem
from ._common import machine_info, peak_rss_delta, run_tasks

__all__ = [
    "COST_SETTINGS",
    "REDUCTIONS",
    "METHODS",
    "MODES",
    "CostSetting",
    "Setting",
    "Task",
    "add_arguments",
    "cost_settings",
    "run",
    "settings",
    "summarise",
    "targets",
]

MODES = ("quick", "budget", "protocol")
#: every method the suite knows: otgrad's default map, the POT baselines, the neural references
METHODS = ("otgrad", "linear", "emd", "entropic", "kernel", "icnn", "mlp")
_POT = ("linear", "emd", "entropic", "kernel")
_NEURAL = ("otgrad", "icnn", "mlp")
#: the default otgrad fit (``fit_map``'s defaults; ``steps`` is set per setting)
_OTGRAD_STEPS = 1500
_METRICS = tuple(COLUMNS)  # l2_uvp, cos, w2, sinkhorn, fit_seconds, points_per_second


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Setting:
    """One dimension of the accuracy suite: the methods run there, seeds and sizes."""

    dim: int
    methods: tuple[str, ...]
    seeds: int
    n_train: int = 4096  #: training samples per side
    n_test: int = 4096  #: fresh test points per side
    steps: int = _OTGRAD_STEPS  #: Adam steps of the neural fits (otgrad, icnn, mlp)
    problems: tuple[str, ...] = tuple(PROBLEMS)
    note: str = ""  #: what was reduced from the protocol, and why


def settings(mode: str = "budget") -> list[Setting]:
    r"""The accuracy runs of ``bench maps`` in ``mode`` (one :class:`Setting` per dimension).

    ``"protocol"`` is §A as written: d ∈ {2, 4, …, 128}, every method, 3 seeds, 4096 training
    and 4096 test points per side (the kernel map subsamples to
    :data:`otgrad.baselines.KERNEL_MAX_SAMPLES` points: its solver is :math:`O(n^3)`).
    ``"budget"`` is what fits in about 1.5 h of a shared 2-core machine, and what the committed
    ``maps.md`` reports; ``"quick"`` is the CI smoke run (< 3 min).
    """
    if mode == "quick":
        fast = ("otgrad", "linear", "emd", "entropic")
        return [Setting(d, fast, 1, 512, 512, 100) for d in (2, 4)]
    if mode == "budget":
        return list(_BUDGET)
    if mode == "protocol":
        return [Setting(d, METHODS, 3) for d in (2, 4, 8, 16, 32, 64, 128)]
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


#: reductions from the protocol common to every budget setting
REDUCTIONS = {
    "quick": "CI smoke run: 512 points per side, 100 steps, 1 seed, d = 2 and 4 only",
    "budget": "2048 training and 2048 test points per side (protocol: 4096; the entropic "
              "map's log-domain Sinkhorn took over 5 min per fit at 4096 on the shared cores); "
              "d = 4, 16 and 128 left out (a 1500-step dual fit at d = 128 would take over "
              "15 min there); the neural references (ICNN, MLP) left out",
    "protocol": "",
}
_BUDGET = (
    Setting(2, ("otgrad", *_POT), 3, 2048, 2048),
    Setting(8, ("otgrad", *_POT), 3, 2048, 2048),
    Setting(32, ("otgrad", *_POT), 3, 2048, 2048),
    Setting(64, ("otgrad", "linear", "emd", "kernel"), 3, 2048, 2048,
            note="entropic map left out (~3 min per fit at d = 32)"),
)


@dataclass(frozen=True)
class Task:
    """One fit and its scores: a method on one seeded instance of a problem."""

    problem: str
    dim: int
    method: str
    seed: int
    n_train: int
    n_test: int
    steps: int  #: neural fits only (0 for the POT baselines)


def _tasks(s: Setting, seed: int, problems: Iterable[str], methods: Iterable[str]) -> list[Task]:
    return [Task(p, s.dim, m, seed, s.n_train, s.n_test, s.steps if m in _NEURAL else 0)
            for p in s.problems if p in problems for m in s.methods if m in methods]


def _run_task(task: Task) -> dict:
    """Fit ``task.method`` on seeded samples of the problem and score it with ``compare``."""
    torch.set_num_threads(1)
    problem = make_problem(task.problem, task.dim, seed=task.seed)
    xs, ys = problem.sample_source(task.n_train, 0), problem.sample_target(task.n_train, 0)
    xt, yt = problem.sample_source(task.n_test, 1), problem.sample_target(task.n_test, 1)
    options = {task.method: {"steps": task.steps}} if task.steps else {}
    report = compare(xs, ys, methods=[task.method], true_map=problem.true_map, test_source=xt,
                     test_target=yt, seed=task.seed, options=options, on_error="record")
    row = {k: (v if not isinstance(v, float) or math.isfinite(v) else None)
           for k, v in report.rows[0].items() if k != "method"}
    return {**asdict(task), **row}


def _progress(r: dict) -> None:
    score = f"L2-UVP {r['l2_uvp']:.2f} %" if r.get("l2_uvp") is not None else r.get("error")
    print(f"  {r['problem']}-{r['dim']} {r['method']} seed={r['seed']}: {score} "
          f"(fit {r.get('fit_seconds') or 0:.0f} s)", flush=True)


# --------------------------------------------------------------------------- summaries
def summarise(runs: list[dict]) -> list[dict]:
    """Medians over seeds per (problem, d, method): one dict per group, with ``seeds`` (count)
    and ``errors`` (messages of failed runs); ``None`` where no seed gave a finite value."""
    groups: dict[tuple[str, int, str], list[dict]] = {}
    for r in runs:
        groups.setdefault((r["problem"], r["dim"], r["method"]), []).append(r)
    out = []
    for (problem, dim, method), rs in sorted(groups.items(), key=_group_order):
        ok = [r for r in rs if not r.get("error")]
        row: dict[str, Any] = {"problem": problem, "dim": dim, "method": method, "seeds": len(ok),
                               "errors": [r["error"] for r in rs if r.get("error")]}
        for key in _METRICS:
            values = [r[key] for r in ok if r.get(key) is not None]
            row[key] = statistics.median(values) if values else None
        out.append(row)
    return out


def _group_order(item: tuple[tuple[str, int, str], Any]) -> tuple:
    problem, dim, method = item[0]
    order = list(PROBLEMS)
    return (order.index(problem) if problem in order else len(order), dim,
            METHODS.index(method) if method in METHODS else len(METHODS))


def _lookup(summary: list[dict]) -> dict[tuple[str, int, str], dict]:
    return {(r["problem"], r["dim"], r["method"]): r for r in summary}


def targets(summary: list[dict]) -> list[dict]:
    r"""The issue's accuracy and speed targets, checked on the medians, one dict per
    (problem, d) where otgrad and the needed references ran.

    * non-Gaussian problems: otgrad's L2-UVP :math:`\le \tfrac12` the best POT baseline's at
      d ≥ 8, and :math:`\le` it at d = 2, 4 (``ratio`` = otgrad / best POT, ``limit`` 0.5 or 1);
    * Gaussian problems: :math:`\le 2\times` the linear (exact) map's (``limit`` 2);
    * otgrad's fit under 120 s at d ≤ 64 (``fit_ok``; ``None`` above d = 64).
    """
    table = _lookup(summary)
    out = []
    for (problem, dim) in sorted({(r["problem"], r["dim"]) for r in summary},
                                 key=lambda k: (list(PROBLEMS).index(k[0]), k[1])):
        ours = table.get((problem, dim, "otgrad"))
        if ours is None or ours["l2_uvp"] is None:
            continue
        if problem == "gaussian":
            refs = [table.get((problem, dim, "linear"))]
            limit = 2.0
        else:
            refs = [table.get((problem, dim, m)) for m in _POT]
            limit = 0.5 if dim >= 8 else 1.0
        refs = [r for r in refs if r is not None and r["l2_uvp"] is not None]
        if not refs:
            continue
        best = min(refs, key=lambda r: r["l2_uvp"])
        ratio = ours["l2_uvp"] / max(best["l2_uvp"], 1e-12)
        fit_ok = None if dim > 64 or ours["fit_seconds"] is None else ours["fit_seconds"] < 120
        out.append({"problem": problem, "dim": dim, "otgrad": ours["l2_uvp"],
                    "reference": best["method"], "reference_l2_uvp": best["l2_uvp"],
                    "ratio": ratio, "limit": limit, "met": ratio <= limit,
                    "fit_seconds": ours["fit_seconds"], "fit_ok": fit_ok})
    return out


# --------------------------------------------------------------------------- reports
def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else spec.format(value)


def _headline(summary: list[dict]) -> list[str]:
    methods = [m for m in METHODS if any(r["method"] == m for r in summary)]
    table = _lookup(summary)
    lines = ["| problem | d | " + " | ".join(methods) + " |",
             "|---|---|" + "---|" * len(methods)]
    for problem, dim in dict.fromkeys((r["problem"], r["dim"]) for r in summary):
        cells = []
        scores = {m: table[(problem, dim, m)]["l2_uvp"] for m in methods
                  if (problem, dim, m) in table and table[(problem, dim, m)]["l2_uvp"] is not None}
        best = min(scores, key=scores.get) if scores else None
        for m in methods:
            cell = _fmt(scores.get(m), "{:.2f}")
            cells.append(f"**{cell}**" if m == best else cell)
        lines.append(f"| {problem} | {dim} | " + " | ".join(cells) + " |")
    return lines


def _details(summary: list[dict]) -> list[str]:
    head = " | ".join(COLUMNS[k][0] for k in _METRICS)
    lines = [f"| problem | d | method | seeds | {head} |", "|---|---|---|---|" + "---|" * 6]
    for r in summary:
        cells = [_fmt(r[k], COLUMNS[k][1]) for k in _METRICS]
        err = f" ({len(r['errors'])} failed: {r['errors'][0][:60]})" if r["errors"] else ""
        lines.append(f"| {r['problem']} | {r['dim']} | {r['method']}{err} | {r['seeds']} | "
                     + " | ".join(cells) + " |")
    return lines


def _target_lines(checks: list[dict]) -> list[str]:
    lines = ["| problem | d | otgrad L2-UVP | best reference | ratio | target | met | "
             "otgrad fit s (< 120 at d ≤ 64?) |", "|---|---|---|---|---|---|---|---|"]
    for c in checks:
        fit_ok = "" if c["fit_ok"] is None else " (yes)" if c["fit_ok"] else " (no)"
        lines.append(f"| {c['problem']} | {c['dim']} | {c['otgrad']:.2f} | {c['reference']} "
                     f"{c['reference_l2_uvp']:.2f} | {c['ratio']:.2f} | ≤ {c['limit']:g} | "
                     f"{'yes' if c['met'] else '**no**'} | "
                     f"{_fmt(c['fit_seconds'], '{:.0f}')}{fit_ok} |")
    return lines


def _setting_lines(todo: list[Setting], mode: str) -> list[str]:
    lines = [f"Settings (`{mode}` mode)"
             + (f"; reduced from protocol §A: {REDUCTIONS[mode]}." if REDUCTIONS[mode] else "."),
             ""]
    for s in todo:
        lines.append(f"- d = {s.dim}: {', '.join(s.methods)}; {s.seeds} seed(s) planned; "
                     f"{s.n_train} train / {s.n_test} test points per side; neural fits "
                     f"{s.steps} steps" + (f". Reduced: {s.note}." if s.note else "."))
    return lines


def _markdown(summary: list[dict], todo: list[Setting], info: dict, mode: str,
              minutes: float | None, missing: list[str], stem: str = "maps") -> str:
    flag = "" if mode == "budget" else f" --{mode}"
    when = "report from cached runs" if minutes is None else f"total {minutes:.1f} min"
    lines = [
        f"# Transport maps with a known answer (`otgrad bench maps{flag}`)", "",
        "Median over seeds of L2-UVP (%, lower is better; 100 % = as bad as mapping every point "
        "to the target mean) on fresh test points; best per row in bold. Each seed is a new "
        "random problem instance, new samples and a new initialisation. otgrad = "
        "`fit_map` defaults (mGradNet-M, W2 dual, lr 1e-2, init at the Gaussian map, "
        "init_scale 0.5); linear = Bures map; emd = exact OT + barycentric projection with "
        "nearest-neighbour extension; entropic = entropic map, ε = 0.03 × median squared "
        "distance; kernel = Perrot et al.'s map on a 1000-point subsample "
        "(`otgrad.baselines`).", "",
        f"Machine: {info['platform']}, {info['cpu_count']} CPUs (shared with other jobs), torch "
        f"{info['torch']}, commit `{info['git_commit'][:10]}`, one torch thread, {when}.", "",
        *_headline(summary), "",
        f"![Median L2-UVP against d, one panel per problem]({stem}.png)", "",
        *_setting_lines(todo, mode), "",
        "## Targets (issue 4)", "",
        *_target_lines(targets(summary)), "",
        "## All metrics (medians over seeds)", "",
        "W2 and Sinkhorn divergence: pushed-forward test source vs test target (subsampled to "
        "2000 / 2048 points, `otgrad.metrics`); transform pts/s on the test set, one thread.", "",
        *_details(summary), "",
    ]
    if missing:
        lines += [f"**Not run (time budget): {'; '.join(missing)}.** Seeds run seed-major (every "
                  "problem, d and method of seed 0 first); the seeds column counts the finished "
                  "ones per row.", ""]
    return "\n".join(lines)


def _figure(summary: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = list(dict.fromkeys(r["problem"] for r in summary))
    if not problems:
        return
    fig, axes = plt.subplots(1, len(problems), figsize=(4.2 * len(problems), 3.8), squeeze=False)
    for ax, problem in zip(axes[0], problems, strict=True):
        for i, method in enumerate(METHODS):
            pts = sorted((r["dim"], r["l2_uvp"]) for r in summary
                         if r["problem"] == problem and r["method"] == method
                         and r["l2_uvp"] is not None)
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", color=f"C{i}", label=method,
                        lw=2.5 if method == "otgrad" else 1.2)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("d")
        ax.set_title(problem)
        ax.grid(alpha=0.3, which="both")
    axes[0, 0].set_ylabel("median L2-UVP (%)")
    axes[0, -1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# --------------------------------------------------------------------------- cost sweep
@dataclass(frozen=True)
class CostSetting:
    """The cost sweep: fit at ``fit_ns`` and transform timing at ``transform_ns`` training sizes."""

    dim: int
    steps: int  #: Adam steps of each otgrad fit (fixed, so time and memory compare across n)
    fit_ns: tuple[int, ...]
    transform_ns: tuple[int, ...]
    n_eval: int = 4096  #: points whose transform is timed
    entropic_iters: int = 1000  #: Sinkhorn iterations cap of the entropic fit
    problem: str = "ridge"
    note: str = ""


def cost_settings(mode: str = "budget") -> CostSetting:
    """The cost sweep of ``mode`` (§D: n from 10³ to 10⁶ at fixed steps)."""
    if mode == "quick":
        return CostSetting(8, 20, (1000, 10_000), (1000,), n_eval=1024, note="quick")
    if mode in ("budget", "protocol"):
        return CostSetting(
            8, 200, (1000, 10_000, 100_000, 1_000_000), (1000, 10_000), entropic_iters=20,
            note="entropic Sinkhorn capped at 20 iterations: its transform cost does not "
                 "depend on convergence, and a 10⁴ × 10⁴ log-domain iteration takes seconds",
        )
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


COST_SETTINGS = {m: cost_settings(m) for m in MODES}


def _resampler(points: torch.Tensor, seed: int = 0):
    """A sampler ``k -> (k, d)`` drawing rows of ``points`` with replacement (no copy of them)."""
    generator = torch.Generator().manual_seed(seed)
    return lambda k: points[torch.randint(0, len(points), (k,), generator=generator)]


def _fit_cost(c: CostSetting, n: int, data: str) -> dict:
    """Seconds and peak-memory rise of one ``fit_map`` on ``n`` points per side, given as the
    arrays (``data="arrays"``) or as samplers drawing minibatches from them (``"sampler"``);
    run it in a fresh process."""
    from .. import fit_map

    torch.set_num_threads(1)
    problem = make_problem(c.problem, c.dim, seed=0)
    xs, ys = problem.sample_source(n, seed=0), problem.sample_target(n, seed=0)
    source, target = (xs, ys) if data == "arrays" else (_resampler(xs, 1), _resampler(ys, 2))
    start = time.perf_counter()
    _, mib = peak_rss_delta(lambda: fit_map(source, target, steps=c.steps, progress=False, seed=0))
    return {"n": n, "data": data, "fit_seconds": time.perf_counter() - start, "peak_mib": mib,
            "data_mib": 2 * xs.element_size() * xs.numel() / 2**20}


def _time_transform(model: baselines.FittedMap, x: torch.Tensor, repeats: int = 3) -> float:
    """Median seconds per point of ``model.transform(x)`` (after one warm-up call)."""
    model.transform(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.transform(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(x)


def _transform_cost(c: CostSetting, n: int) -> dict:
    """Transform seconds per point of otgrad's map and of the entropic map fitted on ``n``."""
    torch.set_num_threads(1)
    problem = make_problem(c.problem, c.dim, seed=0)
    xs, ys = problem.sample_source(n, seed=0), problem.sample_target(n, seed=0)
    x_eval = problem.sample_source(c.n_eval, seed=1)
    ours = baselines.fit("otgrad", xs, ys, steps=c.steps, seed=0)
    entropic = baselines.fit("entropic", xs, ys, max_iter=c.entropic_iters)
    t_ours, t_ent = _time_transform(ours, x_eval), _time_transform(entropic, x_eval)
    return {"n_train": n, "otgrad_s_per_point": t_ours, "entropic_s_per_point": t_ent,
            "speedup": t_ent / t_ours}


def _in_fresh_process(fn: Any, *args: Any) -> dict:
    """``fn(*args)`` in a new spawned process, so peak memory starts from a clean slate."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as ex:
        return ex.submit(fn, *args).result()


def _memory_change(fits: list[dict], data: str) -> float | None:
    """Relative change of the peak-memory rise from n = 10⁴ to 10⁶ for one input kind."""
    mem = {f["n"]: f["peak_mib"] for f in fits if f["data"] == data and f["peak_mib"] is not None}
    if 10_000 not in mem or 1_000_000 not in mem:
        return None
    return mem[1_000_000] / max(mem[10_000], 1e-9) - 1


def _cost_markdown(c: CostSetting, fits: list[dict], transforms: list[dict], info: dict,
                   mode: str) -> str:
    flag = "" if mode == "budget" else f" --{mode}"
    lines = [f"# Cost of otgrad maps (`otgrad bench maps --part cost{flag}`)", "",
             f"Problem `{c.problem}`, d = {c.dim}; `fit_map` defaults with {c.steps} Adam steps "
             "(batch 512) at every n, each fit in a fresh process with one torch thread, the "
             "data given either as the arrays (`fit_map` then standardises and splits them: "
             "copies proportional to n) or as samplers drawing minibatches from the same arrays "
             "(nothing proportional to n is allocated). Peak memory = rise of the process's "
             "peak resident set (`VmHWM`, reset via `/proc/self/clear_refs` after the data are "
             "made) during `fit_map`: every allocation, torch's included (tracemalloc would "
             "miss those). Data = both sample sets, for scale. "
             + (f"Reduced: {c.note}." if c.note else ""), "",
             f"Machine: {info['platform']}, {info['cpu_count']} CPUs (shared), torch "
             f"{info['torch']}, commit `{info['git_commit'][:10]}`.", "",
             "| n per side | data given as | fit s | peak memory rise (MiB) | data (MiB) |",
             "|---|---|---|---|---|"]
    for f in fits:
        lines.append(f"| {f['n']:,} | {f['data']} | {f['fit_seconds']:.1f} | "
                     f"{_fmt(f['peak_mib'], '{:.1f}')} | {f['data_mib']:.1f} |")
    for data in ("arrays", "sampler"):
        change = _memory_change(fits, data)
        if change is not None:
            lines += ["", f"Peak memory rise from n = 10⁴ to 10⁶, {data}: {change:+.0%} "
                      "(target: flat within ±20 %)."]
    lines += ["", f"Transform time per point on {c.n_eval} fresh points (median of 3 calls after "
              "a warm-up), otgrad's map vs the entropic map fitted on n_train points per side:",
              "", "| n_train | otgrad µs/pt | entropic µs/pt | otgrad speed-up |",
              "|---|---|---|---|"]
    for t in transforms:
        lines.append(f"| {t['n_train']:,} | {1e6 * t['otgrad_s_per_point']:.2f} | "
                     f"{1e6 * t['entropic_s_per_point']:.2f} | {t['speedup']:.0f}× |")
    big = [t for t in transforms if t["n_train"] == 10_000]
    if big:
        lines += ["", f"At n_train = 10⁴: {big[0]['speedup']:.0f}× (target ≥ 100×)."]
    return "\n".join(lines) + "\n"


def _run_cost(args: argparse.Namespace, mode: str, out: Path, stem: str) -> None:
    c = cost_settings(mode)
    print(f"bench maps: cost sweep ({mode})", flush=True)
    fits, transforms = [], []
    for n in c.fit_ns:
        for data in ("arrays", "sampler"):
            fits.append(_in_fresh_process(_fit_cost, c, n, data))
            print(f"  fit n={n} ({data}): {fits[-1]['fit_seconds']:.1f} s, "
                  f"+{fits[-1]['peak_mib']} MiB", flush=True)
    for n in c.transform_ns:
        transforms.append(_in_fresh_process(_transform_cost, c, n))
        print(f"  transform n_train={n}: {transforms[-1]['speedup']:.0f}x", flush=True)
    info = machine_info()
    md = _cost_markdown(c, fits, transforms, info, mode)
    print(md)
    (out / f"{stem}_cost.md").write_text(md)
    (out / f"{stem}_cost.json").write_text(json.dumps(
        {"machine": info, "mode": mode, "setting": asdict(c), "fits": fits,
         "transforms": transforms,
         "memory_change_1e4_to_1e6": {d: _memory_change(fits, d) for d in ("arrays", "sampler")}},
        indent=1))


# --------------------------------------------------------------------------- CLI
#: default results-file stem per mode
STEMS = {"quick": "maps_quick", "budget": "maps", "protocol": "maps_protocol"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``otgrad bench maps``."""
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="tiny sizes (< 3 min, for CI)")
    size.add_argument("--protocol", action="store_true",
                      help="protocol §A in full (many CPU hours; writes NAME=maps_protocol)")
    parser.add_argument("--part", choices=("accuracy", "cost", "all"), default="all",
                        help="the accuracy suite (§A), the cost sweep (§D) or both")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--dims", nargs="+", type=int, default=None,
                        help="run only these dimensions of the mode's settings")
    parser.add_argument("--seeds", type=int, default=None, help="at most this many seeds")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1 thread each)")
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    parser.add_argument("--name", default=None,
                        help="results file stem (default maps, maps_quick or maps_protocol)")
    parser.add_argument("--resume", action="store_true",
                        help="keep finished runs in OUT/.NAME_runs.jsonl and skip them on restart")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: write the report from the runs in OUT/.NAME_runs.jsonl")


def _mode(args: argparse.Namespace) -> str:
    return "quick" if args.quick else "protocol" if args.protocol else "budget"


def _run_accuracy(args: argparse.Namespace, mode: str, out: Path, stem: str) -> None:
    start = time.perf_counter()
    todo = [s for s in settings(mode) if args.dims is None or s.dim in args.dims]
    cache = out / f".{stem}_runs.jsonl" if args.resume or args.report_only else None
    seeds = max((s.seeds for s in todo), default=0)
    seeds = min(seeds, args.seeds) if args.seeds is not None else seeds
    runs: list[dict] = []
    missing: list[str] = []
    # seed-major: a run stopped early has whole seeds (every problem, d and method) done
    for seed in range(seeds):
        for s in todo:
            if seed >= s.seeds:
                continue
            print(f"bench maps: d={s.dim} seed={seed}", flush=True)
            tasks = _tasks(s, seed, args.problems, args.methods)
            results = run_tasks(tasks, _run_task, args.jobs, cache,
                                run_missing=not args.report_only, progress=_progress)
            runs += [r for r in results if r]
            if not all(results):
                missing.append(f"d={s.dim} seed {seed} ({sum(not r for r in results)} runs)")
            if not args.report_only:
                _write(out, stem, runs, todo, mode, start, [], complete=False)
    _write(out, stem, runs, todo, mode, None if args.report_only else start, missing,
           complete=True)


def _write(out: Path, stem: str, runs: list[dict], todo: list[Setting], mode: str,
           start: float | None, missing: list[str], complete: bool) -> None:
    info = machine_info()
    minutes = None if start is None else (time.perf_counter() - start) / 60
    summary = summarise(runs)
    md = _markdown(summary, todo, info, mode, minutes, missing, stem)
    if not complete:
        md += "\n**Incomplete: the run is still going (or was stopped).**\n"
    else:
        print(md)
    (out / f"{stem}.md").write_text(md)
    (out / f"{stem}.json").write_text(json.dumps(
        {"machine": info, "mode": mode, "complete": complete, "minutes": minutes,
         "missing": missing, "settings": [asdict(s) for s in todo], "summary": summary,
         "targets": targets(summary), "runs": runs}, indent=1))
    _figure(summary, out / f"{stem}.png")


def run(args: argparse.Namespace) -> int:
    """Run the accuracy suite and/or the cost sweep; (re)write the result files as runs finish."""
    mode = _mode(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or STEMS[mode]
    if args.part in ("accuracy", "all"):
        _run_accuracy(args, mode, out, stem)
    if args.part in ("cost", "all") and not args.report_only:
        _run_cost(args, mode, out, stem)
    return 0


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(_parser)
    raise SystemExit(run(_parser.parse_args()))
