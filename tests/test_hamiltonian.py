"""Hamiltonian systems and integrators: gradients, data, energy conservation over 1e4 steps."""

from __future__ import annotations

import math

import pytest
import torch

from otgrad.integrators import hamiltonian_field, implicit_midpoint, leapfrog, rk4
from otgrad.problems.hamiltonian import (
    SYSTEMS,
    MassSpring,
    OscillatorChain,
    apply_J,
    apply_J_transpose,
    make_system,
)

ALL = [make_system(name) for name in ("mass-spring", "pendulum", "two-body")] + [
    OscillatorChain(n=5, beta=1.0),
    OscillatorChain(n=4, beta=0.0, k0=0.0),
]


@pytest.mark.parametrize("system", ALL, ids=repr)
def test_grad_matches_autograd(system, float64):
    z = system.sample_states(50, seed=1).requires_grad_(True)
    (auto,) = torch.autograd.grad(system.hamiltonian(z).sum(), z)
    torch.testing.assert_close(system.grad(z.detach()), auto, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("system", ALL, ids=repr)
def test_dataset_satisfies_hamiltons_equations(system, float64):
    z, zdot = system.dataset(200, noise=0.0, seed=3)
    q_dot, p_dot = zdot.chunk(2, dim=1)
    dH_dq, dH_dp = system.grad(z).chunk(2, dim=1)
    torch.testing.assert_close(q_dot, dH_dp, rtol=1e-12, atol=1e-12)  # qdot = dH/dp
    torch.testing.assert_close(p_dot, -dH_dq, rtol=1e-12, atol=1e-12)  # pdot = -dH/dq
    torch.testing.assert_close(zdot, system.vector_field(z), rtol=1e-12, atol=1e-12)


def test_dataset_noise_is_on_states_only(float64):
    system = make_system("pendulum")
    z0, zdot0 = system.dataset(20_000, noise=0.0, seed=4)
    z, zdot = system.dataset(20_000, noise=0.1, seed=4)
    torch.testing.assert_close(zdot, zdot0, rtol=0, atol=0)
    assert float((z - z0).std()) == pytest.approx(0.1, rel=0.03)
    with pytest.raises(ValueError, match="noise"):
        system.dataset(5, noise=-1.0)


def test_convex_flags_match_hessians(float64):
    for system in ALL:
        z = system.sample_states(20, seed=2)

        def energy(v, s=system):
            return s.hamiltonian(v[None])[0]

        H = torch.stack([torch.autograd.functional.hessian(energy, zi) for zi in z])
        min_eig = float(torch.linalg.eigvalsh(H).min())
        assert (min_eig >= -1e-10) == system.convex, (system, min_eig)


def test_J_helpers_and_registry():
    g = torch.randn(7, 6)
    torch.testing.assert_close(apply_J_transpose(apply_J(g)), g)
    torch.testing.assert_close(apply_J(apply_J(g)), -g)  # J^2 = -I
    assert make_system("chain", n=33).dim == 66
    assert set(SYSTEMS) == {"mass-spring", "pendulum", "two-body", "chain"}
    with pytest.raises(ValueError, match="unknown system"):
        make_system("lorenz")


# ------------------------------------------------------------------ integrators
STEPS, DT = 10_000, 0.05  # 1e4 steps, about 80 periods of the unit oscillator


def _relative_energy_error(system, traj: torch.Tensor) -> float:
    H = torch.stack([system.hamiltonian(z) for z in traj])
    return float(((H - H[0]).abs() / H[0].abs()).max())


@pytest.fixture
def spring_start(float64):
    return MassSpring().sample_states(8, seed=0)


def test_leapfrog_energy_bounded_over_1e4_steps(spring_start):
    system = MassSpring()
    traj = leapfrog(system.grad, spring_start, DT, STEPS, every=10)
    # bounded O(h^2) oscillation: |H - H0| / H0 <= h^2 / 4 for the harmonic oscillator
    assert _relative_energy_error(system, traj) < DT**2 / 4 + 1e-12
    # and the phase stays accurate: exact solution is a rotation
    t = STEPS * DT
    q0, p0 = spring_start[:, 0], spring_start[:, 1]
    c, s = math.cos(t), math.sin(t)
    exact = torch.stack([q0 * c + p0 * s, p0 * c - q0 * s], dim=1)
    assert float((traj[-1] - exact).abs().max()) < 0.2


def test_implicit_midpoint_conserves_quadratic_energy_exactly(spring_start):
    system = MassSpring()
    traj = implicit_midpoint(hamiltonian_field(system.grad), spring_start, DT, STEPS, every=100,
                             tol=1e-14)
    assert _relative_energy_error(system, traj) < 1e-10


def test_rk4_drifts_but_slowly(spring_start):
    system = MassSpring()
    traj = rk4(system.vector_field, spring_start, DT, STEPS, every=100)
    err = _relative_energy_error(system, traj)
    assert 1e-9 < err < 1e-5  # monotone O(h^6)-per-step dissipation, not zero


def test_symplectic_integrators_on_nonlinear_systems(float64):
    pendulum = make_system("pendulum")
    z0 = pendulum.sample_states(4, seed=1)
    traj = leapfrog(pendulum.grad, z0, DT, STEPS, every=50)
    assert _relative_energy_error(pendulum, traj) < 1e-2
    chain = OscillatorChain(n=8, beta=1.0)
    z0 = chain.sample_states(3, seed=2)
    traj = implicit_midpoint(hamiltonian_field(chain.grad), z0, 0.02, 2000, every=100)
    assert _relative_energy_error(chain, traj) < 1e-3


def test_integrator_input_checks():
    with pytest.raises(ValueError):
        rk4(lambda z: z, torch.zeros(3), 0.1, 10)
    with pytest.raises(ValueError):
        leapfrog(lambda z: z, torch.zeros(2, 2), -0.1, 10)
