"""Test problems with known answers: transport pairs, gradient fields, Hamiltonian systems."""

from __future__ import annotations

__all__: list[str] = []
