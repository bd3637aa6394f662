r"""``fit_map``: learn a Brenier map :math:`T = \nabla\Phi` between two sample sets.

Objectives (math.md §2): the debiased Sinkhorn divergence :math:`S_\varepsilon(T_\#x_B, y_B)`
with an annealed blur, the exact :math:`\tfrac12W_2^2` (POT), sliced :math:`W_2`, and the
:math:`W_2` dual of Makkuva et al. (ICML 2020) / Korotin et al. (NeurIPS 2021)

.. math:: \min_F\ \mathbb{E}_\mu F(x) + \mathbb{E}_\nu F^*(y),

whose minimiser over convex :math:`F` is the Brenier potential. The conjugates
:math:`F^*(y) = \langle x^\star, y\rangle - F(x^\star)`, :math:`x^\star = (\nabla F)^{-1}(y)`,
are solved by a few Newton steps warm-started from the previous solution of each target point
(amortisation by caching), and by the envelope theorem the parameter gradient is
:math:`\mathbb{E}_\mu\partial_\theta F(x) - \mathbb{E}_\nu\partial_\theta F(x^\star)`. Unlike
minibatch divergences, this objective is linear in the two measures, so its minibatch
gradients are unbiased.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import analysis
from ._validation import ArrayLike, as_points, check_choice, resolve_device
from .analysis import NotConvergedError
from .losses import LOSSES, make_loss
from .maps import BrenierMap
from .nets import GradientNet, make

__all__ = ["LOSS_DEFAULTS", "TrainingDivergedError", "fit_map", "gaussian_map"]

Sampler = Callable[[int], Any]


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN/inf. ``.map`` holds the map restored to its last good state."""

    def __init__(self, message: str, map: BrenierMap) -> None:
        super().__init__(message)
        self.map = map


# -- data --------------------------------------------------------------------------------------
class _Points:
    """A finite sample set or a sampler, drawn in minibatches with a seeded generator."""

    def __init__(self, data: ArrayLike | Sampler, name: str, generator: torch.Generator) -> None:
        self.name = name
        self.generator = generator
        self.sampler = data if callable(data) and not isinstance(data, Tensor) else None
        # kept as given (validated, not copied); batches are converted to float64 when drawn
        self.points = None if self.sampler else as_points(data, name)
        self.train_rows: Tensor | None = None  # rows left for training after split(); None = all

    def draw(self, n: int) -> Tensor:
        """``n`` points (all of them when the finite set is smaller): moments and the Gaussian
        start look at a bounded subsample, so their cost does not grow with the data."""
        if self.sampler is not None:
            out = as_points(self.sampler(n), f"{self.name} sampler output", dtype=torch.float64)
            if out.shape[0] != n:
                raise ValueError(f"{self.name} sampler returned {out.shape[0]} points, not {n}")
            return out
        if self.points.shape[0] <= n:
            return self.points.to(torch.float64)
        idx = torch.randint(0, self.points.shape[0], (n,), generator=self.generator)
        return self.points[idx].to(torch.float64)

    def batch(self, n: int) -> tuple[Tensor, Tensor | None]:
        if self.sampler is not None:
            return self.draw(n), None
        rows = self.points.shape[0] if self.train_rows is None else self.train_rows.shape[0]
        idx = torch.randint(0, rows, (n,), generator=self.generator)
        if self.train_rows is not None:
            idx = self.train_rows[idx]
        return self.points[idx].to(torch.float64), idx

    def split(self, fraction: float, min_size: int = 64, max_size: int = 4096) -> Tensor | None:
        """Hold out a validation set of ``fraction`` of the data, at most ``max_size`` points
        (finite data), or draw one (sampler)."""
        if fraction <= 0:
            return None
        if self.sampler is not None:
            return self.draw(max(min_size, 1024))
        n = self.points.shape[0]
        n_val = min(int(round(fraction * n)), max_size)
        if n_val < min_size or n - n_val < min_size:
            return None
        perm = torch.randperm(n, generator=self.generator)
        self.train_rows = perm[n_val:]  # an index, not a copy of the data
        return self.points[perm[:n_val]].to(torch.float64)


def _moments(x: Tensor) -> tuple[Tensor, float]:
    """Mean vector and one scalar scale :math:`\\sqrt{\\mathrm{tr}\\,\\Sigma / d}`."""
    mean = x.mean(0)
    return mean, max(float((x - mean).square().sum(1).mean().div(x.shape[1]).sqrt()), 1e-12)


def _sqrtm(S: Tensor) -> Tensor:
    evals, evecs = torch.linalg.eigh(0.5 * (S + S.T))
    return (evecs * evals.clamp_min(0).sqrt()) @ evecs.T


def gaussian_map(source: Tensor, target: Tensor, reg: float = 1e-6) -> tuple[Tensor, Tensor]:
    r"""The Gaussian (Bures) map :math:`x\mapsto Ax + c` between the samples' moments:

    .. math::

        A = \Sigma_s^{-1/2}\big(\Sigma_s^{1/2}\Sigma_t\Sigma_s^{1/2}\big)^{1/2}\Sigma_s^{-1/2},
        \qquad c = m_t - A m_s,

    the optimal map between :math:`\mathcal N(m_s,\Sigma_s)` and :math:`\mathcal N(m_t,\Sigma_t)`
    (symmetric positive definite :math:`A`; ``reg`` is added to both covariances).
    """
    eye = torch.eye(source.shape[1], dtype=source.dtype, device=source.device)
    ms, mt = source.mean(0), target.mean(0)
    cs = torch.cov(source.T).reshape(eye.shape) + reg * eye
    ct = torch.cov(target.T).reshape(eye.shape) + reg * eye
    rs = _sqrtm(cs)
    rs_inv = torch.linalg.inv(rs)
    A = rs_inv @ _sqrtm(rs @ ct @ rs) @ rs_inv
    A = 0.5 * (A + A.T)
    return A, mt - ms @ A


# -- model ------------------------------------------------------------------------------------
_DEFAULT_MODEL_KWARGS: dict[str, dict[str, Any]] = {
    "mgradnet-m": {"width": 64, "modules": 4, "activation": "softmax"},
    "mgradnet-c": {"width": 64, "depth": 4, "activation": "tanh"},
    "gradnet-m": {"width": 64, "modules": 4, "activation": "softmax"},
    "gradnet-c": {"width": 64, "depth": 4, "activation": "tanh"},
    "icnn": {"width": 64, "depth": 3},
    "mlp": {"width": 128, "depth": 3},
}


def _build_net(model: str | nn.Module, dim: int, init_scale: float, kwargs: dict) -> GradientNet:
    if isinstance(model, GradientNet):
        if model.dim != dim:
            raise ValueError(f"model has dimension {model.dim}, data has d={dim}")
        return model
    if isinstance(model, nn.Module):
        raise TypeError("model must be a name or an otgrad.nets.GradientNet instance")
    name = check_choice(model, tuple(_DEFAULT_MODEL_KWARGS), "model")
    options = {**_DEFAULT_MODEL_KWARGS[name], "init_scale": init_scale, **kwargs}
    if name != "icnn":
        options.setdefault("linear", True)
    return make(name, dim, **options)


@torch.no_grad()
def _start_at_gaussian(net: GradientNet, xs: Tensor, yt: Tensor) -> None:
    """Set the linear part to the Gaussian map; fold the residual's mean output into the bias."""
    if net.linear is None:
        raise ValueError("init='gaussian' needs a net with a linear part (linear=True)")
    A, c = gaussian_map(xs, yt)
    net.linear.set_matrix(A)
    net.bias.copy_(c - net._field(xs).mean(0))


# -- objectives --------------------------------------------------------------------------------
class _DualObjective:
    r"""Minibatch :math:`\mathbb{E}F(x_B) - \mathbb{E}F(x^\star(y_B))` (envelope theorem), the
    conjugate points :math:`x^\star` cached per target point and refined by ``newton_steps``
    Newton steps at each use (amortisation); un-cached points start at the linear part's inverse.

    The cache is direct-mapped with at most ``CACHE_ROWS`` slots (point ``i`` lives in slot
    ``i mod CACHE_ROWS``, tagged with ``i``), so its memory stays bounded for any number of
    target points; below that size every point has its own slot.
    """

    CACHE_ROWS = 1 << 16

    def __init__(self, net: GradientNet, n_target: int | None, newton_steps: int) -> None:
        if not (net.is_gradient and net.monotone and net.linear is not None):
            raise ValueError(
                "loss='dual' needs a strongly monotone gradient net (mGradNet with linear=True, "
                "or ICNN)"
            )
        self.net = net
        self.newton_steps = newton_steps
        self.cache: Tensor | None = None
        self.tags: Tensor | None = None  # which target point fills each slot (-1: empty)
        self.n_target = n_target

    def _linear_inverse(self, y: Tensor) -> Tensor:
        A = self.net.linear.matrix.detach()
        return torch.linalg.solve(A, (y - self.net.bias.detach()).T).T

    def _warm_start(self, y: Tensor, idx: Tensor | None) -> Tensor:
        x0 = self._linear_inverse(y)
        if idx is None or self.n_target is None:
            return x0
        if self.cache is None:
            rows = min(self.n_target, self.CACHE_ROWS)
            self.cache = torch.zeros(rows, y.shape[1], dtype=y.dtype, device=y.device)
            self.tags = torch.full((rows,), -1, dtype=torch.long, device=y.device)
        slot = idx.to(y.device) % self.cache.shape[0]
        hit = self.tags[slot] == idx.to(y.device)
        return torch.where(hit[:, None], self.cache[slot], x0)

    def conjugate_points(self, y: Tensor, idx: Tensor | None = None, steps: int | None = None):
        """Approximate :math:`(\nabla F)^{-1}(y)`, updating the cache for indexed points."""
        x_star = analysis.inverse(
            self.net, y, x0=self._warm_start(y, idx), max_iter=steps or self.newton_steps,
            raise_on_failure=False, tol=1e-6 if y.dtype == torch.float64 else 1e-4,
        )
        if idx is not None and self.cache is not None:
            slot = idx.to(y.device) % self.cache.shape[0]
            self.cache[slot], self.tags[slot] = x_star, idx.to(y.device)
        return x_star

    def __call__(self, x: Tensor, y: Tensor, idx: Tensor | None = None) -> Tensor:
        x_star = self.conjugate_points(y, idx)
        f_star = (x_star * y).sum(-1) - self.net.potential(x_star)  # x_star is detached
        return self.net.potential(x).mean() + f_star.mean()

    @torch.no_grad()
    def value(self, x: Tensor, y: Tensor) -> Tensor:
        r"""The dual value :math:`\mathbb{E}F(x) + \mathbb{E}F^*(y)` (for validation)."""
        x_star = self.conjugate_points(y, steps=30)
        f_star = (x_star * y).sum(-1) - self.net.potential(x_star)
        return self.net.potential(x).mean() + f_star.mean()


class _SampleObjective:
    """A sample loss between the pushed batch and the target batch, blur annealed (Sinkhorn)."""

    def __init__(self, net: GradientNet, name: str, blur: tuple[float, float], steps: int,
                 options: dict[str, Any]) -> None:
        self.net, self.name, self.blur, self.steps, self.options = net, name, blur, steps, options
        self.step = 0

    def current_blur(self) -> float:
        start, end = self.blur
        frac = min(1.0, self.step / max(1, 0.5 * self.steps))
        return start * (end / start) ** frac

    def _loss(self, x: Tensor, y: Tensor) -> Tensor:
        opts = dict(self.options)
        if self.name == "sinkhorn":
            opts.setdefault("blur", self.current_blur())
        return make_loss(self.name, **opts)(self.net(x), y)

    def __call__(self, x: Tensor, y: Tensor, idx: Tensor | None = None) -> Tensor:
        return self._loss(x, y)

    @torch.no_grad()
    def value(self, x: Tensor, y: Tensor) -> Tensor:
        n = min(x.shape[0], y.shape[0])
        return self._loss(x[:n], y[:n])


#: per-loss defaults of ``fit_map`` (chosen by ``benchmarks/sweep_defaults.py``)
LOSS_DEFAULTS: dict[str, dict[str, float]] = {
    "dual": {"lr": 1e-2, "init_scale": 0.5},
    "sinkhorn": {"lr": 3e-4, "init_scale": 0.05},
    "emd": {"lr": 3e-4, "init_scale": 0.05},
    "sliced": {"lr": 1e-3, "init_scale": 0.05},
}


# -- the training loop --------------------------------------------------------------------------
def fit_map(
    source: ArrayLike | Sampler,
    target: ArrayLike | Sampler,
    model: str | GradientNet = "mgradnet-m",
    loss: str = "dual",
    steps: int = 1500,
    batch_size: int = 512,
    lr: float | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
    callback: Callable[[int, dict[str, float]], Any] | None = None,
    validation: float = 0.1,
    init: str | None = "gaussian",
    model_kwargs: dict[str, Any] | None = None,
    loss_kwargs: dict[str, Any] | None = None,
    blur: tuple[float, float] = (1.0, 0.2),
    init_scale: float | None = None,
    eval_every: int = 50,
    patience: int = 10,
    newton_steps: int = 4,
    dtype: torch.dtype = torch.float32,
) -> BrenierMap:
    r"""Fit a Brenier map :math:`T = \nabla\Phi` pushing ``source`` onto ``target``.

    Both sides are standardised by scalar affine maps (which keep the gradient-of-convex
    structure), the net starts at the Gaussian (Bures) map between the samples' moments
    (``init="gaussian"``) with a small residual, and is trained with Adam on minibatches under
    a warm-up + cosine learning-rate schedule, early-stopped on a held-out split with the best
    state restored.

    Parameters
    ----------
    source, target : array (n, d), tensor (n, d) or callable ``n -> (n, d)``
        Samples of :math:`\mu` and :math:`\nu` (unpaired, any sizes), or samplers.
    model : str or GradientNet
        "mgradnet-m" (default), "mgradnet-c", "gradnet-m", "gradnet-c", "icnn", "mlp", or a net.
    loss : str
        "dual" (default; :math:`W_2` dual with Newton conjugates), "sinkhorn" (debiased,
        blur annealed from ``blur[0]`` to ``blur[1]`` in standardised units over the first half
        of training), "emd" (exact :math:`\tfrac12W_2^2` per batch, POT) or "sliced".
    steps, batch_size : int
        Optimiser steps and points per side per step.
    lr : float, optional
        Peak Adam learning rate. Default per loss (:data:`LOSS_DEFAULTS`): ``1e-2`` for the
        dual, whose gradients are exact given the conjugates, ``3e-4`` (``1e-3`` sliced) for
        the minibatch sample losses, whose noisy gradients Adam would otherwise turn into
        full-size random steps (``benchmarks/results/sweep_defaults.md``).
    seed : int
        Seeds the initialisation, the minibatches and the validation split.
    device : str or torch.device, optional
        Default: CUDA when available, else CPU.
    progress : bool
        Show a tqdm progress bar with the loss.
    callback : callable, optional
        ``callback(step, logs)`` after every evaluation; return ``True`` to stop.
    validation : float
        Fraction of finite data held out for early stopping, at most 4096 points (0 disables
        it).
    init : "gaussian" or None
        Start at the Gaussian map between the samples' moments.
    model_kwargs, loss_kwargs : dict, optional
        Extra constructor options for the net, and options of the sample loss.
    init_scale : float, optional
        Initial size of the non-linear residual. Default per loss: ``0.5`` for the dual (a
        large residual trains faster and the dual corrects it), ``0.05`` for sample losses
        (which start close to the Gaussian map and cannot pull a large residual back).
    eval_every, patience : int
        Validation period (steps) and early-stopping patience (evaluations).
    newton_steps : int
        Newton steps per conjugate refinement (dual loss).
    dtype : torch.dtype
        Training precision.

    Returns
    -------
    BrenierMap
        The fitted map, with ``history``.

    Raises
    ------
    TrainingDivergedError
        If the loss becomes NaN or infinite; ``err.map`` is the last good map.

    Examples
    --------
    >>> import numpy as np, otgrad
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(500, 2)), rng.normal(size=(500, 2)) * 2 + 1
    >>> T = otgrad.fit_map(x, y, steps=50, progress=False)
    >>> T.transform(x).shape
    (500, 2)
    """
    loss = check_choice(loss, LOSSES, "loss")
    lr = LOSS_DEFAULTS[loss]["lr"] if lr is None else lr
    init_scale = LOSS_DEFAULTS[loss]["init_scale"] if init_scale is None else init_scale
    init = None if init is None else check_choice(init, ("gaussian",), "init")
    if steps < 1 or batch_size < 2:
        raise ValueError(f"steps must be >= 1 and batch_size >= 2; got {steps}, {batch_size}")
    device = resolve_device(device)
    generator = torch.Generator().manual_seed(seed)
    src, tgt = _Points(source, "source", generator), _Points(target, "target", generator)
    xs_all, yt_all = src.draw(8192), tgt.draw(8192)
    if xs_all.shape[1] != yt_all.shape[1]:
        raise ValueError(
            f"source and target dimensions differ: d={xs_all.shape[1]} vs d={yt_all.shape[1]}"
        )
    dim = xs_all.shape[1]
    val_x, val_y = src.split(validation), tgt.split(validation)
    (ms, ss), (mt, st) = _moments(src.draw(8192)), _moments(tgt.draw(8192))

    torch.manual_seed(seed)
    net = _build_net(model, dim, init_scale, dict(model_kwargs or {}))
    net = net.to(device=device, dtype=dtype)
    T = BrenierMap(net, ms, mt, ss, st).to(device=device, dtype=dtype)

    def prep_x(x: Tensor) -> Tensor:
        return T.normalize_source(x.to(device=device, dtype=dtype))

    def prep_y(y: Tensor) -> Tensor:
        return T.normalize_target(y.to(device=device, dtype=dtype))

    if init == "gaussian":
        _start_at_gaussian(net, prep_x(src.draw(8192)), prep_y(tgt.draw(8192)))
    n_target = None if tgt.points is None else tgt.points.shape[0]
    objective = (
        _DualObjective(net, n_target, newton_steps)
        if loss == "dual"
        else _SampleObjective(net, loss, blur, steps, dict(loss_kwargs or {}))
    )
    val_data = None if val_x is None or val_y is None else (prep_x(val_x), prep_y(val_y))
    return _train(T, objective, src, tgt, prep_x, prep_y, val_data, steps, batch_size, lr,
                  progress, callback, eval_every, patience)


def _schedule(steps: int, warmup_frac: float = 0.05) -> Callable[[int], float]:
    warm = max(1, int(warmup_frac * steps))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress_ = (step - warm) / max(1, steps - warm)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress_)))

    return factor


def _finite_parameters(net: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in net.parameters())


def _diverged(T: BrenierMap, last_good: dict, history: dict, what: str, step: int) -> None:
    """Restore the last good state and raise :class:`TrainingDivergedError` naming the step."""
    T.net.load_state_dict(last_good)
    T.history = history
    raise TrainingDivergedError(
        f"{what} at step {step}; the map was restored to the last good state "
        "(try a smaller lr or dtype=torch.float64)", T)


def _train(T, objective, src, tgt, prep_x, prep_y, val_data, steps, batch_size, lr, progress,
           callback, eval_every, patience) -> BrenierMap:
    net = T.net
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _schedule(steps))
    history: dict[str, list[float]] = {"step": [], "loss": [], "val_loss": [], "lr": []}
    best_val, best_state, bad_evals = math.inf, copy.deepcopy(net.state_dict()), 0
    last_good = copy.deepcopy(net.state_dict())
    bar = tqdm(range(steps), disable=not progress, desc="fit_map", leave=False)
    running = None
    for step in bar:
        xb, _ = src.batch(batch_size)
        yb, idx = tgt.batch(batch_size)
        if hasattr(objective, "step"):
            objective.step = step
        try:
            value = objective(prep_x(xb), prep_y(yb), idx)
        except (ValueError, RuntimeError, NotConvergedError) as err:
            if _finite_parameters(net):
                raise
            _diverged(T, last_good, history, f"parameters became non-finite ({err})", step)
        loss_value = float(value.detach())
        if not math.isfinite(loss_value):
            _diverged(T, last_good, history, f"loss became {loss_value}", step)
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        sched.step()
        running = loss_value if running is None else 0.9 * running + 0.1 * loss_value
        last_evaluation = (step + 1) % eval_every == 0 or step == steps - 1
        if not last_evaluation:
            continue
        val = float(objective.value(*val_data)) if val_data is not None else running
        if not math.isfinite(val):
            _diverged(T, last_good, history, f"validation loss became {val}", step)
        last_good = copy.deepcopy(net.state_dict())
        history["step"].append(step + 1)
        history["loss"].append(running)
        history["val_loss"].append(val)
        history["lr"].append(sched.get_last_lr()[0])
        bar.set_postfix(loss=f"{running:.4g}", val=f"{val:.4g}")
        if not math.isfinite(best_val) or val < best_val - 1e-6 * abs(best_val):
            best_val, best_state, bad_evals = val, copy.deepcopy(net.state_dict()), 0
        else:
            bad_evals += 1
        logs = {k: v[-1] for k, v in history.items()}
        if (callback is not None and callback(step + 1, logs)) or bad_evals >= patience:
            break
    bar.close()
    net.load_state_dict(best_state)
    T.history = history
    return T
