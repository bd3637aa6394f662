"""The public API: every exported name exists, and the names fixed by the design contract."""

from __future__ import annotations

import otgrad


def test_all_names_exist():
    missing = [name for name in otgrad.__all__ if not hasattr(otgrad, name)]
    assert not missing


def test_contract_names():
    for name in ("fit_map", "BrenierMap", "load", "jacobian", "check_monotone", "inverse",
                 "conjugate", "compare"):
        assert callable(getattr(otgrad, name)), name
    for name in ("MGradNetM", "GradNetM", "MGradNetC", "GradNetC", "ICNN", "MLP"):
        assert hasattr(otgrad.nets, name), name
    assert callable(otgrad.baselines.fit) and "linear" in otgrad.baselines.available()
    assert callable(otgrad.metrics.l2_uvp) and callable(otgrad.metrics.cos_similarity)
