r"""Gradient-field regression problems with known potentials: the 2-D fields and PolyMax of
Chaudhari, Pranav & Moura (*Gradient Networks*, IEEE TSP 2024) and two random families of ours.

Each problem is a :class:`GradientField`: ``sample(n, seed)`` draws inputs from the problem's
domain, ``potential(x)`` is :math:`F(x)` (shape ``(n,)``) and ``gradient(x)`` its closed-form
gradient :math:`\nabla F(x)` (shape ``(n, d)``). The paper's error metric is
:func:`otgrad.metrics.gradient_error_db`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from .._validation import ArrayLike, as_points, check_choice, to_like

__all__ = [
    "FIELDS",
    "Convex2D",
    "GradientField",
    "LogSumExpField",
    "NonConvex2D",
    "PolyMax",
    "RidgeField",
    "make_field",
]


class GradientField:
    r"""A scalar potential :math:`F:\mathbb{R}^d\to\mathbb{R}` and its gradient, with a sampler.

    Subclasses set ``name``, ``dim``, ``convex`` and implement ``_potential``, ``_gradient``
    (torch, ``(n, d)`` in) and ``_sample``. ``potential`` and ``gradient`` accept numpy or
    torch and answer in the same container type.
    """

    name: str = ""
    dim: int = 0
    convex: bool = False

    def _potential(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _gradient(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        return torch.rand(n, self.dim, generator=generator, dtype=torch.float64)

    def sample(self, n: int, seed: int = 0, dtype: torch.dtype | None = None) -> Tensor:
        """``n`` points of the problem's domain, shape ``(n, d)``, reproducible from ``seed``."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}")
        generator = torch.Generator().manual_seed(int(seed))
        return self._sample(n, generator).to(dtype or torch.get_default_dtype())

    def pairs(
        self, dtype: torch.dtype = torch.float32
    ) -> Callable[[int, torch.Generator], tuple[Tensor, Tensor]]:
        r"""A sampler of fresh training pairs :math:`(x, \nabla F(x))` for
        :func:`otgrad.regress.fit_field`: ``(batch_size, generator) -> (x, y)``, cast to ``dtype``
        (computed in float64)."""

        def sample(n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
            x = self._sample(n, generator)
            return x.to(dtype), self._gradient(x).to(dtype)

        return sample

    def potential(self, x: ArrayLike) -> ArrayLike:
        """:math:`F(x)`, shape ``(n,)``."""
        t = as_points(x, "x", self.dim)
        return to_like(self._potential(t), x)

    def gradient(self, x: ArrayLike) -> ArrayLike:
        r""":math:`\nabla F(x)` in closed form, shape ``(n, d)``."""
        t = as_points(x, "x", self.dim)
        return to_like(self._gradient(t), x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, convex={self.convex})"


class Convex2D(GradientField):
    r"""The paper's 2-D convex potential on :math:`[0,1]^2` (Chaudhari et al., 2024, §VI-A):

    .. math:: F(x) = x_1^4 + \tfrac12 x_1^2 + \tfrac12 x_1x_2 + \tfrac32 x_2^2 - \tfrac13 x_2^3,

    with Hessian :math:`\begin{pmatrix}12x_1^2+1 & 1/2\\ 1/2 & 3-2x_2\end{pmatrix}\succ 0` there.
    """

    name, dim, convex = "convex2d", 2, True

    def _potential(self, x: Tensor) -> Tensor:
        x1, x2 = x[:, 0], x[:, 1]
        return x1**4 + x1**2 / 2 + x1 * x2 / 2 + 1.5 * x2**2 - x2**3 / 3

    def _gradient(self, x: Tensor) -> Tensor:
        x1, x2 = x[:, 0], x[:, 1]
        return torch.stack([4 * x1**3 + x1 + x2 / 2, x1 / 2 + 3 * x2 - x2**2], dim=1)


class NonConvex2D(GradientField):
    r"""The paper's 2-D non-convex potential on :math:`[0,1]^2`:

    .. math:: G(x) = \tfrac14\sin(2\pi x_1)\cos(\pi x_2) + \tfrac12 x_1x_2 - \tfrac12 x_2^2.
    """

    name, dim, convex = "nonconvex2d", 2, False

    def _potential(self, x: Tensor) -> Tensor:
        x1, x2 = x[:, 0], x[:, 1]
        return torch.sin(2 * math.pi * x1) * torch.cos(math.pi * x2) / 4 + x1 * x2 / 2 - x2**2 / 2

    def _gradient(self, x: Tensor) -> Tensor:
        x1, x2 = x[:, 0], x[:, 1]
        g1 = math.pi / 2 * torch.cos(2 * math.pi * x1) * torch.cos(math.pi * x2) + x2 / 2
        g2 = -math.pi / 4 * torch.sin(2 * math.pi * x1) * torch.sin(math.pi * x2) + x1 / 2 - x2
        return torch.stack([g1, g2], dim=1)


def _polymax_matrices(dim: int) -> Tensor:
    """The three symmetric matrices S, P, Q of PolyMax, shape ``(3, d, d)``, float64."""
    i = torch.arange(1, dim + 1, dtype=torch.float64)
    alpha = (i[:, None] + i[None, :] - 2) / (2 * dim - 2)
    D = math.log(dim) * (1 + (i[:, None] - i[None, :]).abs())
    S = (2 + torch.sin(4 * math.pi * alpha)) / D
    P = (1 + 2 * alpha) / D
    Q = (3 - 2 * alpha) / D
    return torch.stack([S, P, Q])


class PolyMax(GradientField):
    r"""PolyMax (Chaudhari et al., 2024, §VI-A): the pointwise maximum of three quadratics on
    :math:`[0,1]^d`,

    .. math::

        F(x) = \frac1c \max_{A\in\{S,P,Q\}} (x-\tfrac12)^\top A\,(x-\tfrac12),\qquad
        \nabla F(x) = \frac2c A_{k(x)}(x - \tfrac12),

    with :math:`\alpha_{ij} = (i+j-2)/(2d-2)`, :math:`D_{ij} = \log(d)(1+|i-j|)`,
    :math:`S_{ij} = (2+\sin 4\pi\alpha_{ij})/D_{ij}`, :math:`P_{ij} = (1+2\alpha_{ij})/D_{ij}`,
    :math:`Q_{ij} = (3-2\alpha_{ij})/D_{ij}` (1-based :math:`i, j`), :math:`k(x)` the maximiser
    and :math:`c` the mean of :math:`\|\nabla\max(\cdot)\|` over 10,000 uniform points (fixed seed
    0), so the field has mean norm 1. ``convex`` is ``True`` when S, P and Q are all PSD.
    """

    name = "polymax"

    def __init__(self, dim: int = 256) -> None:
        if not isinstance(dim, int) or dim < 2:
            raise ValueError(f"PolyMax needs an integer dim >= 2; got {dim!r}")
        self.dim = dim
        self._A = _polymax_matrices(dim)
        self.convex = bool(torch.linalg.eigvalsh(self._A).min() >= -1e-10)
        self.scale = 1.0
        x = self._sample(10_000, torch.Generator().manual_seed(0))
        self.scale = float(self._gradient(x).norm(dim=1).mean())

    def _quadratics(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Centred ``x - 1/2`` and ``A_k (x - 1/2)`` for k = S, P, Q: ``(n, d)``, ``(3, n, d)``."""
        xc = x - 0.5
        return xc, torch.einsum("kij,nj->kni", self._A.to(x), xc)

    def _potential(self, x: Tensor) -> Tensor:
        xc, Ax = self._quadratics(x)
        return (Ax * xc).sum(-1).max(0).values / self.scale

    def _gradient(self, x: Tensor) -> Tensor:
        xc, Ax = self._quadratics(x)
        k = (Ax * xc).sum(-1).argmax(0)
        return 2 * Ax[k, torch.arange(x.shape[0])] / self.scale


def _unit_rows(generator: torch.Generator, rows: int, dim: int) -> Tensor:
    w = torch.randn(rows, dim, generator=generator, dtype=torch.float64)
    return w / w.norm(dim=1, keepdim=True)


class _StandardNormalDomain(GradientField):
    """Random families: inputs :math:`x\\sim\\mathcal N(0, I_d)`, field normalised so that
    :math:`\\mathrm{mean}\\,\\|\\nabla F\\|^2 = 1` (so 0 dB is the error of predicting zero)."""

    def _sample(self, n: int, generator: torch.Generator) -> Tensor:
        return torch.randn(n, self.dim, generator=generator, dtype=torch.float64)

    def _normalise(self, seed: int) -> None:
        self.scale = 1.0
        x = self._sample(10_000, torch.Generator().manual_seed(seed + 1))
        self.scale = float(self._gradient(x).pow(2).sum(1).mean().sqrt())


class LogSumExpField(_StandardNormalDomain):
    r"""Convex family: a smoothed maximum of random affine maps plus a small quadratic,

    .. math::

        F(x) = \frac1s\Big(\tau\log\sum_{k=1}^K \exp\!\big((a_k^\top x + b_k)/\tau\big)
        + \tfrac{\mu}{2}\|x\|^2\Big),\qquad
        \nabla F(x) = \frac1s\big(A^\top\mathrm{softmax}((Ax+b)/\tau) + \mu x\big),

    with :math:`a_k` uniform on the sphere of radius 2, :math:`b_k\sim\mathcal N(0,1)`,
    :math:`K = 2d`, :math:`\tau = 0.5`, :math:`\mu = 0.1`, and :math:`s` normalising the mean
    squared gradient norm to 1.
    """

    name, convex = "lse", True

    def __init__(
        self, dim: int = 16, seed: int = 0, pieces: int | None = None, tau: float = 0.5,
        mu: float = 0.1,
    ) -> None:
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer; got {dim!r}")
        if tau <= 0 or mu < 0:
            raise ValueError(f"need tau > 0 and mu >= 0; got tau={tau}, mu={mu}")
        self.dim, self.tau, self.mu = dim, float(tau), float(mu)
        g = torch.Generator().manual_seed(int(seed))
        k = pieces or 2 * dim
        self._A = 2.0 * _unit_rows(g, k, dim)
        self._b = torch.randn(k, generator=g, dtype=torch.float64)
        self._normalise(int(seed))

    def _logits(self, x: Tensor) -> Tensor:
        return (x @ self._A.to(x).T + self._b.to(x)) / self.tau

    def _potential(self, x: Tensor) -> Tensor:
        lse = self.tau * torch.logsumexp(self._logits(x), dim=1)
        return (lse + 0.5 * self.mu * (x * x).sum(1)) / self.scale

    def _gradient(self, x: Tensor) -> Tensor:
        return (torch.softmax(self._logits(x), dim=1) @ self._A.to(x) + self.mu * x) / self.scale


class RidgeField(_StandardNormalDomain):
    r"""Non-convex family: a sum of random sinusoidal ridges plus a weak quadratic bowl,

    .. math::

        F(x) = \frac1s\Big(\sum_{k=1}^K \frac{c_k}{\omega_k}\sin(\omega_k w_k^\top x + \phi_k)
        + \tfrac{\mu}{2}\|x\|^2\Big),\qquad
        \nabla F(x) = \frac1s\Big(\sum_k c_k\cos(\omega_k w_k^\top x + \phi_k)\,w_k + \mu x\Big),

    with unit :math:`w_k`, :math:`\omega_k\sim U[0.5, 2]`, :math:`\phi_k\sim U[0, 2\pi]`,
    :math:`c_k\sim\mathcal N(0,1)`, :math:`K = d`, :math:`\mu = 0.1` and :math:`s` normalising
    the mean squared gradient norm to 1. Its Hessian has negative eigenvalues.
    """

    name, convex = "ridges", False

    def __init__(
        self, dim: int = 16, seed: int = 0, ridges: int | None = None, mu: float = 0.1
    ) -> None:
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer; got {dim!r}")
        self.dim, self.mu = dim, float(mu)
        g = torch.Generator().manual_seed(int(seed))
        k = ridges or dim
        self._w = _unit_rows(g, k, dim)
        self._omega = 0.5 + 1.5 * torch.rand(k, generator=g, dtype=torch.float64)
        self._phi = 2 * math.pi * torch.rand(k, generator=g, dtype=torch.float64)
        self._c = torch.randn(k, generator=g, dtype=torch.float64)
        self._normalise(int(seed))

    def _phase(self, x: Tensor) -> Tensor:
        return self._omega.to(x) * (x @ self._w.to(x).T) + self._phi.to(x)

    def _potential(self, x: Tensor) -> Tensor:
        ridges = (self._c / self._omega).to(x) * torch.sin(self._phase(x))
        return (ridges.sum(1) + 0.5 * self.mu * (x * x).sum(1)) / self.scale

    def _gradient(self, x: Tensor) -> Tensor:
        weights = self._c.to(x) * torch.cos(self._phase(x))
        return (weights @ self._w.to(x) + self.mu * x) / self.scale


#: field names accepted by :func:`make_field` -> (class, default dim or None if fixed)
FIELDS: dict[str, tuple[type[GradientField], int | None]] = {
    "convex2d": (Convex2D, None),
    "nonconvex2d": (NonConvex2D, None),
    "polymax": (PolyMax, 256),
    "lse": (LogSumExpField, 16),
    "ridges": (RidgeField, 16),
}


def make_field(name: str, dim: int | None = None, seed: int = 0) -> GradientField:
    """Build the gradient-field problem called ``name`` (see :data:`FIELDS`).

    ``dim`` may be ``None`` or 2 for the fixed 2-D fields;
    ``seed`` draws the random families (PolyMax and the 2-D fields are deterministic).

    Examples
    --------
    >>> from otgrad.problems.fields import make_field
    >>> f = make_field("lse", dim=8, seed=1)
    >>> f.gradient(f.sample(5)).shape
    torch.Size([5, 8])
    """
    cls, default = FIELDS[check_choice(name, tuple(FIELDS), "field")]
    if default is None:
        if dim not in (None, 2):
            raise ValueError(f"field {name!r} is 2-D; got dim={dim}")
        return cls()
    dim = default if dim is None else dim
    return cls(dim) if cls is PolyMax else cls(dim, seed=seed)
