"""Contract test over every architecture: shapes, gradients, symmetry, PSD, potentials, inverse."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import otgrad
from otgrad.nets import ACTIVATIONS, NETS

ELEMENTWISE = [a for a, elementwise in ACTIVATIONS.items() if elementwise]
GRADIENT_NETS = ["mgradnet-m", "mgradnet-c", "gradnet-m", "gradnet-c", "icnn"]
MONOTONE_NETS = ["mgradnet-m", "mgradnet-c", "icnn"]


def _build(name: str, dim: int, activation: str | None = None, **kw) -> otgrad.nets.GradientNet:
    if activation is not None and name != "icnn" and name != "mlp":
        kw["activation"] = activation
    kw.setdefault("width", 8)
    return otgrad.nets.make(name, dim, **kw)


def _activations(name: str) -> list[str]:
    return ELEMENTWISE if name.endswith("-c") else list(ACTIVATIONS)


def _scramble(net: torch.nn.Module, scale: float, seed: int) -> None:
    """Random parameters at a given scale, badly scaled across tensors."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            factor = scale * (10.0 ** ((i % 3) - 1))
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * factor)


net_cases = st.sampled_from(
    [(n, a) for n in GRADIENT_NETS for a in (_activations(n) if n != "icnn" else [None])]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=net_cases, dim=st.integers(1, 64), scale=st.floats(0.1, 5.0), seed=st.integers(0, 99))
def test_jacobian_symmetric_and_psd_for_random_parameters(case, dim, scale, seed):
    name, act = case
    torch.manual_seed(seed)
    net = _build(name, dim, act).double()
    _scramble(net, scale, seed)
    x = torch.randn(6, dim, dtype=torch.float64) * 3
    J = otgrad.jacobian(net, x)
    norm = torch.linalg.matrix_norm(J).clamp_min(1.0)
    sym = torch.linalg.matrix_norm(J - J.transpose(1, 2)) / norm
    assert sym.max().item() < 1e-6
    if net.monotone:
        min_eig = torch.linalg.eigvalsh(0.5 * (J + J.transpose(1, 2))).min(dim=1).values
        assert (min_eig / norm).min().item() >= -1e-6


@pytest.mark.parametrize("name", ["gradnet-m", "gradnet-c"])
def test_free_gradnet_can_have_negative_eigenvalues(name):
    """The PSD check is able to fail: a free GradNet is not monotone in general."""
    found = False
    for seed in range(20):
        torch.manual_seed(seed)
        net = _build(name, 3, "tanh").double()
        _scramble(net, 2.0, seed)
        report = otgrad.check_monotone(net, torch.randn(50, 3, dtype=torch.float64) * 2)
        assert report.is_gradient
        found |= report.min_eigenvalue < -1e-3 and not report.monotone
    assert found


def test_mlp_is_not_a_gradient():
    net = otgrad.nets.MLP(4).double()
    report = otgrad.check_monotone(net, torch.randn(10, 4, dtype=torch.float64))
    assert not report.is_gradient and not report.monotone
    with pytest.raises(NotImplementedError, match="not a gradient"):
        net.potential(torch.randn(3, 4, dtype=torch.float64))


@pytest.mark.parametrize("name", GRADIENT_NETS)
@pytest.mark.parametrize("dim", [1, 5, 32])
def test_potential_gradient_equals_output(name, dim, float64):
    for act in _activations(name) if name != "icnn" else [None]:
        net = _build(name, dim, act, linear=True) if name != "icnn" else _build(name, dim)
        x = (torch.randn(16, dim) * 2).requires_grad_(True)
        (grad,) = torch.autograd.grad(net.potential(x).sum(), x)
        out = net(x).detach()
        err = ((grad - out).abs() / (1 + out.abs())).max().item()
        assert err < 1e-6, (name, act, err)


@pytest.mark.parametrize("name", GRADIENT_NETS)
def test_path_potential_matches_closed_form(name, float64):
    net = _build(name, 3)
    x = torch.randn(10, 3)
    diff = net.potential(x) - net.potential(torch.zeros(1, 3))
    assert torch.allclose(otgrad.path_potential(net, x), diff, atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize("name", list(NETS))
def test_every_parameter_receives_a_gradient(name):
    net = _build(name, 3, linear=True) if name != "icnn" else _build(name, 3)
    loss = net(torch.randn(32, 3)).square().sum()
    if net.is_gradient:
        loss = loss + net.potential(torch.randn(32, 3)).sum()
    loss.backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


@pytest.mark.parametrize("name", MONOTONE_NETS)
@pytest.mark.parametrize("dim", [1, 8, 64])
def test_inverse_and_conjugate(name, dim, float64):
    net = _build(name, dim, linear=True) if name != "icnn" else _build(name, dim)
    y = torch.randn(32, dim) * 2
    x = otgrad.inverse(net, y)
    assert (net(x) - y).norm(dim=1).max().item() <= 1e-6
    # Fenchel–Young with equality at x = f^{-1}(y): F(x) + F*(y) = <x, y>
    fy = otgrad.conjugate(net, y, x=x)
    assert torch.allclose(net.potential(x) + fy, (x * y).sum(-1), atol=1e-9)
    # ... and strict inequality elsewhere (F* is a supremum)
    z = x + torch.randn_like(x)
    assert (net.potential(z) + fy >= (z * y).sum(-1) - 1e-9).all()


def test_inverse_reports_non_convergence():
    net = otgrad.nets.MGradNetM(2, width=4, linear=True)
    with pytest.raises(otgrad.NotConvergedError, match="did not converge"):
        otgrad.inverse(net, torch.randn(4, 2) * 100, max_iter=1)


def test_linear_part_set_matrix(float64):
    net = otgrad.nets.MGradNetM(3, width=4, linear=True, init_scale=1e-12)
    A = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 3.0]])
    net.linear.set_matrix(A)
    with torch.no_grad():
        net.bias.zero_()
    x = torch.randn(5, 3)
    assert torch.allclose(net(x), x @ A, atol=1e-8)


@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shapes_dtypes_and_repr(name, dtype):
    net = _build(name, 4).to(dtype)
    out = net(torch.randn(7, 4, dtype=dtype))
    assert out.shape == (7, 4) and out.dtype == dtype
    assert type(net).__name__ in repr(net)
    rebuilt = otgrad.nets.from_config(type(net).__name__, net.config())
    rebuilt.load_state_dict(net.state_dict())
    x = torch.randn(3, 4)
    assert torch.allclose(rebuilt(x), net.float()(x))


@pytest.mark.parametrize("name", list(NETS))
def test_bad_input(name):
    net = _build(name, 3)
    with pytest.raises(ValueError, match="2-D"):
        net(torch.randn(3))
    with pytest.raises(ValueError, match="dimension d=4"):
        net(torch.randn(5, 4))
    with pytest.raises(TypeError, match="floating-point"):
        net(torch.ones(5, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        net([[0.0, 1.0, 2.0]])


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        otgrad.nets.make("resnet", 2)
    with pytest.raises(ValueError, match="unknown activation"):
        otgrad.nets.MGradNetM(2, activation="relu6")
    with pytest.raises(ValueError, match="elementwise"):
        otgrad.nets.MGradNetC(2, activation="softmax")


@pytest.mark.parametrize("name", list(NETS))
def test_jacobian_matches_autograd(name, float64):
    for act in _activations(name) if name not in ("icnn", "mlp") else [None]:
        net = _build(name, 3, act, linear=True) if name != "icnn" else _build(name, 3)
        x = torch.randn(4, 3)
        J = otgrad.jacobian(net, x)
        for i in range(4):
            Ji = torch.autograd.functional.jacobian(lambda v, f=net: f(v[None])[0], x[i])
            assert torch.allclose(J[i], Ji, atol=1e-10), (name, act)


@pytest.mark.parametrize("name", ["mgradnet-m", "mgradnet-c", "gradnet-m", "gradnet-c"])
def test_compiles_without_graph_breaks(name):
    """``torch.compile``-friendly: dynamo traces the forward pass as one graph (and the closed-form
    potentials; the cascaded nets' quadrature potential compiles with a graph break at the
    cached numpy Gauss-Legendre nodes)."""
    net = _build(name, 3, None, linear=True)
    x = torch.randn(5, 3)
    for fn, whole in ((net, True), (net.potential, name.endswith("-m"))):
        compiled = torch.compile(fn, backend="eager", fullgraph=whole)
        assert torch.allclose(compiled(x), fn(x), atol=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ["mgradnet-m", "mgradnet-c", "icnn"])
def test_cuda_matches_cpu(name):
    net = _build(name, 4) if name == "icnn" else _build(name, 4, None, linear=True)
    x = torch.randn(16, 4)
    expected = net(x)
    got = net.to("cuda")(x.to("cuda")).cpu()
    assert torch.allclose(got, expected, atol=1e-5)
