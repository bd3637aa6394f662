r"""Cascaded gradient networks GradNet-C and mGradNet-C (Chaudhari, Pranav & Moura, IEEE TSP 2024).

One matrix :math:`W\in\mathbb{R}^{h\times d}` shared by all :math:`L` layers:

.. math::

    u = Wx,\quad z_0 = \beta_0\odot(u + b_0),\quad
    z_\ell = \beta_\ell\odot(u + b_\ell) + \alpha_{\ell-1}\odot\sigma_{\ell-1}(z_{\ell-1}),\quad
    f(x) = W^\top\big(\alpha_{L-1}\odot\sigma_{L-1}(z_{L-1})\big) + c.

Everything after :math:`u` is elementwise, so :math:`f = W^\top\varphi(Wx) + c` with
:math:`J_f = W^\top\mathrm{diag}(\varphi'(u))W` symmetric. With :math:`\alpha,\beta\ge 0` and
non-decreasing :math:`\sigma` (mGradNet-C), :math:`\varphi'\ge0` and :math:`J_f\succeq 0`. The
potential :math:`F(x) = c^\top x + \sum_j\Phi_j(u_j)`, :math:`\Phi_j' = \varphi_j`, is one 1-D
Gauss–Legendre integral per hidden unit.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .activations import ELEMENTWISE, integrate_elementwise, make_activation
from .base import GradientNet

__all__ = ["GradNetC", "MGradNetC"]


class _Cascaded(GradientNet):
    #: Gauss–Legendre (nodes, panels) of the per-unit potential integral; raise for steep nets
    quadrature: tuple[int, int] = (16, 16)

    def __init__(
        self,
        dim: int,
        width: int = 64,
        depth: int = 4,
        activation: str = "tanh",
        linear: bool = False,
        eps: float = 1e-3,
        init_scale: float = 1.0,
    ) -> None:
        super().__init__(dim, linear, eps)
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be >= 1; got {width}, {depth}")
        if activation not in ELEMENTWISE:
            raise ValueError(
                f"cascaded nets need an elementwise activation ({', '.join(ELEMENTWISE)}); "
                f"got {activation!r}"
            )
        self._record(
            width=width,
            depth=depth,
            activation=activation,
            linear=linear,
            eps=eps,
            init_scale=init_scale,
        )
        self.W = nn.Parameter(torch.randn(width, dim) / math.sqrt(dim))
        self.b = nn.Parameter(torch.randn(depth, width) * 0.5)
        self.raw_beta = nn.Parameter(torch.full((depth, width), self._raw(1.0)))
        alpha = torch.full((depth, width), self._raw(1.0))
        alpha[-1] = self._raw(init_scale)
        self.raw_alpha = nn.Parameter(alpha)
        self.acts = nn.ModuleList(
            make_activation(activation, (width,), monotone=self.monotone) for _ in range(depth)
        )

    def _raw(self, value: float) -> float:
        return math.log(math.expm1(value)) if self.monotone else value

    def _pos(self, raw: Tensor) -> Tensor:
        return F.softplus(raw) if self.monotone else raw

    def _phi(self, u: Tensor) -> Tensor:
        """The elementwise scalar profile :math:`\\varphi(u)`, ``(..., h) -> (..., h)``."""
        alpha, beta = self._pos(self.raw_alpha), self._pos(self.raw_beta)
        z = beta[0] * (u + self.b[0])
        for layer in range(1, len(self.acts)):
            z = beta[layer] * (u + self.b[layer]) + alpha[layer - 1] * self.acts[layer - 1](z)
        return alpha[-1] * self.acts[-1](z)

    def _field(self, x: Tensor) -> Tensor:
        return self._phi(x @ self.W.T) @ self.W

    def _field_jacobian(self, x: Tensor) -> Tensor:
        u = x @ self.W.T  # phi acts unit by unit, so one forward-mode pass gives phi'(u)
        dphi = torch.func.jvp(self._phi, (u,), (torch.ones_like(u),))[1]
        return torch.matmul(self.W.T, dphi.unsqueeze(-1) * self.W)

    def _potential(self, x: Tensor) -> Tensor:
        return integrate_elementwise(self._phi, x @ self.W.T, *self.quadrature).sum(-1)


class GradNetC(_Cascaded):
    r"""GradNet-C: gradient of a sum of ridge functions :math:`F(x)=\sum_j g_j(w_j^\top x)`
    (free-signed :math:`\alpha, \beta`).

    Parameters
    ----------
    dim : int
        Dimension :math:`d`.
    width : int
        Hidden units :math:`h` (rows of the shared :math:`W`).
    depth : int
        Layers :math:`L`.
    activation : str
        An elementwise activation ("tanh", "sigmoid", "softplus", "wtanh").
    linear, eps, init_scale
        As in :class:`otgrad.nets.GradNetM`.

    Examples
    --------
    >>> import torch, otgrad
    >>> otgrad.nets.GradNetC(2, width=7, depth=4)(torch.zeros(1, 2)).shape
    torch.Size([1, 2])
    """

    monotone = False


class MGradNetC(_Cascaded):
    r"""mGradNet-C: gradient of a sum of convex ridge functions (:math:`\alpha,\beta\ge0`
    by softplus, non-decreasing :math:`\sigma`). Same parameters as :class:`GradNetC`."""

    monotone = True
