"""ICGN and GradMLP baselines: gradient structure, monotonicity, potentials."""

from __future__ import annotations

import pytest
import torch

import otgrad
from otgrad.nets.icgn import ICGN
from otgrad.nets.scalar import GradMLP


def test_icgn_jacobian_symmetric_psd(float64):
    net = ICGN(5, width=32)
    with torch.no_grad():
        net.bias.normal_()
    x = torch.randn(50, 5)
    J = otgrad.jacobian(net, x)
    assert (J - J.transpose(1, 2)).abs().max() < 1e-12
    eig = torch.linalg.eigvalsh(J)
    assert eig.min() >= -1e-8 * eig.abs().max()
    assert net.monotone and net.is_gradient


def test_icgn_matches_its_integral_definition(float64):
    """g(x) = int_0^1 J_V(tx)^T J_V(tx) x dt with V = sigmoid(Wx + b), by a fine Riemann sum."""
    net = ICGN(3, width=6, nodes=12)
    x = torch.randn(4, 3)
    t = (torch.arange(4000, dtype=torch.float64) + 0.5) / 4000
    s = torch.sigmoid(t[:, None, None] * (x @ net.W.T) + net.b)  # (T, n, m)
    slope = s * (1 - s)
    Jx = slope * (x @ net.W.T)  # J_V(tx) x
    expected = ((slope * Jx) @ net.W).mean(0)  # J_V^T (J_V x)
    torch.testing.assert_close(net(x), expected + net.bias, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("net", [ICGN(4, width=8), GradMLP(4, width=8, depth=2)])
def test_potential_gradient_is_output(net, float64):
    net = net.double()
    x = torch.randn(10, 4, requires_grad=True)
    (g,) = torch.autograd.grad(net.potential(x).sum(), x)
    torch.testing.assert_close(net(x.detach()), g, rtol=1e-7, atol=1e-9)


def test_gradmlp_symmetric_jacobian_and_no_graph_in_eval(float64):
    net = GradMLP(4, width=16, depth=2, activation="tanh")
    x = torch.randn(6, 4)
    J = otgrad.jacobian(net, x)
    assert (J - J.transpose(1, 2)).abs().max() < 1e-10
    with torch.no_grad():
        out = net(x)
    assert not out.requires_grad
    out = net(x)  # training mode: differentiable in the parameters
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    with pytest.raises(ValueError, match="activation"):
        GradMLP(2, activation="relu")
