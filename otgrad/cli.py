"""The ``otgrad`` command: fit, transform, compare, demo and bench."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _add_fit(sub: argparse._SubParsersAction) -> None:
    from .fit import _DEFAULT_MODEL_KWARGS
    from .losses import LOSSES

    p = sub.add_parser("fit", help="fit a Brenier map from two sample files",
                       description="Fit a Brenier map T pushing SRC onto TGT and save it.")
    p.add_argument("source", help="source samples (.npy, .npz or .csv, shape (n, d))")
    p.add_argument("target", help="target samples (same d; any n)")
    p.add_argument("-o", "--output", required=True, help="where to save the map (.pt)")
    p.add_argument("--model", default="mgradnet-m", choices=list(_DEFAULT_MODEL_KWARGS))
    p.add_argument("--loss", default="dual", choices=list(LOSSES))
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (default: per loss)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: auto)")
    p.add_argument("--key", default=None, help="array name inside .npz files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_run_fit)


def _run_fit(args: argparse.Namespace) -> int:
    from .fit import fit_map
    from .io import read_points

    source, target = read_points(args.source, args.key), read_points(args.target, args.key)
    T = fit_map(source, target, model=args.model, loss=args.loss, steps=args.steps,
                batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=args.device,
                progress=not args.quiet)
    T.save(args.output)
    h = T.history
    print(f"saved {args.output}: {args.model} map, d={T.dim}, {h['step'][-1]} steps, "
          f"validation loss {h['val_loss'][-1]:.4g}")
    return 0


def _add_transform(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transform", help="apply a saved map (or its inverse) to a file",
                       description="Apply a map saved by `otgrad fit` to the points in X.")
    p.add_argument("map", help="map file written by `otgrad fit`")
    p.add_argument("points", help="points to map (.npy, .npz or .csv)")
    p.add_argument("-o", "--output", required=True, help="output file (.npy, .npz or .csv)")
    p.add_argument("--inverse", action="store_true", help="apply T^{-1} instead of T")
    p.add_argument("--key", default=None, help="array name inside .npz files")
    p.set_defaults(run=_run_transform)


def _run_transform(args: argparse.Namespace) -> int:
    from .io import read_points, write_points
    from .maps import load

    T = load(args.map)
    x = read_points(args.points, args.key)
    out = T.inverse(x) if args.inverse else T.transform(x)
    write_points(args.output, out)
    print(f"wrote {args.output}: {out.shape[0]} points, d={out.shape[1]}")
    return 0


def _add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare otgrad with POT baselines on two sample files")
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--methods", nargs="+", default=["otgrad", "linear", "entropic", "emd"])
    p.add_argument("--out", default=None, help="folder for report.md, report.json, report.png")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--key", default=None)
    p.set_defaults(run=_run_compare)


def _run_compare(args: argparse.Namespace) -> int:
    from .compare import compare
    from .io import read_points

    source, target = read_points(args.source, args.key), read_points(args.target, args.key)
    report = compare(source, target, methods=args.methods, seed=args.seed)
    print(report.to_markdown())
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text(report.to_markdown() + "\n")
        (out / "report.json").write_text(report.to_json())
        report.plot().savefig(out / "report.png", dpi=120)
        print(f"wrote {out}/report.md, report.json, report.png")
    return 0


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the main job: fit maps on built-in problems, compare, plot")
    p.add_argument("--out", default="out/demo", help="folder for the figure and table")
    p.add_argument("--quick", action="store_true", help="fewer steps (smoke test)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=lambda args: importlib.import_module("otgrad.demo").run(args))


def _add_bench(sub: argparse._SubParsersAction) -> None:
    from .bench import SUITES

    p = sub.add_parser("bench", help="run a benchmark suite and write its result files")
    suites = p.add_subparsers(dest="suite", required=True, metavar="SUITE")
    for name, module in SUITES.items():
        sp = suites.add_parser(name, help=f"benchmark suite {name!r}")
        sp.set_defaults(module=module)
        try:
            importlib.import_module(module).add_arguments(sp)
        except ImportError:  # suite not installed: say so when it is run
            pass
    p.set_defaults(run=lambda args: importlib.import_module(args.module).run(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otgrad",
        description="Gradient networks as Brenier optimal-transport maps.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_fit, _add_transform, _add_compare, _add_demo, _add_bench):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (non-zero with a one-line message on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, OSError, FloatingPointError) as err:
        print(f"otgrad {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
