r"""Transport-map baselines (POT estimators and neural references) behind one ``fit`` interface.

``fit(name, source, target, **options)`` returns a :class:`FittedMap` whose ``transform(x)``
answers in the container type of ``x`` (numpy in → numpy out, torch in → torch out, dtype kept)
and, where the method defines one, ``inverse(y)``. The optimal-transport work is POT's
(Flamary et al., JMLR 2021); this module only chooses defaults (stated per method) and wraps.

=============  ==========================================================  =========  ========
name           estimator                                                   inverse    cost
=============  ==========================================================  =========  ========
``linear``     Gaussian (Bures) map, ``ot.da.LinearTransport``              yes        O(nd²)
``emd``        exact plan, barycentric projection + nearest-neighbour       POT's      O(n³)
               out-of-sample shift, ``ot.da.EMDTransport``
``entropic``   entropic map (Pooladian & Niles-Weed 2021) from POT's        POT's      O(nd)/pt
               log-domain Sinkhorn (as ``ot.da.SinkhornTransport(
               out_of_sample_map="continuous")``)
``kernel``     joint OT + Gaussian-kernel map (Perrot et al., NeurIPS        no         O(n³)
               2016), ``ot.da.MappingTransport``, ≤ 1000 training points
``ssnb``       smooth strongly convex nearest Brenier potential (Paty et    no         QCQP
               al., AISTATS 2020), ``ot.da.NearestBrenierPotential``;
               needs cvxpy, ≤ 300 points
``otgrad``     :func:`otgrad.fit_map` with its default mGradNet model        yes        —
``icnn``       :func:`otgrad.fit_map` with ``model="icnn"``                 yes        —
``mlp``        :func:`otgrad.fit_map` with ``model="mlp"``                  fit_map's  —
=============  ==========================================================  =========  ========
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import ot
import torch

from ._validation import ArrayLike, apply_batched, as_points, check_choice, to_like

__all__ = [
    "ENTROPIC_REG_SCALE",
    "KERNEL_MAX_SAMPLES",
    "METHODS",
    "SSNB_MAX_SAMPLES",
    "FittedMap",
    "available",
    "entropic_reg",
    "fit",
]

#: default ε of the entropic map, as a fraction of the median squared source–target distance
ENTROPIC_REG_SCALE = 0.03
#: training points kept (random subsample) by the O(n³) kernel map
KERNEL_MAX_SAMPLES = 1000
#: largest training set accepted by SSNB (a QCQP with n² constraints)
SSNB_MAX_SAMPLES = 300

_Array = np.ndarray


class FittedMap:
    """A fitted transport map with ``.name``, ``.dim``, ``.transform(x)`` and ``.inverse(y)``.

    ``forward`` / ``backward`` take and return float64 numpy arrays ``(n, d)``; ``backward`` is
    ``None`` when the method has no inverse. ``model`` keeps the underlying estimator.
    """

    def __init__(
        self,
        name: str,
        dim: int,
        forward: Callable[[_Array], ArrayLike],
        backward: Callable[[_Array], ArrayLike] | None = None,
        model: Any = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.name, self.dim, self.model = name, dim, model
        self.options = dict(options or {})
        self._forward, self._backward = forward, backward

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"FittedMap({self.name!r}, dim={self.dim}{', ' if opts else ''}{opts})"

    @property
    def has_inverse(self) -> bool:
        """Whether :meth:`inverse` is available."""
        return self._backward is not None

    def _apply(self, fn: Callable[[_Array], ArrayLike], x: ArrayLike, name: str) -> ArrayLike:
        t = as_points(x, name, dim=self.dim)
        out = fn(t.detach().cpu().numpy().astype(np.float64, copy=False))
        out = out if isinstance(out, torch.Tensor) else torch.from_numpy(np.asarray(out))
        return to_like(out, x)

    def transform(self, x: ArrayLike) -> ArrayLike:
        """The estimated map at ``x`` ``(n, d)``, in the container type and dtype of ``x``."""
        return self._apply(self._forward, x, "x")

    def inverse(self, y: ArrayLike) -> ArrayLike:
        """The estimated inverse map at ``y`` ``(n, d)``; ``NotImplementedError`` if none."""
        if self._backward is None:
            raise NotImplementedError(f"the {self.name!r} baseline has no inverse map")
        return self._apply(self._backward, y, "y")


def _subsample(x: _Array, max_samples: int | None, rng: np.random.Generator) -> _Array:
    if max_samples is None or len(x) <= max_samples:
        return x
    return x[np.sort(rng.choice(len(x), size=max_samples, replace=False))]


def _pot_map(name: str, est: Any, dim: int, inverse: bool, options: dict) -> FittedMap:
    back = (lambda y: est.inverse_transform(Xt=y)) if inverse else None
    return FittedMap(name, dim, lambda x: est.transform(Xs=x), back, est, options)


def _fit_linear(xs: _Array, yt: _Array, reg: float = 1e-8) -> FittedMap:
    r"""Bures map :math:`T(x) = m_t + A(x - m_s)` between the samples' means and covariances
    (Knott & Smith 1984); ``reg`` is added to both covariances' diagonals."""
    est = ot.da.LinearTransport(reg=reg).fit(Xs=xs, Xt=yt)
    return _pot_map("linear", est, xs.shape[1], True, {"reg": reg})


def _fit_emd(xs: _Array, yt: _Array, max_iter: int = 10_000_000) -> FittedMap:
    r"""Exact plan :math:`\pi`; training points map to :math:`n\sum_j\pi_{ij}y_j`, new points
    :math:`x` to :math:`T(x_k) + x - x_k` with :math:`x_k` the nearest training source point
    (Ferradans et al., SIAM J. Imaging Sci. 2014)."""
    est = ot.da.EMDTransport(max_iter=max_iter).fit(Xs=xs, Xt=yt)
    return _pot_map("emd", est, xs.shape[1], True, {})


def entropic_reg(source: ArrayLike, target: ArrayLike, scale: float = ENTROPIC_REG_SCALE) -> float:
    r"""The default entropic regulariser :math:`\varepsilon = \text{scale}\cdot
    \mathrm{median}_{ij}\|x_i - y_j\|^2` (POT's cost is the full squared distance, no ½).

    Relative to the data's own squared distances, so it adapts to the scale and, through the
    concentration of distances, to the dimension. ``scale = 0.03`` was the best of
    ``{0.003, 0.01, 0.03, 0.1}`` overall (L2-UVP %, n = 500 per side, seed 0; issue-4 notes):

    ==============  =====  =====  =====  =====
    problem, d      0.003  0.01   0.03   0.1
    ==============  =====  =====  =====  =====
    gaussian, 2     3.38   3.25   2.91   3.25
    gaussian, 8     29.9   21.5   13.1   27.5
    gaussian, 32    87.2   67.5   44.9   70.0
    ridge, 2        2.62   2.65   3.12   6.61
    ridge, 8        11.9   7.75   7.49   17.9
    ridge, 32       34.8   23.5   25.8   37.1
    ==============  =====  =====  =====  =====

    Larger ε also makes Sinkhorn converge in far fewer iterations. The best fraction shrinks
    slowly with n (Pooladian & Niles-Weed 2021); pass ``reg_scale`` or ``reg`` to override.
    """
    xs = as_points(source, "source").detach().cpu().numpy()
    yt = as_points(target, "target", dim=xs.shape[1]).detach().cpu().numpy()
    rng = np.random.default_rng(0)
    xs, yt = _subsample(xs, 1000, rng), _subsample(yt, 1000, rng)
    return float(scale * np.median(ot.dist(xs, yt)))


def _entropic_map(x: _Array, support: torch.Tensor, log_weights: torch.Tensor, eps: float):
    r""":math:`\sum_j \mathrm{softmax}_j(\ell_j - \|x - s_j\|^2/\varepsilon)\, s_j` in row blocks,
    stabilised by the log-sum-exp in ``softmax`` (POT's own ``transform`` evaluates the same
    formula with a plain ``exp``, which underflows to NaN for small ε)."""
    sq_support = (support**2).sum(1)

    def block(z: torch.Tensor) -> torch.Tensor:
        sq = ((z**2).sum(1, keepdim=True) + sq_support - 2.0 * z @ support.T).clamp_min(0.0)
        return torch.softmax(log_weights - sq / eps, dim=1) @ support

    rows = max(1, 2**22 // len(support))  # keep each block's (rows, n) matrix near 32 MB
    return apply_batched(block, torch.from_numpy(x), batch_size=rows)


def _fit_entropic(
    xs: _Array,
    yt: _Array,
    reg: float | None = None,
    reg_scale: float = ENTROPIC_REG_SCALE,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> FittedMap:
    r"""Entropic map (Pooladian & Niles-Weed 2021)

    .. math::

        T_\varepsilon(x) = \frac{\sum_j y_j\,e^{g_j - \|x-y_j\|^2/\varepsilon}}
        {\sum_j e^{g_j - \|x-y_j\|^2/\varepsilon}},

    with :math:`g = \log v` the target-side log-scaling of the entropic plan computed by POT's
    log-domain Sinkhorn (``ot.sinkhorn(method="sinkhorn_log")`` on torch tensors, several times
    faster than on numpy): the plan and potentials of
    ``ot.da.SinkhornTransport(out_of_sample_map="continuous")``. POT's ε-scaling and stabilised
    solvers were tried and rejected: the latter returns NaN at this ε, the former stalled at
    n = 1000. The inverse uses the source log-scaling symmetrically. ``reg=None`` picks
    :math:`\varepsilon` by :func:`entropic_reg`. Cost per evaluated point: :math:`O(nd)` with
    :math:`n` training points; fit :math:`O(n^2)` per iteration, up to ``max_iter``.
    """
    eps = float(reg) if reg is not None else entropic_reg(xs, yt, reg_scale)
    xs_t, yt_t = torch.from_numpy(xs), torch.from_numpy(yt)
    weights = (torch.full((len(xs),), 1.0 / len(xs), dtype=torch.float64),
               torch.full((len(yt),), 1.0 / len(yt), dtype=torch.float64))
    plan, log = ot.sinkhorn(
        *weights, ot.dist(xs_t, yt_t), eps,
        method="sinkhorn_log", numItermax=max_iter, stopThr=tol, log=True, warn=False,
    )
    log_u, log_v = log["log_u"], log["log_v"]
    return FittedMap(
        "entropic", xs.shape[1],
        lambda x: _entropic_map(x, yt_t, log_v, eps),
        lambda y: _entropic_map(y, xs_t, log_u, eps),
        {"plan": plan.numpy(), "log": log}, {"reg": eps},
    )


def _fit_kernel(
    xs: _Array,
    yt: _Array,
    max_samples: int | None = KERNEL_MAX_SAMPLES,
    sigma: float | None = None,
    mu: float = 1.0,
    eta: float = 1e-3,
    max_iter: int = 10,
    seed: int = 0,
) -> FittedMap:
    r"""Perrot et al.'s joint estimate of a plan and a map :math:`T(x) = K(x, X_s)L + b` with a
    Gaussian kernel :math:`k(x, x') = e^{-\|x-x'\|^2/(2\sigma^2)}` (POT ``MappingTransport``).

    The solver is :math:`O(n^3)`, so both sides are subsampled to ``max_samples`` points.
    ``sigma=None`` uses the median heuristic :math:`\sigma^2 = \mathrm{median}\|x_i - x_j\|^2/2`
    over the source; ``eta`` is the ridge on :math:`L`, ``mu`` the weight of the OT term.
    """
    rng = np.random.default_rng(seed)
    xs, yt = _subsample(xs, max_samples, rng), _subsample(yt, max_samples, rng)
    if sigma is None:
        sigma = float(np.sqrt(0.5 * np.median(ot.dist(xs, xs))))
    est = ot.da.MappingTransport(
        kernel="gaussian", sigma=sigma, mu=mu, eta=eta, bias=True, max_iter=max_iter
    ).fit(Xs=xs, Xt=yt)
    options = {"sigma": sigma, "mu": mu, "eta": eta, "n_train": len(xs)}
    return FittedMap("kernel", xs.shape[1], lambda x: est.transform(Xs=x), None, est, options)


def _fit_ssnb(
    xs: _Array,
    yt: _Array,
    strongly_convex_constant: float = 0.6,
    gradient_lipschitz_constant: float = 1.4,
    its: int = 100,
    seed: int = 0,
) -> FittedMap:
    r"""Smooth strongly convex nearest Brenier potential (Paty, d'Aspremont & Cuturi, AISTATS
    2020): the :math:`\ell`-strongly convex, :math:`L`-smooth :math:`\varphi` minimising
    :math:`W_2(\nabla\varphi\#\mu, \nu)`, by POT's QCQP (cvxpy); new points get the mean of the
    lower and upper interpolating potentials' gradients."""
    if max(len(xs), len(yt)) > SSNB_MAX_SAMPLES:
        raise ValueError(
            f"ssnb solves a QCQP with n^2 constraints and accepts at most {SSNB_MAX_SAMPLES} "
            f"points per side; got {len(xs)} and {len(yt)} (subsample the data first)"
        )
    if len(xs) != len(yt):
        raise ValueError(f"ssnb needs as many source as target points; got {len(xs)}, {len(yt)}")
    if _missing_requirement("ssnb") is not None:
        raise ImportError(_missing_requirement("ssnb"))
    est = ot.da.NearestBrenierPotential(
        strongly_convex_constant=strongly_convex_constant,
        gradient_lipschitz_constant=gradient_lipschitz_constant, its=its, seed=seed,
    ).fit(Xs=xs, Xt=yt)
    options = {"strongly_convex_constant": strongly_convex_constant,
               "gradient_lipschitz_constant": gradient_lipschitz_constant}
    return FittedMap("ssnb", xs.shape[1], lambda x: est.transform(x).mean(0), None, est, options)


_POT_FITTERS: dict[str, Callable[..., FittedMap]] = {
    "linear": _fit_linear,
    "emd": _fit_emd,
    "entropic": _fit_entropic,
    "kernel": _fit_kernel,
    "ssnb": _fit_ssnb,
}
#: neural reference -> default options of :func:`otgrad.fit_map` (the MLP is not a gradient
#: field, so the W2 dual cannot train it: it uses the Sinkhorn divergence)
_NEURAL: dict[str, dict[str, Any]] = {
    "otgrad": {},
    "icnn": {"model": "icnn"},
    "mlp": {"model": "mlp", "loss": "sinkhorn"},
}

#: every baseline name, whether or not its requirements are installed
METHODS: tuple[str, ...] = (*_POT_FITTERS, *_NEURAL)


def _missing_requirement(name: str) -> str | None:
    """Why ``name`` cannot run here, or ``None``."""
    if name == "ssnb" and importlib.util.find_spec("cvxpy") is None:
        return "the 'ssnb' baseline needs cvxpy: pip install otgrad[ssnb]"
    if name in _NEURAL and importlib.util.find_spec("otgrad.fit") is None:
        return f"the {name!r} baseline needs otgrad.fit_map, which this install lacks"
    return None


def available() -> list[str]:
    """The baseline names usable in this environment (see :data:`METHODS` for all of them)."""
    return [name for name in METHODS if _missing_requirement(name) is None]


def _fit_neural(name: str, source: Any, target: Any, dim: int, **options: Any) -> FittedMap:
    from . import fit_map  # lazy: fitting imports the nets and losses

    options = {**_NEURAL[name], "progress": False, **options}
    brenier = fit_map(source, target, **options)
    return FittedMap(name, dim, brenier.transform, brenier.inverse, brenier, options)


def _dim_of(data: Any, name: str) -> int:
    """``d`` of a point cloud or of a sampler's output."""
    return as_points(data(2) if callable(data) else data, name).shape[1]


def fit(name: str, source: ArrayLike, target: ArrayLike, **options: Any) -> FittedMap:
    r"""Fit the baseline ``name`` (one of :data:`METHODS`) from unpaired samples.

    Parameters
    ----------
    name : str
        "linear", "emd", "entropic", "kernel", "ssnb", "otgrad", "icnn" or "mlp".
    source, target : array (n, d), tensor (n, d)
        Samples of :math:`\mu` and :math:`\nu` (any sizes; the neural references also accept
        samplers ``n -> (n, d)``).
    **options
        Method options (see the ``_fit_*`` functions; neural ones go to :func:`otgrad.fit_map`).

    Returns
    -------
    FittedMap
        With ``transform(x)`` and, for "linear", "emd", "entropic" and the neural maps,
        ``inverse(y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from otgrad import baselines
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 2))
    >>> T = baselines.fit("linear", x, 2.0 + 3.0 * x)  # the Bures map is then y = 2 + 3x
    >>> T.transform(np.zeros((1, 2))).round(6).tolist()
    [[2.0, 2.0]]
    """
    key = check_choice(name, METHODS, "baseline")
    dim, dim_target = _dim_of(source, "source"), _dim_of(target, "target")
    if dim != dim_target:
        raise ValueError(
            f"source and target must have the same dimension; got d={dim} and d={dim_target}"
        )
    if key in _NEURAL:
        return _fit_neural(key, source, target, dim, **options)
    if callable(source) or callable(target):
        raise TypeError(f"the {key!r} baseline needs point clouds, not samplers")
    xs = as_points(source, "source", dtype=torch.float64).detach().cpu().numpy()
    yt = as_points(target, "target", dtype=torch.float64).detach().cpu().numpy()
    return _POT_FITTERS[key](xs, yt, **options)
