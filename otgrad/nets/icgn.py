r"""Input convex gradient network (ICGN; Richter-Powell, Lorraine & Amos, NeurIPS 2021 workshop,
"Input Convex Gradient Networks"): a monotone gradient field built from a PSD Hessian model."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .._quadrature import gauss_legendre
from .activations import integrate_elementwise
from .base import GradientNet

__all__ = ["ICGN"]


class ICGN(GradientNet):
    r"""ICGN: the line integral of a Gram-matrix Hessian model,

    .. math::

        g(x) = \int_0^1 J_V(tx)^\top J_V(tx)\,x\,dt + c,\qquad V(x) = \sigma(Wx + b),

    with :math:`V:\mathbb{R}^d\to\mathbb{R}^m` a sigmoid layer, so
    :math:`J_V^\top J_V = W^\top\mathrm{diag}(\sigma'(Wx+b)^2)W \succeq 0`. The integral is taken by
    Gauss–Legendre quadrature in :math:`t`. Richter-Powell et al. show that the Gram form is the
    Hessian of a scalar (so :math:`g` is a gradient) for this single-layer :math:`V`; then
    :math:`g(x) = W^\top\varphi(Wx) + c` with :math:`\varphi_j(u) = u\int_0^1\sigma'(tu + b_j)^2dt`,
    elementwise, and :math:`J_g = W^\top\mathrm{diag}(\varphi'(Wx))W` is symmetric PSD (exactly
    symmetric for any rule; PSD up to quadrature error, which ``nodes`` controls).

    Parameters
    ----------
    dim : int
        Dimension :math:`d`.
    width : int
        Output size :math:`m` of :math:`V`.
    nodes : int
        Gauss–Legendre nodes in :math:`t`.
    linear, eps
        Optional strongly convex linear part (see :class:`otgrad.nets.GradientNet`).

    Examples
    --------
    >>> import torch
    >>> from otgrad.nets.icgn import ICGN
    >>> ICGN(3, width=8)(torch.randn(4, 3)).shape
    torch.Size([4, 3])
    """

    monotone = True

    def __init__(
        self, dim: int, width: int = 64, nodes: int = 8, linear: bool = False, eps: float = 1e-3
    ) -> None:
        super().__init__(dim, linear, eps)
        if width < 1 or nodes < 1:
            raise ValueError(f"width and nodes must be >= 1; got {width}, {nodes}")
        self._record(width=width, nodes=nodes, linear=linear, eps=eps)
        self.nodes = nodes
        self.W = nn.Parameter(torch.randn(width, dim) * (2.0 / math.sqrt(dim)))
        self.b = nn.Parameter(torch.randn(width))

    def _phi(self, u: Tensor) -> Tensor:
        r""":math:`\varphi(u) = u\sum_k w_k\,\sigma'(t_k u + b)^2`, ``(..., m) -> (..., m)``."""
        t, w = gauss_legendre(self.nodes, dtype=u.dtype, device=u.device)
        s = torch.sigmoid(t.view(-1, *([1] * u.ndim)) * u + self.b)
        slope_sq = (s * (1 - s)) ** 2
        return u * (w.view(-1, *([1] * u.ndim)) * slope_sq).sum(0)

    def _field(self, x: Tensor) -> Tensor:
        return self._phi(x @ self.W.T) @ self.W

    def _potential(self, x: Tensor) -> Tensor:
        return integrate_elementwise(self._phi, x @ self.W.T).sum(-1)
