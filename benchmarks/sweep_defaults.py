"""Sweep that chose fit_map's defaults: model × loss × lr on known-map problems (L2-UVP %).

Run: ``python benchmarks/sweep_defaults.py [--dims 2 16] [--configs A B ...]``; appends rows to
``benchmarks/results/sweep_defaults.json`` and rewrites ``sweep_defaults.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import time
from pathlib import Path

import torch

import otgrad
from otgrad.metrics import l2_uvp
from otgrad.problems import make_problem

CONFIGS = {
    "A": {"model": "mgradnet-m", "loss": "dual", "lr": 1e-2, "init_scale": 0.5},
    "B": {"model": "mgradnet-m", "loss": "dual", "lr": 1e-2, "init_scale": 0.05},
    "C": {"model": "mgradnet-m", "loss": "dual", "lr": 3e-3, "init_scale": 0.05},
    "D": {"model": "mgradnet-m", "loss": "sinkhorn", "lr": 3e-4, "init_scale": 0.05},
    "E": {"model": "icnn", "loss": "dual", "lr": 1e-2, "init_scale": 0.5},
    "F": {"model": "mgradnet-m", "loss": "dual", "lr": 1e-2, "init_scale": 0.5,
          "model_kwargs": {"activation": "wsoftmax"}},
    "G": {"model": "mgradnet-m", "loss": "dual", "lr": 1e-2, "init_scale": 0.5,
          "batch_size": 256},
    "H": {"model": "mgradnet-m", "loss": "dual", "lr": 2e-2, "init_scale": 0.5},
}
OUT = Path(__file__).parent / "results"


def run(config: str, problem: str, dim: int, steps: int, seed: int = 0, n: int = 2048) -> dict:
    P = make_problem(problem, dim, seed=seed)
    xs, y = P.sample_source(n, 1), P.sample_target(n, 2)
    x_test = P.sample_source(4096, 3)
    true = P.true_map(x_test)
    lin = otgrad.gaussian_map(xs, y)
    t0 = time.perf_counter()
    T = otgrad.fit_map(xs, y, seed=seed, progress=False, steps=steps, **CONFIGS[config])
    seconds = time.perf_counter() - t0
    return {
        "config": config, "steps": steps, "batch_size": 512, "init_scale": "",
        **{k: str(v) for k, v in CONFIGS[config].items()},
        "problem": problem, "dim": dim, "seed": seed,
        "l2_uvp": l2_uvp(T.transform(x_test), true),
        "linear_l2_uvp": l2_uvp(x_test @ lin[0] + lin[1], true),
        "seconds": seconds, "stopped_at": T.history["step"][-1],
    }


def write_markdown(rows: list[dict], machine: dict) -> None:
    """One row per configuration, one column per (problem, d); mean ratio to the linear map."""
    cases = sorted({(r["problem"], r["dim"]) for r in rows}, key=lambda c: (c[1], c[0]))
    by = {(r["config"], r["problem"], r["dim"]): r for r in rows}
    lines = ["# Sweep that chose fit_map's defaults (`python benchmarks/sweep_defaults.py`)", "",
             "L2-UVP (%) on 2048 held-out points after fits on n = 2048 points per side, one "
             "seed, validation early stopping; `linear` = the Gaussian (Bures) map fitted on the "
             "same samples (exact on `gaussian`). Ratio = geometric mean of L2-UVP / linear over "
             "the cases run (lower is better). Fit seconds are indicative: 2 CPU cores shared "
             f"with other jobs, one torch thread; commit `{machine.get('commit', '?')}`.", "",
             "| config | model | loss | lr | init_scale | batch | "
             + " | ".join(f"{p} d={d}" for p, d in cases) + " | ratio | mean s |",
             "|---" * (8 + len(cases)) + "|"]
    configs = sorted({r["config"] for r in rows})
    linear = {c: next(r["linear_l2_uvp"] for r in rows if (r["problem"], r["dim"]) == c)
              for c in cases}
    for name in configs:
        mine = [by.get((name, p, d)) for p, d in cases]
        done = [r for r in mine if r is not None]
        first = done[0]
        ratio = math.exp(sum(math.log(r["l2_uvp"] / r["linear_l2_uvp"]) for r in done)
                         / len(done))
        cells = " | ".join("—" if r is None else f"{r['l2_uvp']:.2f}" for r in mine)
        model = first["model"] + (f" {first['model_kwargs']}" if "model_kwargs" in first else "")
        lines.append(f"| {name} | {model} | {first['loss']} | {first['lr']} | "
                     f"{first.get('init_scale', '')} | {first.get('batch_size', 512)} | {cells} | "
                     f"{ratio:.2f} | {sum(r['seconds'] for r in done) / len(done):.0f} |")
    lines.append("| linear | Bures map | | | | | "
                 + " | ".join(f"{linear[c]:.2f}" for c in cases) + " | 1.00 | 0 |")
    lines += ["", "Chosen: A (the defaults of `fit_map(loss=\"dual\")`; per-loss defaults in "
              "`otgrad.fit.LOSS_DEFAULTS`). A, B, F and G are within one-seed noise of each other "
              "(ratio 0.27-0.30); A keeps batch 512 for less noisy high-d fits and the plain "
              "softmax modules (closed-form potential, no extra parameters). The W2 dual beats the "
              "debiased Sinkhorn loss (D) everywhere off the Gaussian case: at lr 3e-4 Sinkhorn "
              "keeps the Gaussian start (D = linear), and larger lr lets minibatch noise move it "
              "away (`tests/test_fit.py` pins the Gaussian accuracy of every loss)."]
    (OUT / "sweep_defaults.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--problems", nargs="+", default=["gaussian", "icnn", "ridge", "lse"])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 16])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="drop earlier rows")
    parser.add_argument("--report-only", action="store_true", help="rewrite the markdown only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "sweep_defaults.json"
    data = json.loads(path.read_text()) if path.exists() and not args.fresh else {"rows": []}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    if args.report_only:
        write_markdown(data["rows"], data.get("machine", {}))
        return
    data["machine"] = {"platform": platform.platform(), "torch": torch.__version__,
                       "threads": args.threads, "commit": commit}
    for dim in args.dims:
        for problem in args.problems:
            for config in args.configs:
                row = run(config, problem, dim, args.steps)
                print(json.dumps(row), flush=True)
                data["rows"].append(row)
                path.write_text(json.dumps(data, indent=1))
                write_markdown(data["rows"], data["machine"])


if __name__ == "__main__":
    main()
