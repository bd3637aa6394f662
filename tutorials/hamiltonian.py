# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Hamiltonian dynamics with gradient networks
#
# A Hamiltonian system evolves by $\dot z = J\nabla H(z)$ with $z = (q, p)$ and
# $J = \begin{pmatrix}0 & I\\ -I & 0\end{pmatrix}$. Learning the dynamics from observed states
# and velocities therefore means learning a *gradient field*, $\nabla H = J^\top\dot z$.
# Hamiltonian neural networks (Greydanus, Dzamba & Yosinski, NeurIPS 2019) model a scalar $H$
# with an MLP and differentiate it; a GradNet (Chaudhari, Pranav & Moura, IEEE TSP 2024) models
# $\nabla H$ directly, with a symmetric Jacobian by construction — and an mGradNet when $H$ is
# convex. A plain MLP vector field has no such structure and does not conserve any energy.
#
# Set `OTGRAD_FAST=1` to run at small sizes (CI does).

# %%

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from _setup import FAST, FIGURES  # fast mode (OTGRAD_FAST=1), tutorials/figures/

from otgrad.bench.fields import matched_model
from otgrad.integrators import hamiltonian_field, implicit_midpoint, leapfrog, rk4
from otgrad.metrics import gradient_error_db
from otgrad.problems.hamiltonian import apply_J_transpose, make_system
from otgrad.regress import fit_field, predict

STEPS = 800 if FAST else 5000
torch.manual_seed(0)

# %% [markdown]
# ## The ideal pendulum
# $H = 6(1-\cos q) + p^2/2$ (Greydanus et al.'s set-up: m = l = 1, g = 3). `dataset` returns
# noisy states and exact time derivatives; the regression target is $\nabla H = J^\top\dot z$.

# %%
pendulum = make_system("pendulum")
z, zdot = pendulum.dataset(750, noise=0.1, seed=0)
target = apply_J_transpose(zdot)
print(pendulum, z.shape, "H range:", pendulum.hamiltonian(z).min().item(),
      pendulum.hamiltonian(z).max().item())

# %% [markdown]
# ## Three models with ≈2000 parameters
# GradNet-C (a gradient field by construction), the HNN (gradient of a scalar MLP, by autograd)
# and an unconstrained MLP vector field, all trained on the same pairs.

# %%
MODELS = {"gradnet-c": "GradNet-C", "gradmlp": "HNN", "mlp": "MLP field"}
z_test = pendulum.sample_states(5000, seed=7)
nets = {}
for name, label in MODELS.items():
    net = matched_model(name, pendulum.dim, 2000, seed=0)
    fit_field(net, z.float(), target.float(), steps=STEPS, batch_size=100, lr=3e-3)
    nets[name] = net
    db = gradient_error_db(predict(net, z_test.float()), pendulum.grad(z_test))
    print(f"{label:10s} field error {db:7.2f} dB")

# %% [markdown]
# ## Rollouts with a symplectic integrator
# The learned $\nabla H$ of a GradNet is not separable, so we integrate with the implicit
# midpoint rule (symplectic for any Hamiltonian field). The truth is RK4 with small steps.
# For a gradient model the integrator conserves (a perturbation of) the *learned* energy, so
# the true energy oscillates instead of drifting away.

# %%
dt, horizon = 0.05, (10.0 if FAST else 50.0)
steps = int(horizon / dt)
z0 = pendulum.sample_states(4, seed=3)
true = rk4(pendulum.vector_field, z0, dt / 4, 4 * steps, every=4)
rollouts = {}
for name, net in nets.items():
    def field(state, net=net):
        return net(state.float()).double()

    rollouts[name] = implicit_midpoint(hamiltonian_field(field), z0, dt, steps, tol=1e-6)
    mse = float(((rollouts[name] - true) ** 2).sum(-1).mean())
    H = torch.stack([pendulum.hamiltonian(s) for s in rollouts[name]])
    drift = float(((H - H[0]).abs() / H[0]).mean())
    print(f"{MODELS[name]:10s} rollout MSE {mse:8.4f}   mean relative energy drift {drift:.4f}")

# %% [markdown]
# Symplectic integration of the *true* $H$ needs no implicit solve because the pendulum is
# separable: leapfrog (Störmer–Verlet) keeps the energy error bounded over very long times.

# %%
exact = leapfrog(pendulum.grad, z0, dt, 20 * steps, every=20)
H = torch.stack([pendulum.hamiltonian(s) for s in exact])
print("leapfrog on the true H: max relative energy error",
      float(((H - H[0]).abs() / H[0]).max()))

# %% [markdown]
# ## Figure: phase portraits and energy over time

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
time = torch.arange(steps + 1) * dt
left.plot(true[:, 0, 0], true[:, 0, 1], "k-", lw=3, label="true")
H0 = pendulum.hamiltonian(z0)[0]
right.axhline(1.0, color="k", lw=1)
for i, (name, traj) in enumerate(rollouts.items()):
    left.plot(traj[:, 0, 0], traj[:, 0, 1], f"C{i}-", lw=1, label=MODELS[name])
    energy = torch.stack([pendulum.hamiltonian(s[:1]) for s in traj])[:, 0] / H0
    right.plot(time, energy, f"C{i}-", label=MODELS[name])
left.set(xlabel="q", ylabel="p", title="pendulum: phase portrait")
right.set(xlabel="t", ylabel="H(z_t) / H(z_0)", title="true energy along the rollout")
left.legend()
right.legend()
fig.tight_layout()
fig.savefig(FIGURES / "hamiltonian.png", dpi=80)

# %% [markdown]
# ## A convex Hamiltonian in 64 dimensions
# A chain of 32 masses with Fermi–Pasta–Ulam-β springs has a convex $H$, so an mGradNet — the
# gradient of a convex function — is the right model. (Fast mode: 8 masses.)

# %%
chain = make_system("chain", n=8 if FAST else 32)
z, zdot = chain.dataset(4000 if FAST else 10_000, seed=0)
z_test = chain.sample_states(5000, seed=7)
for name in ("mgradnet-m", "gradmlp", "mlp"):
    net = matched_model(name, chain.dim, 1000 * chain.dim, seed=0)
    fit_field(net, z.float(), apply_J_transpose(zdot).float(), steps=STEPS, batch_size=100,
              lr=1e-2)
    db = gradient_error_db(predict(net, z_test.float()), chain.grad(z_test))
    print(f"chain d={chain.dim}  {name:11s} field error {db:7.2f} dB")

# %% [markdown]
# The full comparison over the mass–spring, pendulum, two-body and chain systems, with several
# seeds, learning rates from a grid and rollout/energy metrics, is `otgrad bench hamiltonian`
# (`benchmarks/results/hamiltonian.md`).
