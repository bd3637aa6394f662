r"""``BrenierMap``: a gradient network between standardised coordinates, with transform,
inverse, potential, conjugate, Jacobian and save/load.

With scalar affine standardisation :math:`\tilde x = (x - m_s)/s_s`,
:math:`\tilde y = (y - m_t)/s_t`
and a net :math:`f = \nabla F` on standardised coordinates, the map in data coordinates is

.. math::

    T(x) = m_t + s_t\, f\big((x - m_s)/s_s\big) = \nabla\Phi(x),\qquad
    \Phi(x) = s_s s_t\, F\big((x - m_s)/s_s\big) + m_t^\top x,

so :math:`T` is the gradient of a convex function whenever :math:`F` is convex (scalar scales
preserve the Brenier structure; per-coordinate scales on the two sides would not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from . import analysis
from ._validation import ArrayLike, apply_batched, as_points, to_like
from .nets import GradientNet, from_config

__all__ = ["BrenierMap", "load"]

_FORMAT = "otgrad.BrenierMap"
_VERSION = 1


class BrenierMap(nn.Module):
    r"""A transport map :math:`T = \nabla\Phi` wrapping a :class:`~otgrad.nets.GradientNet`.

    Parameters
    ----------
    net : GradientNet
        The network on standardised coordinates.
    source_mean, target_mean : Tensor, optional
        :math:`m_s, m_t`, shape ``(d,)`` (default zeros).
    source_scale, target_scale : float
        :math:`s_s, s_t > 0` (default 1).

    Attributes
    ----------
    history : dict
        Training history (``"step"``, ``"loss"``, ``"val_loss"``, ``"lr"``, ...) when fitted.

    Examples
    --------
    >>> import numpy as np, otgrad
    >>> T = otgrad.BrenierMap(otgrad.nets.MGradNetM(2, width=8, linear=True))
    >>> T.transform(np.zeros((3, 2))).shape
    (3, 2)
    """

    def __init__(
        self,
        net: GradientNet,
        source_mean: Tensor | None = None,
        target_mean: Tensor | None = None,
        source_scale: float = 1.0,
        target_scale: float = 1.0,
    ) -> None:
        super().__init__()
        if not isinstance(net, GradientNet):
            raise TypeError(f"net must be an otgrad.nets.GradientNet; got {type(net).__name__}")
        if source_scale <= 0 or target_scale <= 0:
            raise ValueError("source_scale and target_scale must be positive")
        self.net = net
        # separate storage per buffer: load_state_dict copies in place
        for name, mean in (("source_mean", source_mean), ("target_mean", target_mean)):
            self.register_buffer(name, torch.zeros(net.dim) if mean is None else mean.clone())
        self.register_buffer("source_scale", torch.tensor(float(source_scale)))
        self.register_buffer("target_scale", torch.tensor(float(target_scale)))
        self.history: dict[str, list[float]] = {}

    # -- coordinates --------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return self.net.dim

    @property
    def monotone(self) -> bool:
        return self.net.monotone

    def _param(self) -> Tensor:
        return self.source_mean

    def _prepare(self, x: ArrayLike, name: str) -> Tensor:
        ref = self._param()
        return as_points(x, name, self.dim, dtype=ref.dtype, device=ref.device)

    def normalize_source(self, x: Tensor) -> Tensor:
        return (x - self.source_mean) / self.source_scale

    def normalize_target(self, y: Tensor) -> Tensor:
        return (y - self.target_mean) / self.target_scale

    # -- the map as a module (tensors, differentiable) ---------------------------------------
    def forward(self, x: Tensor) -> Tensor:
        r""":math:`T(x)` on tensors, differentiable (used in training)."""
        return self.target_mean + self.target_scale * self.net(self.normalize_source(x))

    def potential_tensor(self, x: Tensor) -> Tensor:
        r""":math:`\Phi(x)` on tensors, differentiable, shape ``(n,)``."""
        scale = self.source_scale * self.target_scale
        return scale * self.net.potential(self.normalize_source(x)) + x @ self.target_mean

    # -- user-facing (numpy in -> numpy out, torch in -> torch out) --------------------------
    def transform(self, x: ArrayLike, batch_size: int = 65536) -> ArrayLike:
        """Apply :math:`T` to points ``(n, d)``; numpy in → numpy out, torch in → torch out."""
        t = self._prepare(x, "x")
        with torch.no_grad():
            return to_like(apply_batched(self.forward, t, batch_size), x)

    def inverse(self, y: ArrayLike, **inverse_kwargs: Any) -> ArrayLike:
        r""":math:`T^{-1}(y) = \nabla\Phi^*(y)` by Newton's method (:func:`otgrad.inverse`).

        Needs a strongly monotone net (an mGradNet or ICNN with a linear part).
        """
        if not self.net.monotone:
            raise ValueError("inverse needs a monotone map (mGradNet or ICNN)")
        t = self._prepare(y, "y")
        x = analysis.inverse(self.net, self.normalize_target(t), **inverse_kwargs)
        return to_like(self.source_mean + self.source_scale * x, y)

    def potential(self, x: ArrayLike) -> ArrayLike:
        r"""The convex potential :math:`\Phi(x)` (``(n,)``) with :math:`\nabla\Phi = T`."""
        t = self._prepare(x, "x")
        with torch.no_grad():
            return to_like(self.potential_tensor(t), x)

    def conjugate(self, y: ArrayLike, **inverse_kwargs: Any) -> ArrayLike:
        r"""Convex conjugate :math:`\Phi^*(y) = \langle x^\star, y\rangle - \Phi(x^\star)`,
        :math:`x^\star = T^{-1}(y)`."""
        t = self._prepare(y, "y")
        x = self._prepare(self.inverse(t, **inverse_kwargs), "x")
        with torch.no_grad():
            return to_like((x * t).sum(-1) - self.potential_tensor(x), y)

    def jacobian(self, x: ArrayLike) -> ArrayLike:
        r"""Jacobian :math:`J_T(x) = (s_t/s_s)\,J_f(\tilde x)`, shape ``(n, d, d)``."""
        t = self._prepare(x, "x")
        with torch.no_grad():
            J = analysis.jacobian(self.net, self.normalize_source(t))
            return to_like(J * (self.target_scale / self.source_scale), x)

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Save the configuration and weights (a plain dict of tensors, safe to load)."""
        torch.save(
            {
                "format": _FORMAT,
                "version": _VERSION,
                "net_class": type(self.net).__name__,
                "net_config": self.net.config(),
                "state_dict": {k: v.detach().cpu() for k, v in self.state_dict().items()},
                "history": self.history,
            },
            Path(path),
        )


def load(path: str | Path, device: torch.device | str | None = None) -> BrenierMap:
    """Load a map written by :meth:`BrenierMap.save` (``torch.load(weights_only=True)``).

    Raises ``ValueError`` for a file that is not an otgrad map (corrupt, foreign or
    tampered-with files never execute code).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such map file: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        kind = type(err).__name__
        raise ValueError(f"{path} is not a readable otgrad map file ({kind})") from err
    if not isinstance(blob, dict) or blob.get("format") != _FORMAT:
        raise ValueError(f"{path} is not an otgrad map file (format tag missing)")
    if blob.get("version") != _VERSION:
        raise ValueError(f"{path} has map format version {blob.get('version')}, need {_VERSION}")
    net = from_config(blob["net_class"], blob["net_config"])
    state = blob["state_dict"]
    dtype = state["source_mean"].dtype
    T = BrenierMap(net.to(dtype))
    T.load_state_dict(state)
    T.history = blob.get("history", {})
    return T.to(device) if device is not None else T
