r"""Jacobians, monotonicity certificates, path-integral potentials, inverses and conjugates of
gradient maps :math:`f = \nabla F`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from ._quadrature import gauss_legendre
from ._validation import check_points
from .nets.base import GradientNet

__all__ = [
    "MonotonicityReport",
    "NotConvergedError",
    "check_monotone",
    "conjugate",
    "inverse",
    "jacobian",
    "path_potential",
]

Field = Callable[[Tensor], Tensor]


def jacobian(net: Field, x: Tensor) -> Tensor:
    r"""Batched Jacobian :math:`J_f(x_i) = \partial f(x_i)/\partial x`, shape ``(n, d, d)``.

    Uses ``torch.func.vmap(jacrev)``; differentiable (the result can be backpropagated).

    Examples
    --------
    >>> import torch, otgrad
    >>> net = otgrad.nets.MGradNetM(3, width=4, modules=2)
    >>> otgrad.jacobian(net, torch.randn(5, 3)).shape
    torch.Size([5, 3, 3])
    """
    x = _tensor_for(net, x)
    check_points(x, "x")
    if isinstance(net, GradientNet):
        return net.jacobian(x)

    def single(xi: Tensor) -> Tensor:
        return net(xi.unsqueeze(0)).squeeze(0)

    return torch.func.vmap(torch.func.jacrev(single))(x)


def _tensor_for(net: Field, x: Tensor | np.ndarray) -> Tensor:
    """``x`` as a tensor on the net's device and dtype (numpy arrays are accepted)."""
    if isinstance(x, Tensor):
        return x
    ref = next(iter(net.parameters()), None) if isinstance(net, nn.Module) else None
    if ref is None:
        return torch.as_tensor(x)
    return torch.as_tensor(np.asarray(x), dtype=ref.dtype, device=ref.device)


@dataclass(frozen=True)
class MonotonicityReport:
    r"""Certificate of a map on test points.

    Attributes
    ----------
    symmetry_error : float
        :math:`\max_i \|J_i - J_i^\top\|_F / \max(1, \|J_i\|_F)`.
    min_eigenvalue : float
        :math:`\min_i \lambda_{\min}\big((J_i + J_i^\top)/2\big)`.
    is_gradient : bool
        Symmetry error below ``tol``.
    monotone : bool
        Gradient and ``min_eigenvalue >= -tol``.
    tol : float
        Tolerance used for both verdicts.
    """

    symmetry_error: float
    min_eigenvalue: float
    is_gradient: bool
    monotone: bool
    tol: float

    def __bool__(self) -> bool:
        return self.monotone


def check_monotone(net: Field, x: Tensor, tol: float | None = None) -> MonotonicityReport:
    r"""Check that ``net`` is a gradient (symmetric Jacobian) of a convex function (PSD) at ``x``.

    ``tol`` defaults to ``1e-6`` in float64 and ``1e-4`` in float32 (relative to
    :math:`\|J\|`).
    """
    with torch.no_grad():
        J = jacobian(net, x)
    tol = tol if tol is not None else (1e-6 if J.dtype == torch.float64 else 1e-4)
    scale = torch.linalg.matrix_norm(J).clamp_min(1.0)
    sym_err = (torch.linalg.matrix_norm(J - J.transpose(1, 2)) / scale).max().item()
    min_eig = torch.linalg.eigvalsh(0.5 * (J + J.transpose(1, 2))).min().item()
    threshold = tol * scale.max().item()
    return MonotonicityReport(
        symmetry_error=sym_err,
        min_eigenvalue=min_eig,
        is_gradient=sym_err <= tol,
        monotone=sym_err <= tol and min_eig >= -threshold,
        tol=tol,
    )


def path_potential(
    field: Field, x: Tensor, x0: Tensor | None = None, nodes: int = 16, panels: int = 4
) -> Tensor:
    r"""Potential of a gradient field by the path integral along segments from ``x0``:

    .. math:: F(x) - F(x_0) = \int_0^1 \langle f(x_0 + t(x - x_0)),\, x - x_0\rangle\,dt,

    by composite Gauss–Legendre in :math:`t`; differentiable in the field's parameters. Exact
    up to quadrature when ``field`` is a gradient (math.md §1).
    """
    check_points(x, "x")
    x0 = torch.zeros_like(x[:1]) if x0 is None else x0.expand_as(x)
    t, w = gauss_legendre(nodes, panels, dtype=x.dtype, device=x.device)
    dx = x - x0
    pts = x0.unsqueeze(0) + t[:, None, None] * dx.unsqueeze(0)  # (K, n, d)
    vals = field(pts.reshape(-1, x.shape[1])).reshape(pts.shape)
    return torch.einsum("k,knd,nd->n", w, vals, dx)


class NotConvergedError(RuntimeError):
    """Raised when the inverse map does not reach its tolerance within ``max_iter`` steps."""


def _default_tol(dtype: torch.dtype) -> float:
    return 1e-10 if dtype == torch.float64 else 1e-5


def inverse(
    net: Field,
    y: Tensor,
    x0: Tensor | None = None,
    tol: float | None = None,
    max_iter: int = 50,
    raise_on_failure: bool = True,
) -> Tensor:
    r"""Solve :math:`f(x) = y` for a strongly monotone gradient map, row by row.

    :math:`x^\star = (\nabla F)^{-1}(y) = \nabla F^*(y) = \arg\min_x F(x) - \langle x, y\rangle`.
    Damped Newton: :math:`x \leftarrow x - \lambda J(x)^{-1}(f(x) - y)` with the symmetric
    positive definite Jacobian, and per-row backtracking on :math:`\|f(x) - y\|^2` (the Newton
    direction is a descent direction for it). Converges quadratically near the solution.

    Parameters
    ----------
    net : callable
        The map :math:`f`, ``(n, d) -> (n, d)``, strongly monotone (e.g. an mGradNet with
        ``linear=True``).
    y : Tensor
        Targets, ``(n, d)``.
    x0 : Tensor, optional
        Warm start (default ``y``).
    tol : float, optional
        Stop when :math:`\max_i\|f(x_i) - y_i\| \le \mathrm{tol}\,(1 + \|y_i\|)`
        (default ``1e-10`` in float64, ``1e-5`` in float32).
    max_iter : int
        Newton iteration cap.
    raise_on_failure : bool
        Raise :class:`NotConvergedError` if the tolerance is not met (else return the iterate).

    Returns
    -------
    Tensor
        :math:`x^\star`, ``(n, d)``, detached from the graph.
    """
    check_points(y, "y")
    tol = tol if tol is not None else _default_tol(y.dtype)
    y = y.detach()
    x = (y if x0 is None else x0).detach().clone()
    bound = tol * (1.0 + y.norm(dim=1))
    with torch.no_grad():
        r = net(x) - y
    for _ in range(max_iter):
        rn = r.norm(dim=1)
        if bool((rn <= bound).all()):
            return x
        with torch.no_grad():
            J = jacobian(net, x)
            step = torch.linalg.solve(J, r.unsqueeze(-1)).squeeze(-1)
            x, r = _backtrack(net, y, x, r, step)
    if raise_on_failure:
        worst = (r.norm(dim=1) / (1.0 + y.norm(dim=1))).max().item()
        raise NotConvergedError(
            f"inverse did not converge in {max_iter} Newton steps (worst relative residual "
            f"{worst:.3e} > tol {tol:.1e}); is the map strongly monotone (linear=True)?"
        )
    return x


def _backtrack(
    net: Field, y: Tensor, x: Tensor, r: Tensor, step: Tensor, shrink: float = 0.5, tries: int = 20
) -> tuple[Tensor, Tensor]:
    """Per-row backtracking on ``||f(x) - y||``: halve the step until the residual decreases."""
    lam = torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)
    old = r.norm(dim=1)
    todo = torch.ones(x.shape[0], dtype=torch.bool, device=x.device)
    x_new, r_new = x.clone(), r.clone()
    for _ in range(tries):
        cand = x - lam * step
        r_cand = net(cand) - y
        ok = todo & (r_cand.norm(dim=1) < old)
        x_new[ok], r_new[ok] = cand[ok], r_cand[ok]
        todo &= ~ok
        if not bool(todo.any()):
            break
        lam[todo] *= shrink
    return x_new, r_new


def conjugate(net: nn.Module, y: Tensor, x: Tensor | None = None, **inverse_kwargs) -> Tensor:
    r"""Convex conjugate :math:`F^*(y) = \langle x^\star, y\rangle - F(x^\star)`,
    :math:`x^\star = (\nabla F)^{-1}(y)`, shape ``(n,)``.

    Differentiable in the parameters of ``net`` (envelope theorem: :math:`x^\star` is held
    fixed, :math:`\partial_\theta F^*(y) = -\partial_\theta F(x^\star)`). Pass ``x`` to reuse an
    inverse already computed.
    """
    x = inverse(net, y, **inverse_kwargs) if x is None else x.detach()
    return (x * y).sum(-1) - net.potential(x)
