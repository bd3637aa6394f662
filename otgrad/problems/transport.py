r"""Known-map transport problems: Gaussian pairs and mixtures pushed by convex potentials.

Every problem is a :class:`TransportProblem` with a source sampler, a target sampler and the true
map :math:`T^\star = \nabla F`. By Brenier's theorem (1991) the gradient of a convex :math:`F` is
the optimal map for the cost :math:`\tfrac12\|x-y\|^2` from :math:`\mu` to :math:`\nabla F\#\mu`,
so any convex potential gives a problem with a known answer (Korotin et al., NeurIPS 2021).
Target samples are the true map applied to an *independent* source draw, so source and target
samples are never paired.

Randomness: the problem's parameters are a function of ``seed`` only; ``sample_source(n, s)`` and
``sample_target(n, s)`` use separate streams derived from ``(seed, s)``, so they are reproducible
and independent of each other.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .._validation import ArrayLike, as_points, check_choice, to_like

__all__ = [
    "PROBLEMS",
    "GaussianProblem",
    "ICNNProblem",
    "LSEProblem",
    "MixturePushforward",
    "RidgeProblem",
    "TransportProblem",
    "make_problem",
]

_STREAMS = {"params": 0, "source": 1, "target": 2, "calibration": 3}
_CALIBRATION_SAMPLES = 4096


def _check_int(value: int, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _random_rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    """Haar-distributed orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def _random_spd(rng: np.random.Generator, d: int, condition: float, mean_eig: float = 1.0):
    r"""Random SPD matrix :math:`R\,\mathrm{diag}(\lambda)R^\top` with condition number exactly
    ``condition`` (for :math:`d\ge2`) and mean eigenvalue ``mean_eig``."""
    lam = np.exp(rng.uniform(0.0, math.log(condition), size=d))
    if d >= 2:
        lam[:2] = 1.0, condition
    lam *= mean_eig / lam.mean()
    rot = _random_rotation(rng, d)
    return (rot * lam) @ rot.T


def _sym_sqrt(s: np.ndarray, inverse: bool = False) -> np.ndarray:
    """Symmetric square root (or inverse square root) of an SPD matrix by ``eigh``."""
    lam, vec = np.linalg.eigh(s)
    lam = np.clip(lam, 1e-300, None)
    return (vec * (lam ** (-0.5 if inverse else 0.5))) @ vec.T


def _bures_map_matrix(cov_source: np.ndarray, cov_target: np.ndarray) -> np.ndarray:
    r"""The symmetric PD matrix of the Gaussian (Bures) Brenier map,

    .. math::

        A = \Sigma_s^{-1/2}\big(\Sigma_s^{1/2}\Sigma_t\Sigma_s^{1/2}\big)^{1/2}\Sigma_s^{-1/2},

    so that :math:`T(x) = m_t + A(x - m_s)` pushes :math:`\mathcal N(m_s,\Sigma_s)` to
    :math:`\mathcal N(m_t,\Sigma_t)` (Knott & Smith 1984).
    """
    root = _sym_sqrt(cov_source)
    inv_root = _sym_sqrt(cov_source, inverse=True)
    a = inv_root @ _sym_sqrt(root @ cov_target @ root) @ inv_root
    return 0.5 * (a + a.T)


class TransportProblem:
    r"""Base class: source :math:`\mu`, convex potential :math:`F`, :math:`\nu=\nabla F\#\mu`.

    Subclasses implement ``_sample(n, rng) -> ndarray (n, d)`` (draws from :math:`\mu`),
    ``_map(x)`` and ``_potential(x)`` on float64 tensors.

    Parameters
    ----------
    dim : int
        Dimension :math:`d \ge 1`.
    seed : int
        Seed of the problem's random parameters.
    dtype : torch.dtype
        dtype of the samples returned by :meth:`sample_source` / :meth:`sample_target`
        (computations are float64).
    """

    name: str = "transport"

    def __init__(self, dim: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> None:
        self.dim = _check_int(dim, "dim", 1)
        self.seed = _check_int(seed, "seed", 0)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, seed={self.seed})"

    def _rng(self, stream: str, sample_seed: int = 0) -> np.random.Generator:
        seed = _check_int(sample_seed, "seed", 0)
        return np.random.default_rng([self.seed, _STREAMS[stream], seed])

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _map(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _potential(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def sample_source(self, n: int, seed: int = 0) -> Tensor:
        """Draw ``n`` points of the source :math:`\\mu`, shape ``(n, d)``."""
        x = self._sample(_check_int(n, "n", 1), self._rng("source", seed))
        return torch.from_numpy(x).to(self.dtype)

    def sample_target(self, n: int, seed: int = 0) -> Tensor:
        r"""Draw ``n`` points of :math:`\nu = T^\star\#\mu` from an independent source draw."""
        x = torch.from_numpy(self._sample(_check_int(n, "n", 1), self._rng("target", seed)))
        return self._map(x).to(self.dtype)

    def true_map(self, x: ArrayLike) -> ArrayLike:
        r""":math:`T^\star(x) = \nabla F(x)`, ``(n, d) -> (n, d)``; numpy in → numpy out, torch in →
        torch out (same dtype, differentiable)."""
        t = as_points(x, "x", dim=self.dim)
        return to_like(self._map(t.to(torch.float64)), x)

    def potential(self, x: ArrayLike) -> ArrayLike:
        r"""The convex Brenier potential :math:`F(x)`, shape ``(n,)`` (up to a constant)."""
        t = as_points(x, "x", dim=self.dim)
        out = self._potential(t.to(torch.float64))
        return out.to(x.dtype) if isinstance(x, Tensor) else out.detach().numpy()


class GaussianProblem(TransportProblem):
    r"""Gaussian → Gaussian with random means and covariances and the closed-form Brenier map

    .. math::

        T(x) = m_t + A(x - m_s),\qquad
        A = \Sigma_s^{-1/2}\big(\Sigma_s^{1/2}\Sigma_t\Sigma_s^{1/2}\big)^{1/2}\Sigma_s^{-1/2},

    the gradient of the convex quadratic :math:`F(x) = \tfrac12(x-m_s)^\top A(x-m_s) + m_t^\top x`.
    Means are :math:`\mathcal N(0, I)`; covariances have random eigenvectors, log-uniform
    eigenvalues with condition number ``condition`` and mean eigenvalue 1.
    """

    name = "gaussian"

    def __init__(
        self, dim: int, seed: int = 0, condition: float = 10.0, dtype: torch.dtype = torch.float64
    ) -> None:
        super().__init__(dim, seed, dtype)
        if not condition >= 1.0:
            raise ValueError(f"condition must be >= 1; got {condition!r}")
        rng = self._rng("params")
        self.mean_source, self.mean_target = rng.standard_normal((2, self.dim))
        self.cov_source = _random_spd(rng, self.dim, condition)
        self.cov_target = _random_spd(rng, self.dim, condition)
        self.matrix = _bures_map_matrix(self.cov_source, self.cov_target)
        self._root = _sym_sqrt(self.cov_source)

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.mean_source + rng.standard_normal((n, self.dim)) @ self._root

    def _map(self, x: Tensor) -> Tensor:
        a, ms, mt = (torch.as_tensor(v).to(x) for v in (self.matrix, self.mean_source,
                                                          self.mean_target))
        return mt + (x - ms) @ a

    def _potential(self, x: Tensor) -> Tensor:
        a, ms, mt = (torch.as_tensor(v).to(x) for v in (self.matrix, self.mean_source,
                                                          self.mean_target))
        xc = x - ms
        return 0.5 * ((xc @ a) * xc).sum(1) + x @ mt


class _Mixture:
    """A Gaussian mixture: Dirichlet(5) weights, N(0, I) means, random covariances."""

    def __init__(self, rng: np.random.Generator, dim: int, components: int, scale: float) -> None:
        self.weights = rng.dirichlet(np.full(components, 5.0))
        self.means = rng.standard_normal((components, dim))
        covs = [_random_spd(rng, dim, 4.0, scale**2) for _ in range(components)]
        self.roots = np.stack([_sym_sqrt(c) for c in covs])

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        k = rng.choice(len(self.weights), size=n, p=self.weights)
        x = rng.standard_normal((n, self.means.shape[1]))
        for j, (mean, root) in enumerate(zip(self.means, self.roots, strict=True)):
            x[k == j] = mean + x[k == j] @ root
        return x


def _ridge_directions(
    rng: np.random.Generator, x_cal: np.ndarray, k: int, width: float
) -> tuple[Tensor, Tensor]:
    r"""``k`` random affine forms :math:`s_j(x) = w_j^\top x - c_j` whose zero passes through a
    random calibration point and whose spread over the data is ``1 / width``.

    Returns ``(W, c)`` of shapes ``(k, d)`` and ``(k,)``.
    """
    u = rng.standard_normal((k, x_cal.shape[1]))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    proj = x_cal @ u.T
    u /= width * proj.std(axis=0)[:, None]
    c = (x_cal[rng.integers(0, len(x_cal), size=k)] * u).sum(1)
    return torch.from_numpy(u), torch.from_numpy(c)


def _log_cosh(t: Tensor) -> Tensor:
    a = t.abs()
    return a + torch.log1p(torch.exp(-2.0 * a)) - math.log(2.0)


def _affine_residual(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Residual of the least-squares regression of ``g`` (n, d) on ``(1, x)``."""
    x1 = np.c_[np.ones(len(x)), x]
    beta, *_ = np.linalg.lstsq(x1, g, rcond=None)
    return g - x1 @ beta


def _nonlinear_fraction(x: np.ndarray, g: np.ndarray) -> float:
    """Fraction of the total variance of ``g(x)`` that no affine function of ``x`` explains."""
    return float((_affine_residual(x, g) ** 2).sum() / ((g - g.mean(0)) ** 2).sum())


def _calibrate_strength(
    x: np.ndarray, linear: np.ndarray, grad: np.ndarray, fraction: float
) -> float:
    r"""The scale :math:`\alpha\ge0` such that the best affine approximation (least squares in
    :math:`L^2(\mu)`) of :math:`x\mapsto Qx + b + \alpha\nabla G(x)` leaves ``fraction`` of the
    target's total variance unexplained; closed form because the fraction is
    :math:`\alpha^2 r / (v_0 + 2\alpha c + \alpha^2 v_1)`, with :math:`r` the residual of
    :math:`\nabla G` regressed on :math:`(1, x)` and :math:`v_0, c, v_1` the (co)variances of
    the affine part ``linear`` and of ``grad``."""
    r = (_affine_residual(x, grad) ** 2).sum()
    lc, gc = linear - linear.mean(0), grad - grad.mean(0)
    v0, c, v1 = (lc**2).sum(), (lc * gc).sum(), (gc**2).sum()
    a = r - fraction * v1
    return float((fraction * c + math.sqrt((fraction * c) ** 2 + a * fraction * v0)) / a)


class MixturePushforward(TransportProblem):
    r"""A Gaussian-mixture source pushed by the gradient of a convex potential

    .. math::

        F(x) = \tfrac12 x^\top Q x + b^\top x + \alpha\,G(x),\qquad T^\star = \nabla F,

    with :math:`Q` random SPD (condition number 4, mean eigenvalue 1), :math:`G` convex
    and non-linear (the subclass's family), and :math:`\alpha` set in closed form so that the best
    affine map (least squares) leaves the fraction ``nonlinearity`` of the target variance
    unexplained: the best linear map then has an L2-UVP of at least ``100 * nonlinearity`` %.
    Source: a mixture of ``components`` Gaussians with :math:`\mathcal N(0, I)` means and
    component standard deviation about ``spread``.
    """

    name = "mixture"
    #: non-linear units of G per dimension (at least 4)
    units_per_dim: int = 2
    min_units: int = 4
    #: random draws of G tried before giving up on the requested non-linearity
    max_draws: int = 20
    #: spread of each unit's pre-activation over the data is 1 / width (sharper when smaller)
    width: float = 1.0

    def __init__(
        self,
        dim: int,
        seed: int = 0,
        nonlinearity: float = 0.06,
        components: int = 4,
        spread: float = 0.5,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__(dim, seed, dtype)
        if not 0.0 <= nonlinearity < 1.0:
            raise ValueError(f"nonlinearity must be in [0, 1); got {nonlinearity!r}")
        self.nonlinearity = float(nonlinearity)
        rng = self._rng("params")
        self._mixture = _Mixture(rng, self.dim, _check_int(components, "components", 1), spread)
        self._quad = torch.from_numpy(_random_spd(rng, self.dim, 4.0))
        self._shift = torch.from_numpy(0.5 * rng.standard_normal(self.dim))
        x_cal = self._mixture.sample(_CALIBRATION_SAMPLES, self._rng("calibration"))
        self._units = max(self.min_units, self.units_per_dim * self.dim)
        self.alpha = 0.0
        grad = self._draw_potential(rng, x_cal)
        if self.nonlinearity > 0:
            linear = (torch.from_numpy(x_cal) @ self._quad + self._shift).numpy()
            self.alpha = _calibrate_strength(x_cal, linear, grad, self.nonlinearity)

    def _draw_potential(self, rng: np.random.Generator, x_cal: np.ndarray) -> np.ndarray:
        """Draw G until its gradient is at least 1.5x as non-linear as asked (a few random
        draws in low d place all kinks away from the data); return ∇G at ``x_cal``."""
        for _ in range(self.max_draws):
            self._build(rng, x_cal)
            grad = self._grad_g(torch.from_numpy(x_cal)).numpy()
            if _nonlinear_fraction(x_cal, grad) >= 1.5 * self.nonlinearity:
                return grad
        raise ValueError(
            f"nonlinearity={self.nonlinearity} is out of reach for the {self.name!r} family "
            f"in d={self.dim} (no draw of {self.max_draws} reached 1.5x that)"
        )

    def _build(self, rng: np.random.Generator, x_cal: np.ndarray) -> None:
        raise NotImplementedError

    def _g(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _grad_g(self, x: Tensor) -> Tensor:
        """∇G by autograd (subclasses with a closed form override this)."""
        with torch.enable_grad():
            xg = x if x.requires_grad else x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self._g(xg).sum(), xg, create_graph=x.requires_grad)
        return g

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._mixture.sample(n, rng)

    def _map(self, x: Tensor) -> Tensor:
        return x @ self._quad + self._shift + self.alpha * self._grad_g(x)

    def _potential(self, x: Tensor) -> Tensor:
        return 0.5 * ((x @ self._quad) * x).sum(1) + x @ self._shift + self.alpha * self._g(x)


class ICNNProblem(MixturePushforward):
    r""":math:`G` is a random two-hidden-layer input-convex network (Amos et al., ICML 2017),

    .. math::

        z_1 = \mathrm{softplus}(W_0x - c_0),\quad
        z_2 = \mathrm{softplus}\big((W_1^{+}z_1 + U x - c_1)/s\big),\quad
        G(x) = \tfrac1{k}\textstyle\sum_j z_{2,j},

    with :math:`2d` units per layer (at least 4), a sparse non-negative :math:`W_1^{+}` (each
    second-layer unit mixes two first-layer units), first-layer kinks through data points, and
    the second layer centred on the data with :math:`s > 0` a fraction ``width`` of its spread;
    :math:`\nabla G` by autograd.
    """

    name = "icnn"
    width = 0.3

    def _build(self, rng: np.random.Generator, x_cal: np.ndarray) -> None:
        k = self._units
        self._w0, self._c0 = _ridge_directions(rng, x_cal, k, width=self.width)
        self._u, self._c1 = _ridge_directions(rng, x_cal, k, width=2.0)
        w1 = np.zeros((k, k))  # sparse, non-negative: each unit mixes two first-layer units
        w1[np.arange(k)[:, None], rng.integers(0, k, size=(k, 2))] = rng.uniform(0.5, 1.5, (k, 2))
        self._w1 = torch.from_numpy(w1)
        pre = self._pre2(torch.from_numpy(x_cal))
        self._c1 = self._c1 + pre.median(0).values  # centre the second layer's kinks on the data
        self._s1 = self.width * self._pre2(torch.from_numpy(x_cal)).std(0)

    def _pre2(self, x: Tensor) -> Tensor:
        z1 = F.softplus(x @ self._w0.T - self._c0)
        return z1 @ self._w1.T + x @ self._u.T - self._c1

    def _g(self, x: Tensor) -> Tensor:
        return F.softplus(self._pre2(x) / self._s1).mean(1)


class RidgeProblem(MixturePushforward):
    r""":math:`G` is a sum of convex log-cosh ridges in random directions,

    .. math::

        G(x) = \sum_{j=1}^{k} a_j\,\log\cosh(w_j^\top x - c_j),\qquad
        \nabla G(x) = \sum_j a_j \tanh(w_j^\top x - c_j)\,w_j,

    with :math:`k = 2d` (at least 4), :math:`a_j \sim U[0.5, 1.5]` and each ridge's kink through a
    data point, its width ``width`` times the data's spread along :math:`w_j` (closed-form
    gradient).
    """

    name = "ridge"
    width = 0.35

    def _build(self, rng: np.random.Generator, x_cal: np.ndarray) -> None:
        self._w, self._c = _ridge_directions(rng, x_cal, self._units, width=self.width)
        self._a = torch.from_numpy(rng.uniform(0.5, 1.5, size=self._units))

    def _g(self, x: Tensor) -> Tensor:
        return _log_cosh(x @ self._w.T - self._c) @ self._a

    def _grad_g(self, x: Tensor) -> Tensor:
        return (torch.tanh(x @ self._w.T - self._c) * self._a) @ self._w


class LSEProblem(MixturePushforward):
    r""":math:`G` is the log-sum-exp (smoothed maximum) of random affine maps,

    .. math::

        G(x) = \log\sum_{j=1}^{k}\exp(w_j^\top x - c_j),\qquad
        \nabla G(x) = \sum_j \mathrm{softmax}(Wx - c)_j\, w_j,

    with :math:`k = 2d` (at least 4) pieces, each :math:`w_j^\top x` spread over the data by
    ``1 / width`` (closed-form gradient).
    """

    name = "lse"
    width = 0.5

    def _build(self, rng: np.random.Generator, x_cal: np.ndarray) -> None:
        self._w, self._c = _ridge_directions(rng, x_cal, self._units, width=self.width)

    def _g(self, x: Tensor) -> Tensor:
        return torch.logsumexp(x @ self._w.T - self._c, dim=1)

    def _grad_g(self, x: Tensor) -> Tensor:
        return torch.softmax(x @ self._w.T - self._c, dim=1) @ self._w


#: problem name -> class, for :func:`make_problem`
PROBLEMS: dict[str, type[TransportProblem]] = {
    "gaussian": GaussianProblem,
    "icnn": ICNNProblem,
    "ridge": RidgeProblem,
    "lse": LSEProblem,
}


def make_problem(name: str, dim: int, seed: int = 0, **options) -> TransportProblem:
    """Build the known-map transport problem ``name`` (one of :data:`PROBLEMS`) in ``dim`` dims.

    ``options`` go to the class (e.g. ``condition=`` for "gaussian", ``nonlinearity=`` for the
    mixture families).

    Examples
    --------
    >>> from otgrad.problems import make_problem
    >>> p = make_problem("ridge", dim=3, seed=1)
    >>> x = p.sample_source(5)
    >>> tuple(p.true_map(x).shape)
    (5, 3)
    """
    key = check_choice(name, tuple(PROBLEMS), "transport problem")
    return PROBLEMS[key](dim, seed=seed, **options)
