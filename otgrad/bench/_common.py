"""Helpers shared by the benchmark suites: resumable task runs, machine info, peak memory.

A suite is a list of frozen dataclass *tasks* (their fields are the cache key) and a worker
``task -> dict`` run over them by :func:`run_tasks`, in-process or in spawned workers with one
torch thread each; finished results are appended to a JSON-lines cache so that an interrupted
suite resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import torch

__all__ = ["machine_info", "peak_rss_delta", "report_status", "run_tasks"]


def _init_worker() -> None:
    torch.set_num_threads(1)


def _task_key(task: object) -> str:
    return json.dumps(asdict(task), sort_keys=True)  # type: ignore[call-overload]


def _load_cache(cache: Path | None) -> dict[str, dict]:
    if cache is None or not cache.exists():
        return {}
    lines = cache.read_text().splitlines()
    return {entry["key"]: entry["result"] for entry in map(json.loads, lines) if entry}


def run_tasks(
    tasks: list,
    worker: Callable[[Any], dict],
    jobs: int,
    cache: Path | None = None,
    run_missing: bool = True,
    cost: Callable[[Any], float] | None = None,
    progress: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Run ``worker`` over ``tasks`` in ``jobs`` spawned processes (in-process if ``jobs == 1``),
    most costly first (by ``cost(task)``, default: in order); results come back in the order of
    ``tasks``, and ``progress(result)`` is called as each one arrives.

    With ``cache`` (a JSON-lines file), finished results are appended as they arrive and tasks
    already in the file are not run again, so an interrupted suite resumes where it stopped.
    With ``run_missing=False`` nothing is run: tasks not in the cache get an empty dict.
    """
    done = _load_cache(cache)
    results: list[dict] = [done.get(_task_key(t), {}) for t in tasks]
    todo = [i for i in range(len(tasks)) if not results[i]] if run_missing else []
    order = sorted(todo, key=lambda i: -cost(tasks[i])) if cost is not None else todo

    def finish(i: int, result: dict) -> None:
        results[i] = result
        if progress is not None:
            progress(result)
        if cache is not None:
            with cache.open("a") as fh:
                fh.write(json.dumps({"key": _task_key(tasks[i]), "result": result}) + "\n")

    if jobs <= 1 or len(order) <= 1:
        for i in order:
            finish(i, worker(tasks[i]))
        return results
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_init_worker) as ex:
        futures = {ex.submit(worker, tasks[i]): i for i in order}
        for fut in as_completed(futures):
            finish(futures[fut], fut.result())
    return results


def machine_info(repo: str | Path | None = None) -> dict:
    """Platform, CPU count, torch version and the git commit of ``repo`` (default: the checkout
    otgrad is imported from, empty if none), for the results JSON."""
    repo = Path(__file__).resolve().parent if repo is None else repo
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "torch": torch.__version__,
            "python": platform.python_version(),
            "git_commit": commit, "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}


def _status_kib(field: str) -> int | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/self/status``, or ``None`` off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the process's peak resident set (``VmHWM``) to its current size (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def peak_rss_delta(fn: Callable[[], Any]) -> tuple[Any, float | None]:
    """``(fn(), MiB)``: how far the peak resident memory of this process rose above its resident
    size just before the call.

    The peak (``VmHWM``) is reset to the current resident size first (``/proc/self/clear_refs``),
    so allocations made before the call (e.g. the data) do not mask the call's own peak. It counts
    every allocation (torch's, numpy's and Python's), unlike ``tracemalloc``, which sees only
    Python's. ``None`` where ``/proc`` does not allow this (non-Linux); run it in a fresh process
    for numbers that do not depend on what ran before (freed memory may be reused).
    """
    if not _reset_peak():
        return fn(), None
    before = _status_kib("VmRSS")
    out = fn()
    peak = _status_kib("VmHWM")
    if before is None or peak is None:
        return out, None
    return out, max(peak - before, 0) / 1024


def report_status(runs: int, minutes: float, what: str, missing: list[str] | None,
                  complete: bool) -> str:
    """The closing lines of a suite's markdown: summed run time, settings not run, and an
    "incomplete" flag while a run is still going."""
    text = (f"\nSum of the {what} times of all {runs} runs: {minutes:.1f} min "
            "(one torch thread each).\n")
    if missing:
        text += f"\n**Not run (time budget): {', '.join(missing)}.**\n"
    if not complete:
        text += "\n**Incomplete: the run is still going (or was stopped).**\n"
    return text
