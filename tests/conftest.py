"""Shared fixtures: a fixed seed, float64 where accuracy is asserted, one torch thread.

One thread by default: small-tensor tests on a loaded 2-core machine run several times slower
with two threads (oversubscription); set OTGRAD_TEST_THREADS to change it.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

torch.set_num_threads(int(os.environ.get("OTGRAD_TEST_THREADS", "1")))


@pytest.fixture(autouse=True)
def seed() -> int:
    """Seed torch and numpy before every test."""
    torch.manual_seed(0)
    np.random.seed(0)  # noqa: NPY002 - legacy global seed for code that uses it
    return 0


@pytest.fixture
def float64():
    """Run a test with float64 as torch's default dtype."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch.float64
    torch.set_default_dtype(old)
