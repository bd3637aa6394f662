"""Sweep that chose fit_map's defaults: model × loss × lr on known-map problems (L2-UVP %).

Run: ``python benchmarks/sweep_defaults.py [--dims 2 16] [--configs A B ...]``; appends rows to
``benchmarks/results/sweep_defaults.json`` and rewrites ``sweep_defaults.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import time
from pathlib import Path

import torch

import otgrad
from otgrad.metrics import l2_uvp
from otgrad.problems import make_problem

CONFIGS = {
    "A": {"model": "mgradnet-m", "loss": "dual", "lr": 1e-2, "steps": 1000},
    "B": {"model": "mgradnet-c", "loss": "dual", "lr": 1e-2, "steps": 1000},
    "C": {"model": "mgradnet-m", "loss": "dual", "lr": 3e-3, "steps": 1000},
    "D": {"model": "mgradnet-m", "loss": "sinkhorn", "lr": 1e-2, "steps": 500},
    "E": {"model": "icnn", "loss": "dual", "lr": 1e-2, "steps": 1000},
    "F": {"model": "mgradnet-m", "loss": "dual", "lr": 1e-2, "steps": 1000,
          "model_kwargs": {"activation": "wsoftmax"}},
}
OUT = Path(__file__).parent / "results"


def run(config: str, problem: str, dim: int, seed: int = 0, n: int = 4096) -> dict:
    P = make_problem(problem, dim, seed=seed)
    xs, y = P.sample_source(n, 1), P.sample_target(n, 2)
    x_test = P.sample_source(4096, 3)
    true = P.true_map(x_test)
    lin = otgrad.gaussian_map(xs, y)
    t0 = time.perf_counter()
    T = otgrad.fit_map(xs, y, seed=seed, progress=False, **CONFIGS[config])
    seconds = time.perf_counter() - t0
    return {
        "config": config, **{k: str(v) for k, v in CONFIGS[config].items()},
        "problem": problem, "dim": dim, "seed": seed,
        "l2_uvp": l2_uvp(T.transform(x_test), true),
        "linear_l2_uvp": l2_uvp(x_test @ lin[0] + lin[1], true),
        "seconds": seconds, "stopped_at": T.history["step"][-1],
    }


def write_markdown(rows: list[dict]) -> None:
    lines = ["# Sweep that chose fit_map's defaults", "",
             "L2-UVP (%) on held-out points; n = 4096 per side; one seed; fit seconds in "
             "parentheses (2 shared CPU cores, other jobs running: timings are indicative).", "",
             "| config | model | loss | lr | steps | problem | d | L2-UVP | linear map | s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["problem"], r["dim"], r["config"])):
        lines.append(f"| {r['config']} | {r['model']} | {r['loss']} | {r['lr']} | {r['steps']} | "
                     f"{r['problem']} | {r['dim']} | {r['l2_uvp']:.2f} | "
                     f"{r['linear_l2_uvp']:.2f} | {r['seconds']:.0f} |")
    (OUT / "sweep_defaults.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--problems", nargs="+", default=["gaussian", "icnn", "ridge", "lse"])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 16])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "sweep_defaults.json"
    data = json.loads(path.read_text()) if path.exists() else {"rows": []}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    data["machine"] = {"platform": platform.platform(), "torch": torch.__version__,
                       "threads": args.threads, "commit": commit}
    for dim in args.dims:
        for problem in args.problems:
            for config in args.configs:
                row = run(config, problem, dim)
                print(json.dumps(row), flush=True)
                data["rows"].append(row)
                path.write_text(json.dumps(data, indent=1))
                write_markdown(data["rows"])


if __name__ == "__main__":
    main()
