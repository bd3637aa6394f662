"""Size and speed of the default networks (issue 2's note): parameter counts at d = 2, 32, 256
and the time of one forward + backward pass at batch 1024, d = 64.

Run: ``python benchmarks/nets_cost.py``; writes ``benchmarks/results/nets_cost.md`` and
``.json``. "Default" is the configuration :func:`otgrad.fit_map` builds (with the strongly
convex linear part); the backward pass is of ``out.square().sum()`` w.r.t. the parameters.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from otgrad.fit import _DEFAULT_MODEL_KWARGS
from otgrad.nets import make

OUT = Path(__file__).parent / "results"
DIMS = (2, 32, 256)


def build(name: str, dim: int) -> torch.nn.Module:
    options = dict(_DEFAULT_MODEL_KWARGS[name])
    if name != "icnn":
        options["linear"] = True
    return make(name, dim, **options)


def step_seconds(net: torch.nn.Module, x: torch.Tensor, repeats: int = 20) -> float:
    """Median wall time of forward + backward (after 3 warm-up passes)."""
    times = []
    for i in range(repeats + 3):
        net.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        net(x).square().sum().backward()
        if i >= 3:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = torch.randn(1024, 64)
    rows = []
    for name in _DEFAULT_MODEL_KWARGS:
        counts = {d: sum(p.numel() for p in build(name, d).parameters()) for d in DIMS}
        rows.append({"model": name, "options": _DEFAULT_MODEL_KWARGS[name],
                     **{f"params_d{d}": c for d, c in counts.items()},
                     "fwd_bwd_ms_b1024_d64": 1e3 * step_seconds(build(name, 64), x)})
    info = {"machine": f"{platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__},"
                       " one thread, load " + " ".join(f"{v:.1f}" for v in os.getloadavg())}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "nets_cost.json").write_text(json.dumps({"info": info, "rows": rows}, indent=1))
    lines = ["# Default networks: size and speed (`python benchmarks/nets_cost.py`)", "",
             f"{info['machine']}. Median of 20 forward+backward passes (float32).", "",
             "| model | options | params d=2 | params d=32 | params d=256 "
             "| fwd+bwd ms (b=1024, d=64) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        opts = ", ".join(f"{k}={v}" for k, v in r["options"].items())
        lines.append(f"| {r['model']} | {opts} | {r['params_d2']:,} | {r['params_d32']:,} | "
                     f"{r['params_d256']:,} | {r['fwd_bwd_ms_b1024_d64']:.2f} |")
    (OUT / "nets_cost.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
