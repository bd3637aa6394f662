"""Set-up shared by the tutorials: fast mode and the figures folder.

``OTGRAD_FAST=1`` (set by ``run_all.py`` and CI) shrinks sizes and steps and uses one torch
thread (CI machines are small and shared). Figures go to ``tutorials/figures/``, whether a
tutorial runs as a script or as a notebook from this folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

FAST: bool = os.environ.get("OTGRAD_FAST") == "1"
FIGURES: Path = Path(__file__).resolve().parent / "figures"
FIGURES.mkdir(exist_ok=True)
if FAST:
    torch.set_num_threads(1)
