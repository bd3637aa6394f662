r"""The common base of every map network: shape checks, an optional strongly convex linear part,
potentials, and the constructor record used to save and reload a net."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from .._validation import check_points

__all__ = ["GradientNet", "LinearPart"]


class LinearPart(nn.Module):
    r"""Strongly convex quadratic :math:`q(x) = \tfrac12 x^\top A x` with
    :math:`A = LL^\top + \varepsilon I`, so :math:`\nabla q(x) = Ax` and
    :math:`A \succeq \varepsilon I`.

    Starts at :math:`A = I`; :meth:`set_matrix` sets it from a given symmetric positive definite
    matrix (e.g. the Gaussian/Bures map between two sample sets).
    """

    def __init__(self, dim: int, eps: float = 1e-3) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f"eps must be > 0 for strong convexity; got {eps}")
        self.eps = float(eps)
        self.L = nn.Parameter(torch.eye(dim) * math.sqrt(max(1.0 - eps, 1e-12)))

    @property
    def matrix(self) -> Tensor:
        """The symmetric positive definite matrix :math:`A`, shape ``(d, d)``."""
        eye = torch.eye(self.L.shape[0], dtype=self.L.dtype, device=self.L.device)
        return self.L @ self.L.T + self.eps * eye

    @torch.no_grad()
    def set_matrix(self, A: Tensor) -> None:
        """Set :math:`A` (symmetrised; eigenvalues below ``eps`` are raised to ``2 eps``)."""
        A = torch.as_tensor(A, dtype=self.L.dtype, device=self.L.device)
        A = 0.5 * (A + A.T)
        evals, evecs = torch.linalg.eigh(A)
        evals = (evals - self.eps).clamp_min(self.eps)
        self.L.copy_(evecs * evals.sqrt())

    def forward(self, x: Tensor) -> Tensor:
        return x @ self.matrix  # A symmetric

    def potential(self, x: Tensor) -> Tensor:
        return 0.5 * ((x @ self.matrix) * x).sum(-1)


class GradientNet(nn.Module):
    r"""Base class of all maps :math:`f:\mathbb{R}^d\to\mathbb{R}^d` in :mod:`otgrad.nets`.

    Subclasses implement ``_field(x)`` (the map without the linear part and bias) and, for
    gradient networks, ``_potential(x)`` with :math:`\nabla\,\_potential = \_field`. The
    full map is

    .. math::

        f(x) = \_field(x) + A x + c,\qquad
        F(x) = \_potential(x) + \tfrac12 x^\top A x + c^\top x,

    where the :class:`LinearPart` :math:`A` is present only with ``linear=True``.

    Attributes
    ----------
    dim : int
        Input and output dimension :math:`d`.
    monotone : bool
        ``True`` if the map is the gradient of a convex function for every parameter value.
    is_gradient : bool
        ``True`` if the map is the gradient of a scalar function (symmetric Jacobian).
    """

    monotone: bool = False
    is_gradient: bool = True

    def __init__(self, dim: int, linear: bool = False, eps: float = 1e-3) -> None:
        super().__init__()
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer; got {dim!r}")
        self.dim = dim
        self.bias = nn.Parameter(torch.zeros(dim))
        self.linear = LinearPart(dim, eps) if linear else None
        self._config: dict[str, Any] = {}

    # -- subclass hooks -------------------------------------------------------------------
    def _field(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _potential(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no potential")

    def _field_jacobian(self, x: Tensor) -> Tensor | None:
        """Closed-form Jacobian of ``_field``, ``(n, d, d)``, or ``None`` (use autograd)."""
        return None

    # -- public -----------------------------------------------------------------------------
    @property
    def strongly_convex(self) -> bool:
        """``True`` when the map is monotone and has a strongly convex linear part."""
        return self.monotone and self.linear is not None

    def forward(self, x: Tensor) -> Tensor:
        """The map :math:`f(x)`, shape ``(n, d)``."""
        check_points(x, "x", self.dim)
        out = self._field(x) + self.bias
        return out if self.linear is None else out + self.linear(x)

    def potential(self, x: Tensor) -> Tensor:
        r"""The scalar potential :math:`F(x)` with :math:`\nabla F = f`, shape ``(n,)``."""
        check_points(x, "x", self.dim)
        out = self._potential(x) + x @ self.bias
        return out if self.linear is None else out + self.linear.potential(x)

    def jacobian(self, x: Tensor) -> Tensor:
        r"""Jacobian :math:`J_f(x)`, ``(n, d, d)``: closed form where the architecture has one,
        else ``torch.func.vmap(jacrev)``."""
        check_points(x, "x", self.dim)
        J = self._field_jacobian(x)
        if J is None:
            return torch.func.vmap(torch.func.jacrev(lambda v: self(v[None])[0]))(x)
        return J if self.linear is None else J + self.linear.matrix

    def config(self) -> dict[str, Any]:
        """Constructor arguments, enough to rebuild the net with ``type(net)(**config)``."""
        return dict(self._config)

    def _record(self, **kwargs: Any) -> None:
        self._config = {"dim": self.dim, **kwargs}

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self._config.items())
