r"""Gradient of a scalar MLP by automatic differentiation: the Hamiltonian neural network model of
Greydanus, Dzamba & Yosinski (NeurIPS 2019), and the generic "gradient of an MLP" baseline."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .base import GradientNet

__all__ = ["GradMLP"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "silu": nn.SiLU,
}


class GradMLP(GradientNet):
    r"""Map :math:`f(x) = \nabla_x F_\theta(x)` with :math:`F_\theta:\mathbb{R}^d\to\mathbb{R}` an
    unconstrained MLP; the gradient is taken by autograd (with ``create_graph`` so the map can be
    trained). It is a gradient (symmetric Jacobian) but not monotone.

    .. math:: F_\theta(x) = w^\top\sigma(W_L\cdots\sigma(W_1x + b_1)\cdots + b_L) + c^\top x

    Parameters
    ----------
    dim : int
        Dimension :math:`d`.
    width, depth : int
        Hidden width and number of hidden layers.
    activation : str
        "tanh" (as in Greydanus et al.), "softplus" or "silu"; must be twice differentiable.

    Examples
    --------
    >>> import torch
    >>> from otgrad.nets.scalar import GradMLP
    >>> GradMLP(3, width=16)(torch.randn(4, 3)).shape
    torch.Size([4, 3])
    """

    monotone = False

    def __init__(
        self, dim: int, width: int = 64, depth: int = 2, activation: str = "tanh"
    ) -> None:
        super().__init__(dim)
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {', '.join(_ACTIVATIONS)}"
            )
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be >= 1; got {width}, {depth}")
        self._record(width=width, depth=depth, activation=activation)
        layers: list[nn.Module] = []
        sizes = [dim] + [width] * depth
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), _ACTIVATIONS[activation]()]
        self.body = nn.Sequential(*layers, nn.Linear(width, 1, bias=False))

    def _potential(self, x: Tensor) -> Tensor:
        return self.body(x).squeeze(-1)

    def _field(self, x: Tensor) -> Tensor:
        training = torch.is_grad_enabled()  # keep the graph only when the caller trains
        with torch.enable_grad():
            xg = x if x.requires_grad else x.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(
                self._potential(xg).sum(), xg, create_graph=training
            )
        return grad
