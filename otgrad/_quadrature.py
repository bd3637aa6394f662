"""Gauss–Legendre quadrature on [0, 1], used for potentials defined by integrals."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

__all__: list[str] = []


@lru_cache(maxsize=32)
def _nodes_weights_np(nodes: int, panels: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(nodes)
    t, w = (t + 1.0) / 2.0, w / 2.0  # map [-1, 1] -> [0, 1]
    starts = np.arange(panels) / panels
    ts = (starts[:, None] + t[None, :] / panels).ravel()
    ws = np.tile(w / panels, panels)
    return ts, ws


def gauss_legendre(
    nodes: int = 16, panels: int = 1, dtype: torch.dtype | None = None, device=None
) -> tuple[Tensor, Tensor]:
    r"""Composite Gauss–Legendre rule on :math:`[0, 1]`.

    Returns nodes :math:`t_k` and weights :math:`w_k` with
    :math:`\int_0^1 g(t)\,dt \approx \sum_k w_k g(t_k)`, exact for polynomials of degree
    :math:`2\,\mathrm{nodes} - 1` on each of ``panels`` equal sub-intervals.
    """
    t, w = _nodes_weights_np(nodes, panels)
    dtype = dtype or torch.get_default_dtype()
    return (
        torch.as_tensor(t, dtype=dtype, device=device),
        torch.as_tensor(w, dtype=dtype, device=device),
    )
