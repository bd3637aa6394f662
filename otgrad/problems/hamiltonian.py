r"""Hamiltonian systems with known energies for learning :math:`\nabla H` from states and
time-derivatives: the ideal mass–spring, ideal pendulum and two-body problems of Greydanus,
Dzamba & Yosinski (*Hamiltonian Neural Networks*, NeurIPS 2019) and a chain of coupled
(optionally Fermi–Pasta–Ulam-β non-linear) oscillators of any size.

States are rows :math:`z = (q, p)\in\mathbb{R}^{2n}` (positions first) and the dynamics are
:math:`\dot z = J\nabla H(z)` with :math:`J = \begin{pmatrix}0 & I\\ -I & 0\end{pmatrix}`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._validation import ArrayLike, as_points, check_choice, to_like

__all__ = [
    "SYSTEMS",
    "HamiltonianSystem",
    "MassSpring",
    "OscillatorChain",
    "Pendulum",
    "TwoBody",
    "apply_J",
    "apply_J_transpose",
    "make_system",
]


def apply_J(g: Tensor) -> Tensor:
    r""":math:`Jg` for rows :math:`g = (g_q, g_p)`: :math:`(g_p, -g_q)`, shape ``(n, 2m)``."""
    gq, gp = g.chunk(2, dim=-1)
    return torch.cat([gp, -gq], dim=-1)


def apply_J_transpose(v: Tensor) -> Tensor:
    r""":math:`J^\top v = -Jv`: recovers :math:`\nabla H` from :math:`\dot z`, shape ``(n, 2m)``."""
    vq, vp = v.chunk(2, dim=-1)
    return torch.cat([-vp, vq], dim=-1)


class HamiltonianSystem:
    r"""A Hamiltonian :math:`H(q, p)`, its closed-form gradient and a state sampler.

    Attributes
    ----------
    name : str
    dim : int
        State dimension :math:`2n`.
    separable : bool
        :math:`H = T(p) + V(q)` (leapfrog applies).
    convex : bool
        :math:`H` is convex (mGradNets apply).
    noise : float
        Default standard deviation of the state noise of :meth:`dataset`.
    """

    name: str = ""
    dim: int = 2
    separable: bool = True
    convex: bool = False
    noise: float = 0.0

    def _hamiltonian(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def _grad(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        raise NotImplementedError

    def hamiltonian(self, z: ArrayLike) -> ArrayLike:
        """The energy :math:`H(z)`, shape ``(n,)``."""
        t = as_points(z, "z", self.dim)
        return to_like(self._hamiltonian(t), z)

    def grad(self, z: ArrayLike) -> ArrayLike:
        r""":math:`\nabla H(z)` in closed form, shape ``(n, d)``."""
        t = as_points(z, "z", self.dim)
        return to_like(self._grad(t), z)

    def vector_field(self, z: ArrayLike) -> ArrayLike:
        r""":math:`\dot z = J\nabla H(z)`, shape ``(n, d)``."""
        t = as_points(z, "z", self.dim)
        return to_like(apply_J(self._grad(t)), z)

    def sample_states(self, n: int, seed: int = 0, dtype: torch.dtype | None = None) -> Tensor:
        """``n`` states from the system's data distribution, shape ``(n, d)``."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}")
        generator = torch.Generator().manual_seed(int(seed))
        return self._sample(n, generator).to(dtype or torch.get_default_dtype())

    def dataset(
        self, n: int, noise: float | None = None, seed: int = 0, dtype: torch.dtype | None = None
    ) -> tuple[Tensor, Tensor]:
        r"""Training pairs :math:`(z, \dot z)`, each ``(n, d)``.

        As in Greydanus et al. (2019), :math:`\dot z = J\nabla H(z_0)` is exact at the clean
        state :math:`z_0` and the returned state is :math:`z = z_0 + \text{noise}\cdot\xi`,
        :math:`\xi\sim\mathcal N(0, I)` (``noise=None``: the system's default; 0: exact data).
        """
        noise = self.noise if noise is None else float(noise)
        if noise < 0:
            raise ValueError(f"noise must be >= 0; got {noise}")
        generator = torch.Generator().manual_seed(int(seed))
        z0 = self._sample(n, generator)
        zdot = apply_J(self._grad(z0))
        z = z0 + noise * torch.randn(z0.shape, generator=generator, dtype=z0.dtype)
        dtype = dtype or torch.get_default_dtype()
        return z.to(dtype), zdot.to(dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, convex={self.convex})"


def _ring(n: int, generator: torch.Generator, r_min: float, r_max: float) -> Tensor:
    """Points of the (q, p) plane with radius uniform in [r_min, r_max], shape ``(n, 2)``."""
    r = r_min + (r_max - r_min) * torch.rand(n, generator=generator, dtype=torch.float64)
    theta = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
    return torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)


class MassSpring(HamiltonianSystem):
    r"""Ideal mass–spring, :math:`H = \tfrac12 q^2 + \tfrac12 p^2` (k = m = 1); states on rings of
    radius :math:`U[0.1, 1]`, state noise 0.1 (Greydanus et al., 2019). Convex."""

    name, dim, convex, noise = "mass-spring", 2, True, 0.1

    def _hamiltonian(self, z: Tensor) -> Tensor:
        return 0.5 * (z * z).sum(1)

    def _grad(self, z: Tensor) -> Tensor:
        return z.clone()

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        return _ring(n, generator, 0.1, 1.0)


class Pendulum(HamiltonianSystem):
    r"""Ideal pendulum, :math:`H = 2mgl(1-\cos q) + \frac{l^2p^2}{2m}` with m = l = 1, g = 3;
    states on rings of radius :math:`U[1.3, 2.3]`, noise 0.1 (Greydanus et al., 2019).
    Not convex."""

    name, dim, convex, noise = "pendulum", 2, False, 0.1

    def _hamiltonian(self, z: Tensor) -> Tensor:
        return 6.0 * (1 - torch.cos(z[:, 0])) + 0.5 * z[:, 1] ** 2

    def _grad(self, z: Tensor) -> Tensor:
        return torch.stack([6.0 * torch.sin(z[:, 0]), z[:, 1]], dim=1)

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        return _ring(n, generator, 1.3, 2.3)


class TwoBody(HamiltonianSystem):
    r"""Two bodies in the plane under gravity (m = G = 1),

    .. math:: H = \tfrac12\|p_1\|^2 + \tfrac12\|p_2\|^2 - \frac{1}{\|q_1 - q_2\|},

    state :math:`z = (q_1, q_2, p_1, p_2)\in\mathbb{R}^8`. As in Greydanus et al. (2019): centre of
    mass at the origin, separation :math:`r\sim U[0.5, 1.5]` at a random angle, near-circular
    velocities :math:`\sqrt{1/(2r)}` perturbed by 5 % noise, state noise 0.05. Not convex.
    """

    name, dim, convex, noise = "two-body", 8, False, 0.05

    def _hamiltonian(self, z: Tensor) -> Tensor:
        q1, q2, p = z[:, 0:2], z[:, 2:4], z[:, 4:8]
        return 0.5 * (p * p).sum(1) - 1.0 / (q1 - q2).norm(dim=1)

    def _grad(self, z: Tensor) -> Tensor:
        q1, q2, p = z[:, 0:2], z[:, 2:4], z[:, 4:8]
        diff = q1 - q2
        force = diff / diff.norm(dim=1, keepdim=True) ** 3  # dH/dq1 = (q1 - q2)/|q1 - q2|^3
        return torch.cat([force, -force, p], dim=1)

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        g = generator
        r = 0.5 + torch.rand(n, generator=g, dtype=torch.float64)
        theta = 2 * math.pi * torch.rand(n, generator=g, dtype=torch.float64)
        e = torch.stack([torch.cos(theta), torch.sin(theta)], dim=1)  # q1 - q2 direction
        tangent = torch.stack([-e[:, 1], e[:, 0]], dim=1)
        jitter = 1 + 0.05 * torch.randn(n, generator=g, dtype=torch.float64)
        speed = torch.sqrt(1 / (2 * r)) * jitter
        q1, v1 = 0.5 * r[:, None] * e, speed[:, None] * tangent
        return torch.cat([q1, -q1, v1, -v1], dim=1)


class OscillatorChain(HamiltonianSystem):
    r"""A chain of :math:`n` unit masses with fixed ends (:math:`q_0 = q_{n+1} = 0`),

    .. math::

        H = \sum_{i=1}^n \tfrac12 p_i^2 + \sum_{i=0}^{n}\Big(\tfrac{k}{2}(q_{i+1}-q_i)^2
        + \tfrac{\beta}{4}(q_{i+1}-q_i)^4\Big) + \sum_{i=1}^n \tfrac{k_0}{2} q_i^2,

    linear for :math:`\beta = 0`, Fermi–Pasta–Ulam-β for :math:`\beta > 0`; convex for
    :math:`\beta\ge 0`. States :math:`q, p\sim\mathcal N(0, 0.5^2 I)`; noise 0.01. ``d = 2n``.
    """

    name, convex, noise = "chain", True, 0.01

    def __init__(self, n: int = 32, k: float = 1.0, k0: float = 0.5, beta: float = 1.0) -> None:
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}")
        if k < 0 or k0 < 0:
            raise ValueError(f"need k, k0 >= 0; got {k}, {k0}")
        self.n, self.k, self.k0, self.beta = n, float(k), float(k0), float(beta)
        self.dim = 2 * n
        self.convex = beta >= 0

    def _stretch(self, q: Tensor) -> Tensor:
        """Bond extensions :math:`q_{i+1} - q_i`, i = 0..n, shape ``(m, n + 1)``."""
        zero = q.new_zeros(q.shape[0], 1)
        return torch.diff(torch.cat([zero, q, zero], dim=1), dim=1)

    def _hamiltonian(self, z: Tensor) -> Tensor:
        q, p = z.chunk(2, dim=1)
        s = self._stretch(q)
        bonds = 0.5 * self.k * s**2 + 0.25 * self.beta * s**4
        return 0.5 * (p * p).sum(1) + bonds.sum(1) + 0.5 * self.k0 * (q * q).sum(1)

    def _grad(self, z: Tensor) -> Tensor:
        q, p = z.chunk(2, dim=1)
        s = self._stretch(q)
        tension = self.k * s + self.beta * s**3  # dV/ds_i
        dq = tension[:, :-1] - tension[:, 1:] + self.k0 * q  # q_i enters s_{i-1} (+) and s_i (-)
        return torch.cat([dq, p], dim=1)

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        return 0.5 * torch.randn(n, self.dim, generator=generator, dtype=torch.float64)

    def __repr__(self) -> str:
        return f"OscillatorChain(n={self.n}, beta={self.beta}, dim={self.dim})"


#: system names accepted by :func:`make_system`
SYSTEMS: dict[str, type[HamiltonianSystem]] = {
    "mass-spring": MassSpring,
    "pendulum": Pendulum,
    "two-body": TwoBody,
    "chain": OscillatorChain,
}


def make_system(name: str, **kwargs: float | int) -> HamiltonianSystem:
    """Build the system called ``name`` (see :data:`SYSTEMS`); ``kwargs`` go to the chain.

    Examples
    --------
    >>> from otgrad.problems.hamiltonian import make_system
    >>> make_system("chain", n=4).dim
    8
    """
    return SYSTEMS[check_choice(name, tuple(SYSTEMS), "system")](**kwargs)
