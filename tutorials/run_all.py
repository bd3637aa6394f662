"""Execute every tutorial (jupytext percent-format ``tutorials/*.py``) as a notebook, in fast mode.

Each ``tutorials/NAME.py`` except this file and ``_private.py`` helpers is converted to a notebook
with jupytext and executed by nbclient in a ``python3`` kernel running this interpreter, with the
environment variable ``OTGRAD_FAST=1`` (tutorials shrink their sizes) and the tutorials folder as
working directory. Prints the run time of each tutorial; exits with status 1 if any fails.

Usage::

    python tutorials/run_all.py                 # all tutorials, fast mode
    python tutorials/run_all.py --only quickstart --only generative
    python tutorials/run_all.py --full --output out/notebooks   # full sizes, keep the notebooks
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["discover", "ensure_kernel", "main", "run_tutorial"]

HERE = Path(__file__).resolve().parent
KERNEL = "python3"


def discover(folder: Path = HERE, only: list[str] | None = None) -> list[Path]:
    """The tutorial scripts in ``folder``, sorted; ``only`` selects by stem (``quickstart``)."""
    skip = Path(__file__).name
    scripts = sorted(p for p in folder.glob("*.py") if p.name != skip and p.name[0] != "_")
    if only:
        known = {p.stem: p for p in scripts}
        missing = [name for name in only if Path(name).stem not in known]
        if missing:
            raise SystemExit(f"unknown tutorial(s) {missing}; found {sorted(known)}")
        scripts = [known[Path(name).stem] for name in only]
    return scripts


def ensure_kernel(name: str = KERNEL) -> None:
    """Install the ipykernel spec into this environment (``--sys-prefix``) if ``name`` is missing.

    A fresh virtual environment with ipykernel installed usually resolves ``python3`` to itself;
    this covers environments where it does not.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        cmd = [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", name]
        subprocess.run(cmd, check=True, capture_output=True)


def run_tutorial(path: Path, timeout: int, output: Path | None = None) -> tuple[bool, str]:
    """Execute one tutorial; ``(ok, message)`` where the message is the error on failure."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
        ok, message = True, ""
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        ok, message = False, str(err)
    if output is not None:
        import nbformat

        output.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, output / f"{path.stem}.ipynb")
    return ok, message


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this tutorial (stem, repeatable)")
    parser.add_argument("--dir", type=Path, default=HERE, help="folder holding the tutorials")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    parser.add_argument("--full", action="store_true", help="full sizes: do not set OTGRAD_FAST=1")
    parser.add_argument("--output", type=Path, help="write the executed notebooks here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scripts = discover(args.dir.resolve(), args.only)
    if not scripts:
        print(f"no tutorials in {args.dir}")
        return 1
    if not args.full:
        os.environ["OTGRAD_FAST"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")  # no display in CI; kernels render inline anyway
    ensure_kernel()
    failures, total = [], 0.0
    for path in scripts:
        start = time.perf_counter()
        ok, message = run_tutorial(path, args.timeout, args.output)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{'ok  ' if ok else 'FAIL'} {path.stem:<24} {elapsed:7.1f} s", flush=True)
        if not ok:
            failures.append(path.stem)
            print(re.sub(r"\x1b\[[0-9;]*m", "", message)[-4000:], file=sys.stderr, flush=True)
    print(f"{len(scripts) - len(failures)}/{len(scripts)} tutorials passed in {total:.1f} s")
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
