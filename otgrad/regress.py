r"""Supervised regression of a vector field: fit :math:`f_\theta(x)\approx y` by Adam on the mean
squared error, the training used by the paper's gradient-field and Hamiltonian tasks."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

__all__ = ["FitResult", "count_parameters", "fit_field", "predict"]

#: a batch sampler ``(batch_size, generator) -> (x, y)``
Sampler = Callable[[int, torch.Generator], tuple[Tensor, Tensor]]


@dataclass
class FitResult:
    """What :func:`fit_field` did: the loss every ``log_every`` steps and the wall time."""

    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    diverged: bool = False


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _fixed_data_sampler(x: Tensor, y: Tensor) -> Sampler:
    """Batches drawn without replacement, epoch by epoch (the paper's 2-D protocol)."""
    if x.shape[0] != y.shape[0] or x.ndim != 2 or y.ndim != 2:
        raise ValueError(
            f"x and y must be (n, d) with equal n; got {tuple(x.shape)}, {tuple(y.shape)}"
        )
    state: dict[str, Tensor | int] = {"order": torch.empty(0, dtype=torch.long), "pos": 0}

    def sample(batch_size: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        order, pos = state["order"], int(state["pos"])
        if pos + batch_size > len(order):
            order, pos = torch.randperm(x.shape[0], generator=generator), 0
            state["order"] = order
        idx = order[pos : pos + batch_size]
        state["pos"] = pos + batch_size
        return x[idx], y[idx]

    return sample


def fit_field(
    model: nn.Module,
    x: Tensor | Sampler,
    y: Tensor | None = None,
    *,
    steps: int = 1000,
    batch_size: int = 100,
    lr: float = 1e-3,
    seed: int = 0,
    log_every: int = 100,
) -> FitResult:
    r"""Train ``model`` in place to minimise :math:`\mathrm{mean}_i\|f_\theta(x_i) - y_i\|^2`.

    Parameters
    ----------
    model : nn.Module
        Maps ``(n, d) -> (n, d')``.
    x, y : Tensor
        Training pairs ``(n, d)``, ``(n, d')`` (minibatches cycle through shuffled epochs); or
        ``x`` a sampler ``(batch_size, generator) -> (x, y)`` drawing fresh pairs and ``y=None``.
    steps, batch_size, lr : int, int, float
        Adam steps, minibatch size and learning rate (Kingma & Ba, 2015).
    seed : int
        Seeds the minibatch order (the model's initialisation is the caller's business).
    log_every : int
        Record the minibatch loss every ``log_every`` steps.

    Returns
    -------
    FitResult
        Loss history; ``diverged`` is set (and training stops) if the loss becomes non-finite.
    """
    if steps < 0 or batch_size < 1 or lr <= 0:
        raise ValueError(
            f"need steps >= 0, batch_size >= 1, lr > 0; got {steps}, {batch_size}, {lr}"
        )
    sample = x if y is None else _fixed_data_sampler(x, y)
    if not callable(sample):
        raise TypeError("pass training pairs x, y or a sampler callable as x with y=None")
    generator = torch.Generator().manual_seed(int(seed))
    dtype = next(model.parameters()).dtype
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    result = FitResult()
    start = time.perf_counter()
    model.train()
    for step in range(steps):
        xb, yb = sample(batch_size, generator)
        loss = (model(xb.to(dtype)) - yb.to(dtype)).pow(2).sum(1).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        if step % log_every == 0 or step == steps - 1:
            value = float(loss.detach())
            result.losses.append(value)
            if not math.isfinite(value):
                result.diverged = True
                break
    model.eval()
    result.seconds = time.perf_counter() - start
    return result


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 8192) -> Tensor:
    """``model(x)`` in row blocks without building a graph (GradMLP builds its own)."""
    dtype = next(model.parameters()).dtype
    return torch.cat([model(chunk.to(dtype)) for chunk in torch.split(x, batch_size)])
