"""Benchmark suites run by ``otgrad bench NAME``; each writes tables, JSON and figures.

Each suite module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

__all__ = ["SUITES"]

#: suite name -> module path (imported lazily by the CLI)
SUITES: dict[str, str] = {
    "maps": "otgrad.bench.maps",
    "fields": "otgrad.bench.fields",
    "hamiltonian": "otgrad.bench.hamiltonian",
}
