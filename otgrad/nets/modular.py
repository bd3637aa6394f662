r"""Modular gradient networks GradNet-M and mGradNet-M (Chaudhari, Pranav & Moura, IEEE TSP 2024).

.. math::

    f(x) = \sum_{k=1}^K \alpha_k\, W_k^\top \sigma_k\big(\beta_k (W_k x + b_k)\big) + c,
    \qquad
    F(x) = c^\top x + \sum_k \frac{\alpha_k}{\beta_k}\,\Psi_k\big(\beta_k(W_k x + b_k)\big),

with :math:`W_k \in \mathbb{R}^{h\times d}` and :math:`\sigma_k = \nabla\Psi_k`. The Jacobian
:math:`\sum_k \alpha_k\beta_k W_k^\top J_{\sigma_k} W_k` is symmetric; with
:math:`\alpha_k, \beta_k \ge 0` and convex :math:`\Psi_k` it is PSD (mGradNet-M). With softmax
activations the potential is a transformed sum of ridge functions (log-sum-exp).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .activations import make_activation
from .base import GradientNet

__all__ = ["GradNetM", "MGradNetM"]


class _Modular(GradientNet):
    def __init__(
        self,
        dim: int,
        width: int = 64,
        modules: int = 4,
        activation: str = "softmax",
        linear: bool = False,
        eps: float = 1e-3,
        init_scale: float = 1.0,
    ) -> None:
        super().__init__(dim, linear, eps)
        if width < 1 or modules < 1:
            raise ValueError(f"width and modules must be >= 1; got {width}, {modules}")
        self._record(
            width=width,
            modules=modules,
            activation=activation,
            linear=linear,
            eps=eps,
            init_scale=init_scale,
        )
        self.W = nn.Parameter(torch.randn(modules, width, dim) / math.sqrt(dim))
        self.b = nn.Parameter(torch.randn(modules, width) * 0.5)
        self.raw_beta = nn.Parameter(torch.zeros(modules))  # beta = softplus(raw) > 0
        alpha0 = init_scale / modules
        raw_alpha = math.log(math.expm1(alpha0)) if self.monotone else alpha0
        self.raw_alpha = nn.Parameter(torch.full((modules,), raw_alpha))
        self.act = make_activation(activation, (modules, width), monotone=self.monotone)

    @property
    def alpha(self) -> Tensor:
        return F.softplus(self.raw_alpha) if self.monotone else self.raw_alpha

    @property
    def beta(self) -> Tensor:
        return F.softplus(self.raw_beta)

    def _pre(self, x: Tensor) -> Tensor:
        u = torch.einsum("khd,nd->nkh", self.W, x) + self.b
        return self.beta[:, None] * u

    def _field(self, x: Tensor) -> Tensor:
        s = self.act(self._pre(x)) * self.alpha[:, None]
        return torch.einsum("nkh,khd->nd", s, self.W)

    def _field_jacobian(self, x: Tensor) -> Tensor:
        # sum_k alpha_k beta_k W_k^T (diag(D_k) - sum_r s_r u_r u_r^T) W_k
        scale = (self.alpha * self.beta)[:, None]
        diag, low_rank = self.act.jacobian_terms(self._pre(x))
        W = self.W.reshape(-1, self.dim)  # (K h, d)
        weighted = (diag * scale).reshape(x.shape[0], -1, 1) * W  # (n, K h, d)
        J = torch.matmul(W.T, weighted)
        for s, u in low_rank:
            v = torch.einsum("nkh,khd->nkd", u, self.W)
            J = J - torch.einsum("nkd,nke->nde", v * (s * scale), v)
        return J

    def _potential(self, x: Tensor) -> Tensor:
        return (self.act.potential(self._pre(x)) * (self.alpha / self.beta)).sum(-1)


class GradNetM(_Modular):
    r"""GradNet-M: gradient of an arbitrary function (free-signed :math:`\alpha_k`, free
    activation scales). Symmetric Jacobian for every parameter value.

    Parameters
    ----------
    dim : int
        Dimension :math:`d`.
    width : int
        Hidden units :math:`h` per module.
    modules : int
        Number of modules :math:`K`.
    activation : str
        One of ``otgrad.nets.ACTIVATIONS`` ("softmax", "wsoftmax", "tanh", "wtanh", ...).
    linear : bool
        Add a strongly convex linear part :math:`Ax`, :math:`A = LL^\top + \varepsilon I`.
    eps : float
        :math:`\varepsilon` of the linear part.
    init_scale : float
        Initial :math:`\sum_k \alpha_k`; small values start the net near :math:`f(x) = Ax + c`.

    Examples
    --------
    >>> import torch, otgrad
    >>> net = otgrad.nets.GradNetM(3, width=8, modules=2)
    >>> net(torch.randn(5, 3)).shape
    torch.Size([5, 3])
    """

    monotone = False


class MGradNetM(_Modular):
    r"""mGradNet-M: gradient of a convex function (:math:`\alpha_k, \beta_k \ge 0` by softplus,
    convex :math:`\Psi_k`), hence a Brenier map. Same parameters as :class:`GradNetM`.

    Examples
    --------
    >>> import torch, otgrad
    >>> net = otgrad.nets.MGradNetM(3, width=8, modules=2, linear=True)
    >>> bool(otgrad.check_monotone(net, torch.randn(20, 3)).monotone)
    True
    """

    monotone = True
