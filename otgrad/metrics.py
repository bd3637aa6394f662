r"""Accuracy metrics for transport maps and gradient fields (Korotin et al., NeurIPS 2021).

Every function accepts numpy arrays or torch tensors of shape ``(n, d)`` and returns Python floats
(or a dict of floats). Computations are in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import ot
import torch
from geomloss import SamplesLoss
from torch import Tensor

from ._validation import ArrayLike, as_points

__all__ = [
    "cos_similarity",
    "gradient_error_db",
    "l2_uvp",
    "monotonicity_stats",
    "sinkhorn_divergence",
    "w2",
]


def _points(x: ArrayLike, name: str, dim: int | None = None) -> Tensor:
    return as_points(x, name, dim=dim, dtype=torch.float64).detach().cpu()


def _pair(pred: ArrayLike, true: ArrayLike) -> tuple[Tensor, Tensor]:
    p, t = _points(pred, "pred"), _points(true, "true")
    if p.shape != t.shape:
        raise ValueError(f"pred and true must have the same shape; got {tuple(p.shape)} and "
                         f"{tuple(t.shape)}")
    return p, t


def _total_variance(x: Tensor) -> float:
    return float(((x - x.mean(0)) ** 2).sum(1).mean())


def _subsample(x: Tensor, max_samples: int | None, rng: np.random.Generator) -> Tensor:
    if max_samples is None or x.shape[0] <= max_samples:
        return x
    return x[torch.from_numpy(rng.choice(x.shape[0], size=max_samples, replace=False))]


def l2_uvp(pred: ArrayLike, true: ArrayLike, target_var: float | None = None) -> float:
    r"""Unexplained variance percentage of a map estimate (Korotin et al., NeurIPS 2021),

    .. math::

        \mathrm{L2\text{-}UVP}(\hat T) = 100\,\frac{\mathbb E_\mu\|\hat T(x) - T^\star(x)\|^2}
        {\mathrm{Var}(\nu)}\ \%,

    with :math:`\mathrm{Var}(\nu) = \mathbb E\|y - \mathbb E y\|^2` the total variance of the
    true-mapped points ``true`` (population, ``ddof=0``) unless ``target_var`` is given.
    0 % is exact; the constant map at the target mean scores 100 %.

    Parameters
    ----------
    pred, true : array (n, d)
        :math:`\hat T(x_i)` and :math:`T^\star(x_i)` at the same test points.
    target_var : float, optional
        :math:`\mathrm{Var}(\nu)` when known (e.g. from a larger sample).
    """
    p, t = _pair(pred, true)
    var = _total_variance(t) if target_var is None else float(target_var)
    if not var > 0:
        raise ValueError(f"the target variance must be positive; got {var}")
    return 100.0 * float(((p - t) ** 2).sum(1).mean()) / var


def cos_similarity(pred: ArrayLike, true: ArrayLike, x: ArrayLike) -> float:
    r"""Cosine between estimated and true displacements (Korotin et al., NeurIPS 2021),

    .. math::

        \cos(\hat T) = \frac{\mathbb E\langle \hat T(x) - x,\ T^\star(x) - x\rangle}
        {\sqrt{\mathbb E\|\hat T(x) - x\|^2\ \mathbb E\|T^\star(x) - x\|^2}} \in [-1, 1].

    ``pred``, ``true`` and ``x`` are ``(n, d)`` arrays at the same points.
    """
    p, t = _pair(pred, true)
    xs = _points(x, "x", dim=p.shape[1])
    if xs.shape != p.shape:
        raise ValueError(f"x must have shape {tuple(p.shape)}; got {tuple(xs.shape)}")
    u, v = p - xs, t - xs
    denom = math.sqrt(float((u * u).sum(1).mean()) * float((v * v).sum(1).mean()))
    if denom == 0:
        raise ValueError("cos_similarity is undefined when a displacement is identically zero")
    return float((u * v).sum(1).mean()) / denom


def w2(a: ArrayLike, b: ArrayLike, max_samples: int | None = 2000, seed: int = 0) -> float:
    r"""Wasserstein-2 distance between two empirical measures by exact OT (POT ``ot.emd2``),

    .. math::

        W_2(a, b) = \Big(\min_{\pi\in\Pi(a, b)} \sum_{ij}\pi_{ij}\|a_i - b_j\|^2\Big)^{1/2},

    with uniform weights and the full squared Euclidean cost (no ½). Returns :math:`W_2`, **not**
    squared, in the data's units. Each side is subsampled without replacement to at most
    ``max_samples`` points (default 2000; ``None`` keeps all), because the exact solver costs
    :math:`O(n^3)`; an empirical :math:`W_2` between finite samples is biased upwards, so compare
    methods on the same sample sizes.
    """
    x, y = _points(a, "a"), _points(b, "b")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"a and b have different dimensions: {x.shape[1]} and {y.shape[1]}")
    rng = np.random.default_rng(seed)
    x, y = _subsample(x, max_samples, rng).numpy(), _subsample(y, max_samples, rng).numpy()
    cost = ot.dist(x, y)  # squared Euclidean
    value = ot.emd2(ot.unif(len(x)), ot.unif(len(y)), cost, numItermax=10_000_000)
    return math.sqrt(max(float(value), 0.0))


def sinkhorn_divergence(
    a: ArrayLike,
    b: ArrayLike,
    blur: float | None = None,
    max_samples: int | None = 2048,
    seed: int = 0,
) -> float:
    r"""Debiased Sinkhorn divergence (Feydy et al., AISTATS 2019) with geomloss,

    .. math::

        S_\varepsilon(a, b) = \mathrm{OT}_\varepsilon(a, b)
        - \tfrac12\mathrm{OT}_\varepsilon(a, a) - \tfrac12\mathrm{OT}_\varepsilon(b, b),

    for the cost :math:`c(x, y) = \tfrac12\|x - y\|^2` (geomloss ``p=2``) and
    :math:`\varepsilon = \mathrm{blur}^2`; so :math:`S_\varepsilon \to \tfrac12 W_2^2` as blur → 0.
    ``blur=None`` uses 5 % of the RMS per-coordinate standard deviation of ``b``.
    Each side is subsampled to at most ``max_samples`` points (dense ``tensorized`` backend,
    ε-scaling factor 0.7: about 1 % from the fully converged value, several times faster).
    """
    x, y = _points(a, "a"), _points(b, "b")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"a and b have different dimensions: {x.shape[1]} and {y.shape[1]}")
    if blur is None:
        blur = 0.05 * math.sqrt(_total_variance(y) / y.shape[1])
    if not blur > 0:
        raise ValueError(f"blur must be positive; got {blur}")
    rng = np.random.default_rng(seed)
    x, y = _subsample(x, max_samples, rng), _subsample(y, max_samples, rng)
    loss = SamplesLoss("sinkhorn", p=2, blur=float(blur), debias=True, scaling=0.7,
                       backend="tensorized")
    return float(loss(x, y))


def gradient_error_db(pred: ArrayLike, true: ArrayLike) -> float:
    r"""Gradient-field error in decibels (Chaudhari, Pranav & Moura, IEEE TSP 2024),

    .. math::

        10\log_{10}\Big(\frac1n\sum_{i=1}^n\|\hat f(x_i) - \nabla F(x_i)\|^2\Big)\ \mathrm{dB},

    the squared Euclidean norm summed over coordinates and averaged over points
    (``-inf`` for an exact match).
    """
    p, t = _pair(pred, true)
    mse = float(((p - t) ** 2).sum(1).mean())
    return 10.0 * math.log10(mse) if mse > 0 else -math.inf


def _fd_jacobians(transform: Callable[[Tensor], ArrayLike], x: Tensor, step: float) -> Tensor:
    """Central finite-difference Jacobians ``(n, d, d)``, ``J[i, :, j] = ∂T/∂x_j`` at ``x[i]``."""
    n, d = x.shape
    h = step * max(1.0, float(x.abs().max()))
    shifts = h * torch.eye(d, dtype=x.dtype)  # (d, d): row j is h e_j
    probes = torch.cat([(x[:, None] + shifts).reshape(-1, d), (x[:, None] - shifts).reshape(-1, d)])
    out = _points(transform(probes), "transform(x)", dim=d)
    plus, minus = out[: n * d].reshape(n, d, d), out[n * d :].reshape(n, d, d)
    return ((plus - minus) / (2 * h)).transpose(1, 2)


def monotonicity_stats(
    transform: Callable[[Tensor], ArrayLike], x: ArrayLike, step: float = 1e-4, tol: float = 1e-6
) -> dict[str, float]:
    r"""Black-box monotonicity certificate of any map ``transform`` (a network, a POT baseline)
    from central finite-difference Jacobians :math:`J(x_i)` at the points ``x`` ``(n, d)``.

    Returns ``symmetry_error`` :math:`\max_i\|J - J^\top\|_F / \|J\|_F` (0 for a gradient
    field, up to :math:`O(\text{step}^2)`), ``min_eigenvalue``
    :math:`\min_i\lambda_{\min}\big(\tfrac12(J + J^\top)\big)` (non-negative for a monotone map)
    and ``fraction_negative``, the fraction of points where it is below ``-tol``. For a network
    with autograd prefer :func:`otgrad.check_monotone`. ``transform`` is called once on
    :math:`2nd` points (float64 tensor in; numpy or torch out).
    """
    xs = _points(x, "x")
    jac = _fd_jacobians(transform, xs, step)
    norm = torch.linalg.matrix_norm(jac).clamp_min(1e-300)
    asym = torch.linalg.matrix_norm(jac - jac.transpose(1, 2)) / norm
    eig = torch.linalg.eigvalsh(0.5 * (jac + jac.transpose(1, 2))).min(1).values
    return {
        "symmetry_error": float(asym.max()),
        "min_eigenvalue": float(eig.min()),
        "fraction_negative": float((eig < -tol).double().mean()),
    }
