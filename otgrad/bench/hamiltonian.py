r"""``otgrad bench hamiltonian``: learn :math:`\nabla H` of Hamiltonian systems from noisy states
and time-derivatives (paper §VI-B), against Hamiltonian neural networks and an MLP vector field.

Every model regresses :math:`\nabla H(z) = J^\top\dot z` (for the MLP this is an unconstrained
vector field up to the fixed rotation :math:`J`) by Adam, with parameter counts matched within 10 %.
Reported per system and model, mean ± std over training seeds: the field error in dB on clean
held-out states, and over a long rollout with the implicit midpoint rule (symplectic for the
gradient models) from held-out initial states, the mean squared state error against the true
trajectory (RK4 with 4 sub-steps) and the mean relative energy drift
:math:`|H(\hat z_t) - H(z_0)|/|H(z_0)|`. Writes ``benchmarks/results/hamiltonian.{md,json,png}``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..integrators import hamiltonian_field, implicit_midpoint, rk4
from ..metrics import gradient_error_db
from ..problems.hamiltonian import HamiltonianSystem, apply_J_transpose, make_system
from ..regress import count_parameters, fit_field, predict
from ._common import report_status
from .fields import (
    BASELINES,
    GRADNETS,
    LR_GRID,
    machine_info,
    machine_line,
    matched_model,
    run_tasks,
    zero_field_db,
)

__all__ = ["add_arguments", "run"]

#: models run on every system; mGradNets are added where H is convex
NONCONVEX_MODELS = ("gradnet-c", "gradnet-m", "gradmlp", "mlp")
LABELS = {"gradmlp": "HNN (gradient of MLP)", "mlp": "MLP vector field"}


@dataclass(frozen=True)
class Setting:
    """A system, its data, training budget and rollout."""

    system: str
    kwargs: tuple[tuple[str, float], ...]
    params: int
    n_train: int
    steps: int
    batch_size: int
    seeds: int
    search_steps: int
    dt: float
    horizon: float
    rollouts: int = 16

    def make(self) -> HamiltonianSystem:
        return make_system(self.system, **dict(self.kwargs))

    @property
    def label(self) -> str:
        system = self.make()
        return f"{self.system} (d={system.dim})"


def settings(quick: bool) -> list[Setting]:
    """The systems of the suite (full or ``--quick``)."""
    if quick:
        return [
            Setting("mass-spring", (), 500, 750, 600, 100, 1, 0, 0.1, 10.0, 4),
            Setting("pendulum", (), 500, 750, 600, 100, 1, 0, 0.05, 5.0, 4),
            Setting("chain", (("n", 8),), 2000, 2000, 400, 100, 1, 0, 0.05, 2.0, 4),
        ]
    return [
        Setting("mass-spring", (), 2000, 750, 3000, 100, 3, 500, 0.1, 100.0),
        Setting("pendulum", (), 2000, 750, 3000, 100, 3, 500, 0.05, 50.0),
        Setting("two-body", (), 8000, 2000, 3000, 100, 3, 500, 0.01, 10.0),
        Setting("chain", (("n", 32),), 32_000, 10_000, 3000, 100, 3, 500, 0.05, 20.0),
    ]


def models_for(system: HamiltonianSystem) -> tuple[str, ...]:
    """GradNets (mGradNets too when :math:`H` is convex), HNN and the MLP vector field."""
    return (("mgradnet-c", "mgradnet-m") if system.convex else ()) + NONCONVEX_MODELS


@dataclass(frozen=True)
class Task:
    """One training run and its evaluation."""

    setting: Setting
    model: str
    seed: int
    lr: float
    steps: int
    stage: str  #: "search" (lr grid, field error on validation states only) or "final"

    @property
    def params(self) -> int:
        return self.setting.params


def _rollout_metrics(system: HamiltonianSystem, net: torch.nn.Module, s: Setting,
                     keep: bool) -> dict:
    z0 = system.sample_states(s.rollouts, seed=424_242, dtype=torch.float64)
    steps = int(round(s.horizon / s.dt))
    every = max(1, steps // 200)
    true = rk4(system.vector_field, z0, s.dt / 4, 4 * steps, every=4 * every)

    def learned(z: torch.Tensor) -> torch.Tensor:
        return net(z.float()).double()

    traj = implicit_midpoint(hamiltonian_field(learned), z0, s.dt, steps, every=every,
                             iters=30, tol=1e-5)
    finite = bool(torch.isfinite(traj).all())
    traj = torch.nan_to_num(traj, nan=1e6, posinf=1e6, neginf=-1e6).clamp(-1e6, 1e6)
    state_mse = ((traj - true) ** 2).sum(-1).mean(1)  # (T,)
    H0 = system.hamiltonian(z0)
    H = torch.stack([system.hamiltonian(z) for z in traj])  # (T, m)
    drift = ((H - H0).abs() / H0.abs()).mean(1)  # (T,)
    out = {"rollout_mse": float(state_mse.mean()), "rollout_mse_final": float(state_mse[-1]),
           "energy_drift": float(drift.mean()), "energy_drift_final": float(drift[-1]),
           "rollout_finite": finite}
    if keep:  # for the figure; 6 decimals keep the runs cache small
        out["trajectory"] = np.round(traj[:, 0, :].numpy(), 6).tolist()
        out["true_trajectory"] = np.round(true[:, 0, :].numpy(), 6).tolist()
        out["energy"] = np.round((H[:, 0] / H0[0]).numpy(), 6).tolist()
        out["time"] = (np.arange(traj.shape[0]) * every * s.dt).tolist()
    return out


def _run_task(task: Task) -> dict:
    torch.set_num_threads(1)
    s = task.setting
    system = s.make()
    z, zdot = system.dataset(s.n_train, seed=1000 + task.seed, dtype=torch.float64)
    net = matched_model(task.model, system.dim, s.params, seed=task.seed)
    fit = fit_field(net, z.float(), apply_J_transpose(zdot).float(), steps=task.steps,
                    batch_size=s.batch_size, lr=task.lr, seed=task.seed)
    final = task.stage == "final"
    z_test = system.sample_states(10_000 if final else 2000, seed=7 if final else 5,
                                  dtype=torch.float64)
    pred = predict(net, z_test.float()).double()
    db = gradient_error_db(pred, system.grad(z_test)) if torch.isfinite(pred).all() else math.inf
    out = {"system": s.system, "dim": system.dim, "model": task.model, "seed": task.seed,
           "lr": task.lr, "steps": task.steps, "stage": task.stage, "db": db,
           "n_params": count_parameters(net), "seconds": fit.seconds, "diverged": fit.diverged}
    if final:
        start = time.perf_counter()
        out.update(_rollout_metrics(system, net, s, keep=task.seed == 0))
        out["rollout_seconds"] = time.perf_counter() - start
    return out


def _summarise(final: list[dict], s: Setting, lrs: dict[str, float]) -> dict:
    system = s.make()
    rows = {}
    for m in models_for(system):
        runs = [r for r in final if r["system"] == s.system and r["model"] == m]
        row = {"params": runs[0]["n_params"], "lr": lrs[m], "seeds": len(runs)}
        for key in ("db", "rollout_mse", "energy_drift"):
            values = np.array([r[key] for r in runs], dtype=float)
            row[f"{key}_mean"], row[f"{key}_std"] = float(values.mean()), float(values.std())
        row["log10_rollout_mse"] = float(np.mean([math.log10(r["rollout_mse"] + 1e-30)
                                                  for r in runs]))
        rows[m] = row
    family = [m for m in rows if m in GRADNETS]
    base = [m for m in rows if m in BASELINES]
    best_g = min(family, key=lambda m: rows[m]["db_mean"])
    best_b = min(base, key=lambda m: rows[m]["db_mean"])
    z_test = system.sample_states(10_000, seed=7, dtype=torch.float64)  # as in _run_task
    return {"system": s.system, "dim": system.dim, "convex": system.convex,
            "setting": asdict(s), "models": rows, "best_gradnet": best_g, "best_baseline": best_b,
            "margin_db": rows[best_b]["db_mean"] - rows[best_g]["db_mean"],
            "zero_db": zero_field_db(system.grad(z_test))}


def _markdown(summaries: list[dict], info: dict, quick: bool, minutes: float | None,
              jobs: int) -> str:
    flag = " --quick" if quick else ""
    lines = [f"# Hamiltonian-dynamics benchmark (`otgrad bench hamiltonian{flag}`)", "",
             "Models learn grad H from noisy states and exact time-derivatives (ż = J∇H). "
             "Field error: `10 log10 mean ||f(z) - grad H(z)||^2` on 10,000 clean held-out states. "
             "Rollout: implicit midpoint from 16 held-out states against the true trajectory "
             "(RK4, 4 sub-steps); state MSE averaged over the horizon; energy drift = mean "
             "|H(z_t) - H(z_0)| / |H(z_0)| over the horizon. Mean ± std over training seeds; "
             "lr per model from {1e-2, 1e-3, 1e-4} (seed-0 runs of `search_steps`). "
             "Margin = best baseline − best GradNet field error (positive: a GradNet wins).", "",
             machine_line(info, jobs, minutes), ""]
    for s in summaries:
        st = s["setting"]
        lines += [f"## {s['system']}, d = {s['dim']} ({'convex' if s['convex'] else 'non-convex'}"
                  " H)", "",
                  f"{st['n_train']} training states, {st['steps']} Adam steps of batch "
                  f"{st['batch_size']}, {st['seeds']} seed(s), ≈{st['params']} parameters; "
                  f"rollout dt = {st['dt']}, horizon T = {st['horizon']}.", "",
                  "| model | params | lr | field dB | rollout state MSE | energy drift |",
                  "|---|---|---|---|---|---|"]
        for m, r in s["models"].items():
            lines.append(
                f"| {LABELS.get(m, m)} | {r['params']} | {r['lr']:.0e} | {r['db_mean']:.2f} ± "
                f"{r['db_std']:.2f} | {r['rollout_mse_mean']:.3g} ± {r['rollout_mse_std']:.2g} | "
                f"{r['energy_drift_mean']:.3g} ± {r['energy_drift_std']:.2g} |")
        lines += ["", f"Predicting zero: {s['zero_db']:.2f} dB. "
                  f"Best GradNet {s['best_gradnet']} vs best baseline "
                  f"{LABELS.get(s['best_baseline'], s['best_baseline'])}: field-error margin "
                  f"**{s['margin_db']:+.2f} dB**.", ""]
    return "\n".join(lines)


def _figure(final: list[dict], summaries: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not summaries:
        return
    fig, axes = plt.subplots(2, len(summaries), figsize=(5 * len(summaries), 9), squeeze=False)
    for col, s in enumerate(summaries):
        shown = [s["best_gradnet"], "gradmlp", "mlp"]
        runs = {r["model"]: r for r in final
                if r["system"] == s["system"] and r["seed"] == 0 and "trajectory" in r}
        top, bottom = axes[0, col], axes[1, col]
        true = np.asarray(runs[shown[0]]["true_trajectory"])
        half = true.shape[1] // 2
        top.plot(true[:, 0], true[:, half], "k-", lw=2.5, label="true")
        for i, m in enumerate(shown):
            traj = np.clip(np.asarray(runs[m]["trajectory"]), -10, 10)
            top.plot(traj[:, 0], traj[:, half], f"C{i}-", lw=1, label=LABELS.get(m, m))
            bottom.plot(runs[m]["time"], runs[m]["energy"], f"C{i}-", label=LABELS.get(m, m))
        for axis, values in ((top.set_xlim, true[:, 0]), (top.set_ylim, true[:, half])):
            mid, span = (values.max() + values.min()) / 2, values.max() - values.min()
            axis(mid - span, mid + span)  # twice the true orbit: diverging rollouts leave it
        top.set_title(f"{s['system']} (d={s['dim']}): phase portrait (q1, p1)")
        top.set_xlabel("q1")
        top.set_ylabel("p1")
        bottom.axhline(1.0, color="k", lw=1)
        bottom.set_title("energy H(z_t) / H(z_0)")
        bottom.set_xlabel("t")
        bottom.set_ylim(0, 2)
        top.legend(fontsize=8)
        bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``otgrad bench hamiltonian``."""
    parser.add_argument("--quick", action="store_true", help="small sizes (< 3 min, for CI)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes, 1 torch thread each (default 2; 1 with --quick, "
                        "whose runs are too short to repay starting workers)")
    parser.add_argument("--only", nargs="+", default=None, metavar="SYSTEM")
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    parser.add_argument("--name", default=None, help="results file stem")
    parser.add_argument("--resume", action="store_true",
                        help="keep finished runs in OUT/.NAME_runs.jsonl and skip them on restart")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: write the report from the runs in OUT/.NAME_runs.jsonl")


def run(args: argparse.Namespace) -> int:
    """Run the suite system by system, rewriting the results files after each system."""
    args.jobs = args.jobs or (1 if args.quick else 2)
    start = time.perf_counter()
    todo = [s for s in settings(args.quick) if args.only is None or s.system in args.only]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.name or ("hamiltonian_quick" if args.quick else "hamiltonian")
    cache = out / f".{stem}_runs.jsonl" if args.resume or args.report_only else None
    search: list[dict] = []
    final: list[dict] = []
    summaries: list[dict] = []
    missing: list[str] = []
    for s in todo:
        print(f"bench hamiltonian: {s.label}", flush=True)
        models = models_for(s.make())
        lrs = dict.fromkeys(models, 1e-2)
        if s.search_steps:
            runs = run_tasks([Task(s, m, 0, lr, s.search_steps, "search") for m in models
                              for lr in LR_GRID], _run_task, args.jobs, cache,
                             run_missing=not args.report_only)
            if not all(runs):
                missing.append(s.label)
                continue
            search += runs
            lrs = {m: min((r for r in runs if r["model"] == m), key=lambda r: r["db"])["lr"]
                   for m in models}
        runs = run_tasks([Task(s, m, seed, lrs[m], s.steps, "final") for m in models
                          for seed in range(s.seeds)], _run_task, args.jobs, cache,
                         run_missing=not args.report_only)
        if not all(runs):
            missing.append(s.label)
            continue
        final += runs
        summaries.append(_summarise(final, s, lrs))
        _write(out, stem, summaries, search, final, args, start, complete=s is todo[-1])
    if missing:
        _write(out, stem, summaries, search, final, args, start, complete=True, missing=missing)
    return 0


def _write(out: Path, stem: str, summaries: list[dict], search: list[dict], final: list[dict],
           args: argparse.Namespace, start: float, complete: bool,
           missing: list[str] | None = None) -> None:
    info = machine_info(out)
    minutes = None if args.report_only else (time.perf_counter() - start) / 60
    md = _markdown(summaries, info, args.quick, minutes, args.jobs)
    train = sum(r["seconds"] + r.get("rollout_seconds", 0.0) for r in search + final) / 60
    md += report_status(len(search) + len(final), train, "training and rollout", missing,
                        complete)
    if complete:
        print(md)
    (out / f"{stem}.md").write_text(md)
    keep = ("trajectory", "true_trajectory", "energy", "time")
    runs_json = [{k: v for k, v in r.items() if k not in keep} for r in search + final]
    (out / f"{stem}.json").write_text(json.dumps(
        {"machine": info, "quick": args.quick, "complete": complete, "minutes": minutes,
         "train_minutes": train, "missing": missing or [], "lr_grid": LR_GRID,
         "summaries": summaries, "runs": runs_json}, indent=1))
    _figure(final, summaries, out / f"{stem}.png")


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(_parser)
    raise SystemExit(run(_parser.parse_args()))
