r"""Time integrators for :math:`\dot z = f(z)` on batches of states: Störmer–Verlet (leapfrog) for
separable Hamiltonians, the implicit midpoint rule for any Hamiltonian field, and classical RK4
as a non-symplectic reference (Hairer, Lubich & Wanner, *Geometric Numerical Integration*, 2006).

All take ``z0`` of shape ``(m, d)`` and return the trajectory ``(steps // every + 1, m, d)``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from .problems.hamiltonian import apply_J

__all__ = ["hamiltonian_field", "implicit_midpoint", "leapfrog", "rk4"]

Field = Callable[[Tensor], Tensor]


def hamiltonian_field(grad: Field) -> Field:
    r"""The vector field :math:`z\mapsto J\nabla H(z)` of a gradient model ``grad``."""
    return lambda z: apply_J(grad(z))


def _check(z0: Tensor, dt: float, steps: int, every: int) -> None:
    if not isinstance(z0, Tensor) or z0.ndim != 2:
        raise ValueError("z0 must be a torch tensor of shape (m, d)")
    if dt <= 0 or steps < 0 or every < 1:
        raise ValueError(f"need dt > 0, steps >= 0, every >= 1; got {dt}, {steps}, {every}")


def _integrate(step: Callable[[Tensor], Tensor], z0: Tensor, steps: int, every: int) -> Tensor:
    out, z = [z0], z0
    with torch.no_grad():
        for k in range(1, steps + 1):
            z = step(z)
            if k % every == 0:
                out.append(z)
    return torch.stack(out)


def leapfrog(grad: Field, z0: Tensor, dt: float, steps: int, every: int = 1) -> Tensor:
    r"""Störmer–Verlet for a separable :math:`H(q, p) = T(p) + V(q)`:

    .. math::

        p_{1/2} = p - \tfrac{h}{2}\partial_q H(q),\quad
        q' = q + h\,\partial_p H(p_{1/2}),\quad
        p' = p_{1/2} - \tfrac{h}{2}\partial_q H(q').

    Symplectic and time-reversible, second order; energy errors stay bounded, :math:`O(h^2)`,
    over exponentially long times. ``grad`` maps ``(m, d) -> (m, d)`` (:math:`\nabla H`); only
    its :math:`q`-part at the current positions and its :math:`p`-part at the current momenta are
    used, which is exact only when :math:`H` separates.
    """
    _check(z0, dt, steps, every)
    n = z0.shape[1] // 2

    def step(z: Tensor) -> Tensor:
        q, p = z[:, :n], z[:, n:]
        p = p - 0.5 * dt * grad(z)[:, :n]
        q = q + dt * grad(torch.cat([q, p], dim=1))[:, n:]
        z = torch.cat([q, p], dim=1)
        return torch.cat([q, p - 0.5 * dt * grad(z)[:, :n]], dim=1)

    return _integrate(step, z0, steps, every)


def implicit_midpoint(
    field: Field,
    z0: Tensor,
    dt: float,
    steps: int,
    every: int = 1,
    iters: int = 50,
    tol: float = 1e-10,
) -> Tensor:
    r"""The implicit midpoint rule :math:`z' = z + h\,f\big(\tfrac{z + z'}{2}\big)`.

    Symplectic for any Hamiltonian field :math:`f = J\nabla H` (separable or not), second order,
    and it conserves quadratic invariants exactly. The implicit equation is solved by fixed-point
    iteration (converges when :math:`h\,\mathrm{Lip}(f) < 2`) from an explicit-Euler guess, until
    the update is below ``tol`` (max-norm) or after ``iters`` iterations.
    """
    _check(z0, dt, steps, every)

    def step(z: Tensor) -> Tensor:
        new = z + dt * field(z)
        for _ in range(iters):
            nxt = z + dt * field(0.5 * (z + new))
            done = (nxt - new).abs().max() <= tol
            new = nxt
            if done:
                break
        return new

    return _integrate(step, z0, steps, every)


def rk4(field: Field, z0: Tensor, dt: float, steps: int, every: int = 1) -> Tensor:
    r"""Classical fourth-order Runge–Kutta (not symplectic: energy drifts, by
    :math:`O(h^4)` per unit time)."""
    _check(z0, dt, steps, every)

    def step(z: Tensor) -> Tensor:
        k1 = field(z)
        k2 = field(z + 0.5 * dt * k1)
        k3 = field(z + 0.5 * dt * k2)
        k4 = field(z + dt * k3)
        return z + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    return _integrate(step, z0, steps, every)
