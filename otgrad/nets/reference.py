r"""Reference architectures for comparisons: the gradient of an input-convex neural network
(ICNN; Amos, Xu & Kolter, ICML 2017; used as a Brenier potential by Makkuva et al., ICML 2020)
and an unconstrained MLP map."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import GradientNet

__all__ = ["ICNN", "MLP"]


class ICNN(GradientNet):
    r"""Map :math:`f = \nabla F` of an input-convex network with a quadratic term.

    .. math::

        z_1 = s(W_0 x + b_0),\quad z_{\ell+1} = s(U_\ell z_\ell + W_\ell x + b_\ell),\quad
        F(x) = w^\top z_L + \tfrac12 x^\top A x + c^\top x,

    with :math:`s = \mathrm{softplus}` (convex, non-decreasing), :math:`U_\ell, w \ge 0` by a
    softplus parametrisation and :math:`A = LL^\top + \varepsilon I`; hence :math:`F` is convex
    and :math:`f` monotone. The gradient is computed by an explicit backward recursion
    (no ``autograd.grad`` inside ``forward``), so the map composes with ``torch.func``.

    Parameters
    ----------
    dim : int
        Dimension :math:`d`.
    width : int
        Units per hidden layer.
    depth : int
        Number of hidden layers :math:`L`.
    eps : float
        Strong-convexity floor of :math:`A`.
    init_scale : float
        Initial scale of :math:`w` (small values start near :math:`f(x) = Ax + c`).
    """

    monotone = True

    def __init__(
        self, dim: int, width: int = 64, depth: int = 3, eps: float = 1e-3, init_scale: float = 1.0
    ) -> None:
        super().__init__(dim, linear=True, eps=eps)
        self._record(width=width, depth=depth, eps=eps, init_scale=init_scale)
        self.Wx = nn.ParameterList(
            nn.Parameter(torch.randn(width, dim) / math.sqrt(dim)) for _ in range(depth)
        )
        self.bx = nn.ParameterList(nn.Parameter(torch.zeros(width)) for _ in range(depth))
        raw_u = math.log(math.expm1(1.0 / width))
        self.raw_U = nn.ParameterList(
            nn.Parameter(raw_u + 0.1 * torch.randn(width, width)) for _ in range(depth - 1)
        )
        self.raw_w = nn.Parameter(torch.full((width,), math.log(math.expm1(init_scale / width))))

    def _layers(self, x: Tensor) -> list[Tensor]:
        """Pre-activations :math:`a_\\ell` of every layer."""
        pre = [x @ self.Wx[0].T + self.bx[0]]
        for layer in range(1, len(self.Wx)):
            z = F.softplus(pre[-1])
            U = F.softplus(self.raw_U[layer - 1])
            pre.append(z @ U.T + x @ self.Wx[layer].T + self.bx[layer])
        return pre

    def _potential(self, x: Tensor) -> Tensor:
        return F.softplus(self._layers(x)[-1]) @ F.softplus(self.raw_w)

    def _field(self, x: Tensor) -> Tensor:
        pre = self._layers(x)
        g = F.softplus(self.raw_w).expand_as(pre[-1])  # dF/dz_L
        grad_x = torch.zeros_like(x)
        for layer in range(len(pre) - 1, -1, -1):
            delta = g * torch.sigmoid(pre[layer])  # dF/da_layer
            grad_x = grad_x + delta @ self.Wx[layer]
            if layer > 0:
                g = delta @ F.softplus(self.raw_U[layer - 1])
        return grad_x


class MLP(GradientNet):
    r"""Unconstrained map :math:`f(x) = Ax + c + \mathrm{MLP}(x)` (optional linear part): a
    baseline with no gradient structure, so its Jacobian is not symmetric in general and it
    has no potential.

    Parameters
    ----------
    dim : int
        Dimension :math:`d`.
    width, depth : int
        Hidden width and number of hidden layers (SiLU activations).
    linear : bool
        Add a strongly convex linear part (used to start at the Gaussian map).
    init_scale : float
        Scale of the output layer's initial weights.
    """

    monotone = False
    is_gradient = False

    def __init__(
        self,
        dim: int,
        width: int = 128,
        depth: int = 3,
        linear: bool = False,
        eps: float = 1e-3,
        init_scale: float = 1.0,
    ) -> None:
        super().__init__(dim, linear, eps)
        self._record(width=width, depth=depth, linear=linear, eps=eps, init_scale=init_scale)
        layers: list[nn.Module] = []
        sizes = [dim] + [width] * depth
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.SiLU()]
        out = nn.Linear(sizes[-1], dim, bias=False)
        with torch.no_grad():
            out.weight.mul_(init_scale)
        self.body = nn.Sequential(*layers, out)

    def _field(self, x: Tensor) -> Tensor:
        return self.body(x)

    def _potential(self, x: Tensor) -> Tensor:
        raise NotImplementedError(
            "MLP is an unconstrained map, not a gradient field: it has no potential "
            "(use a GradNet, mGradNet or ICNN)"
        )
