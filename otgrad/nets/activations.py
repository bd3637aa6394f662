r"""Gradient activations :math:`\sigma = \nabla\psi`: fixed or learnable, elementwise or softmax.

Every activation acts on the hidden pre-activations ``z`` of shape ``(..., h)`` and knows its
potential :math:`\Psi(z) = \sum_j \psi(z_j)` (elementwise) or :math:`\Psi(z)` (softmax-type) so
that networks built from it have closed-form potentials. Monotone variants
(``monotone=True``) keep their learnable scales non-negative by construction (softplus), so
:math:`J_\sigma` is positive semidefinite (Chaudhari, Pranav & Moura, *Gradient Networks*,
IEEE TSP 2024, §IV; the weighted tanh / softmax forms follow the authors' public code).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._quadrature import gauss_legendre
from .._validation import check_choice

__all__ = [
    "ACTIVATIONS",
    "ELEMENTWISE",
    "GradientActivation",
    "Fixed",
    "WeightedTanh",
    "Softmax",
    "WeightedSoftmax",
    "make_activation",
    "integrate_elementwise",
]

_INV_SOFTPLUS_ONE = math.log(math.e - 1.0)  # softplus(_INV_SOFTPLUS_ONE) == 1


def _log_cosh(z: Tensor) -> Tensor:
    a = z.abs()
    return a + F.softplus(-2.0 * a) - math.log(2.0)


class GradientActivation(nn.Module):
    r"""Base class: :math:`\sigma = \nabla\Psi` on the last axis.

    Parameters
    ----------
    shape : tuple of int
        Shape of the per-unit learnable parameters, e.g. ``(h,)`` or ``(K, h)``; broadcast
        against the trailing axes of ``z``.
    monotone : bool
        If ``True``, :math:`\Psi` is convex (learnable scales are softplus-parametrised).
    """

    elementwise: bool = True

    def __init__(self, shape: tuple[int, ...], monotone: bool = True) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.monotone = monotone

    def potential(self, z: Tensor) -> Tensor:
        r""":math:`\Psi(z)` summed over the last axis, shape ``z.shape[:-1]``."""
        raise NotImplementedError

    def jacobian_terms(self, z: Tensor) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        r"""Structure of :math:`J_\sigma(z) = \mathrm{diag}(D) - \sum_r s_r\,u_r u_r^\top`.

        Returns ``D`` (shape of ``z``) and the list of rank-one terms ``(s_r, u_r)`` with ``s_r``
        broadcastable to ``z.shape[:-1] + (1,)``; used for closed-form network Jacobians.
        """
        t = torch.ones_like(z)
        return torch.func.jvp(self.forward, (z,), (t,))[1], []

    def _scale(self, raw: Tensor) -> Tensor:
        return F.softplus(raw) if self.monotone else raw

    def _init_scale(self, value: float) -> float:
        """The raw parameter value whose scale equals ``value``."""
        return math.log(math.expm1(value)) if self.monotone else value


class Fixed(GradientActivation):
    r"""A fixed, non-decreasing elementwise activation (tanh, sigmoid, softplus, identity).

    Closed-form antiderivatives: :math:`\log\cosh z` (tanh), :math:`\mathrm{softplus}(z)`
    (sigmoid), :math:`z^2/2` (identity); softplus uses a 1-D Gauss–Legendre rule.
    """

    _FUNCTIONS = {
        "tanh": (torch.tanh, _log_cosh),
        "sigmoid": (torch.sigmoid, F.softplus),
        "softplus": (F.softplus, None),
        "identity": (lambda z: z, lambda z: 0.5 * z * z),
    }

    def __init__(self, name: str, shape: tuple[int, ...] = (), monotone: bool = True) -> None:
        super().__init__(shape, monotone)
        self.name = check_choice(name, tuple(self._FUNCTIONS), "activation")
        self._fn, self._antiderivative = self._FUNCTIONS[self.name]

    def forward(self, z: Tensor) -> Tensor:
        return self._fn(z)

    def antiderivative(self, z: Tensor) -> Tensor:
        r"""Elementwise :math:`\psi(z) = \int_0^z \sigma(s)\,ds` (up to a constant)."""
        if self._antiderivative is not None:
            return self._antiderivative(z)
        return integrate_elementwise(self._fn, z)

    def potential(self, z: Tensor) -> Tensor:
        return self.antiderivative(z).sum(-1)

    def extra_repr(self) -> str:
        return self.name


class WeightedTanh(GradientActivation):
    r"""Learnable :math:`\sigma(z) = a\tanh z + b\,(z - \tanh z)` per unit.

    :math:`\sigma'(z) = a\,\mathrm{sech}^2 z + b\tanh^2 z \ge 0` when :math:`a, b \ge 0`
    (monotone); :math:`\psi(z) = a\log\cosh z + b\,(z^2/2 - \log\cosh z)`.
    """

    def __init__(self, shape: tuple[int, ...], monotone: bool = True) -> None:
        super().__init__(shape, monotone)
        self.raw_a = nn.Parameter(torch.full(self.shape, self._init_scale(1.0)))
        self.raw_b = nn.Parameter(torch.full(self.shape, self._init_scale(0.1)))

    def forward(self, z: Tensor) -> Tensor:
        t = torch.tanh(z)
        return self._scale(self.raw_a) * t + self._scale(self.raw_b) * (z - t)

    def antiderivative(self, z: Tensor) -> Tensor:
        lc = _log_cosh(z)
        return self._scale(self.raw_a) * lc + self._scale(self.raw_b) * (0.5 * z * z - lc)

    def potential(self, z: Tensor) -> Tensor:
        return self.antiderivative(z).sum(-1)


class Softmax(GradientActivation):
    r""":math:`\sigma(z) = \mathrm{softmax}(z) = \nabla\,\mathrm{LSE}(z)` over the last axis.

    Not elementwise; :math:`J_\sigma = \mathrm{diag}(p) - pp^\top` is symmetric PSD.
    """

    elementwise = False

    def forward(self, z: Tensor) -> Tensor:
        return torch.softmax(z, dim=-1)

    def jacobian_terms(self, z: Tensor) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        p = torch.softmax(z, dim=-1)
        return p, [(torch.ones_like(p[..., :1]), p)]

    def potential(self, z: Tensor) -> Tensor:
        return torch.logsumexp(z, dim=-1)


class WeightedSoftmax(GradientActivation):
    r"""Learnable :math:`\sigma(z) = a\,\mathrm{softmax}(z) - b\,\mathrm{softmax}(-z)`.

    The gradient of :math:`a\,\mathrm{LSE}(z) + b\,\mathrm{LSE}(-z)`, convex for
    :math:`a, b \ge 0`. ``shape`` holds one ``(a, b)`` per softmax group (e.g. ``(K, 1)``).
    """

    elementwise = False

    def __init__(self, shape: tuple[int, ...], monotone: bool = True) -> None:
        super().__init__(shape, monotone)
        self.raw_a = nn.Parameter(torch.full(self.shape, self._init_scale(1.0)))
        self.raw_b = nn.Parameter(torch.full(self.shape, self._init_scale(1.0)))

    def forward(self, z: Tensor) -> Tensor:
        a, b = self._scale(self.raw_a), self._scale(self.raw_b)
        return a * torch.softmax(z, dim=-1) - b * torch.softmax(-z, dim=-1)

    def jacobian_terms(self, z: Tensor) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        a, b = self._scale(self.raw_a), self._scale(self.raw_b)
        p, q = torch.softmax(z, dim=-1), torch.softmax(-z, dim=-1)
        return a * p + b * q, [(a, p), (b, q)]

    def potential(self, z: Tensor) -> Tensor:
        a, b = self._scale(self.raw_a)[..., 0], self._scale(self.raw_b)[..., 0]
        return a * torch.logsumexp(z, dim=-1) + b * torch.logsumexp(-z, dim=-1)


#: activation names -> elementwise?
ACTIVATIONS: dict[str, bool] = {
    "tanh": True,
    "sigmoid": True,
    "softplus": True,
    "wtanh": True,
    "softmax": False,
    "wsoftmax": False,
}
ELEMENTWISE = tuple(k for k, v in ACTIVATIONS.items() if v)


def make_activation(name: str, shape: tuple[int, ...], monotone: bool = True) -> GradientActivation:
    """Build the activation called ``name`` with per-unit parameters of ``shape``.

    ``shape`` is ``(..., h)``; softmax-type activations keep one scale per group
    (``shape[:-1] + (1,)``).
    """
    name = check_choice(name, tuple(ACTIVATIONS), "activation")
    if name == "wtanh":
        return WeightedTanh(shape, monotone)
    if name == "softmax":
        return Softmax(shape, monotone)
    if name == "wsoftmax":
        return WeightedSoftmax(tuple(shape[:-1]) + (1,), monotone)
    return Fixed(name, shape, monotone)


def integrate_elementwise(fn, z: Tensor, nodes: int = 16, panels: int = 4) -> Tensor:
    r"""Elementwise :math:`\int_0^{z} \mathrm{fn}(s)\,ds = z\int_0^1 \mathrm{fn}(tz)\,dt` by
    composite Gauss–Legendre (``nodes × panels`` evaluations), differentiable in ``z``."""
    t, w = gauss_legendre(nodes, panels, dtype=z.dtype, device=z.device)
    shape = (-1,) + (1,) * z.ndim  # quadrature axis first, so fn broadcasts on the last axis
    values = fn(t.view(shape) * z)
    return z * (w.view(shape) * values).sum(0)
