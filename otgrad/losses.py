r"""Sample-based losses between a pushed batch :math:`T_\#x_B` and a target batch :math:`y_B`.

All losses use the cost :math:`c(x, y) = \tfrac12\|x - y\|^2`, for which the optimal map is the
Brenier map; the W2 dual (:mod:`otgrad.fit`) lives next to the training loop because it needs
conjugates, not just samples.
"""

from __future__ import annotations

from collections.abc import Callable

import ot
import torch
from geomloss import SamplesLoss
from torch import Tensor

from ._validation import check_choice

__all__ = ["LOSSES", "emd_loss", "make_loss", "sinkhorn_loss", "sliced_loss"]

#: names accepted by ``fit_map(loss=...)``
LOSSES = ("sinkhorn", "emd", "sliced", "dual")

SampleLoss = Callable[[Tensor, Tensor], Tensor]


def sinkhorn_loss(x: Tensor, y: Tensor, blur: float = 0.05, scaling: float = 0.5) -> Tensor:
    r"""Debiased Sinkhorn divergence (Feydy et al., AISTATS 2019) with geomloss,

    .. math::

        S_\varepsilon(\alpha, \beta) = \mathrm{OT}_\varepsilon(\alpha, \beta)
        - \tfrac12\mathrm{OT}_\varepsilon(\alpha, \alpha)
        - \tfrac12\mathrm{OT}_\varepsilon(\beta, \beta),

    with uniform weights, cost :math:`\tfrac12\|x-y\|^2` (geomloss ``p=2``) and
    :math:`\varepsilon = \mathrm{blur}^2`. ``scaling`` trades accuracy for speed in
    geomloss' :math:`\varepsilon`-scaling.
    """
    return SamplesLoss("sinkhorn", p=2, blur=blur, scaling=scaling, debias=True)(x, y)


def emd_loss(x: Tensor, y: Tensor) -> Tensor:
    r"""Exact :math:`\tfrac12 W_2^2` between the two empirical measures (POT ``ot.emd2``).

    Differentiable in the positions (the plan is held fixed, envelope theorem). Cost
    :math:`O(n^3)` in the batch size.
    """
    a = torch.full((x.shape[0],), 1.0 / x.shape[0], dtype=x.dtype, device=x.device)
    b = torch.full((y.shape[0],), 1.0 / y.shape[0], dtype=y.dtype, device=y.device)
    return 0.5 * ot.emd2(a, b, ot.dist(x, y))


def sliced_loss(x: Tensor, y: Tensor, projections: int = 128) -> Tensor:
    r"""Sliced :math:`\tfrac12 SW_2^2`: the mean over random directions :math:`\theta` of the
    1-D squared Wasserstein distance, computed by sorting (Rabin et al., 2011; Bonneel et al.,
    2015),

    .. math:: \tfrac12 SW_2^2 = \tfrac12\,\mathbb{E}_\theta \tfrac1n\sum_i
        (\theta^\top x_{(i)} - \theta^\top y_{(i)})^2 .

    ``x`` and ``y`` must hold the same number of points. Its minimiser matches the distributions
    but the gradient is small in high dimension (one direction at a time).
    """
    if x.shape[0] != y.shape[0]:
        raise ValueError("sliced_loss needs batches of equal size")
    theta = torch.randn(x.shape[1], projections, dtype=x.dtype, device=x.device)
    theta = theta / theta.norm(dim=0, keepdim=True)
    px, _ = torch.sort(x @ theta, dim=0)
    py, _ = torch.sort(y @ theta, dim=0)
    return 0.5 * (px - py).square().mean(0).mean() * x.shape[1]


def make_loss(name: str, **options: float) -> SampleLoss:
    """The sample loss called ``name`` ("sinkhorn", "emd", "sliced") with fixed options."""
    name = check_choice(name, LOSSES, "loss")
    if name == "dual":
        raise ValueError("the 'dual' objective needs potentials; use fit_map(loss='dual')")
    fn = {"sinkhorn": sinkhorn_loss, "emd": emd_loss, "sliced": sliced_loss}[name]
    return lambda x, y: fn(x, y, **options)
