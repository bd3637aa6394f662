"""Architectures: maps R^d -> R^d as ``nn.Module``s with ``.potential()``.

GradNet-C / GradNet-M are gradients of scalar functions; mGradNet-C / mGradNet-M are gradients
of convex functions (Chaudhari, Pranav & Moura, IEEE TSP 2024). ICNN and MLP are references.
"""

from __future__ import annotations

from typing import Any

from .._validation import check_choice
from .activations import ACTIVATIONS, make_activation
from .base import GradientNet, LinearPart
from .cascaded import GradNetC, MGradNetC
from .modular import GradNetM, MGradNetM
from .reference import ICNN, MLP

__all__ = [
    "ACTIVATIONS",
    "GradNetC",
    "GradNetM",
    "GradientNet",
    "ICNN",
    "LinearPart",
    "MGradNetC",
    "MGradNetM",
    "MLP",
    "NETS",
    "from_config",
    "make",
    "make_activation",
]

#: model names accepted by :func:`make` and ``fit_map(model=...)``
NETS: dict[str, type[GradientNet]] = {
    "mgradnet-m": MGradNetM,
    "mgradnet-c": MGradNetC,
    "gradnet-m": GradNetM,
    "gradnet-c": GradNetC,
    "icnn": ICNN,
    "mlp": MLP,
}


def make(name: str, dim: int, **kwargs: Any) -> GradientNet:
    """Build the network called ``name`` (see :data:`NETS`) for dimension ``dim``.

    Examples
    --------
    >>> import otgrad
    >>> otgrad.nets.make("mgradnet-c", 4, width=16).dim
    4
    """
    return NETS[check_choice(name, tuple(NETS), "model")](dim, **kwargs)


def from_config(class_name: str, config: dict[str, Any]) -> GradientNet:
    """Rebuild a net from ``type(net).__name__`` and ``net.config()`` (used by ``otgrad.load``)."""
    classes = {cls.__name__: cls for cls in _subclasses(GradientNet)}
    if class_name not in classes:
        raise ValueError(f"unknown network class {class_name!r} in saved file")
    return classes[class_name](**config)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out
