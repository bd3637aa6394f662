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
# # Quickstart: a Brenier map in five lines
#
# We fit the optimal transport map from a Gaussian cloud to the "two moons" data with a
# monotone gradient network (mGradNet-M, Chaudhari, Pranav & Moura, IEEE TSP 2024). The network is
# the gradient of a convex potential by construction, so by Brenier's theorem (1991) the fitted
# map *is* the optimal map from the source to its push-forward — no min-max, no penalty.
#
# Then we use what a map has that a transport plan lacks: apply it to new points, invert it,
# evaluate its convex potential, and check that its Jacobian is symmetric positive definite.
#
# Set `OTGRAD_FAST=1` to run at small sizes (CI does).

# %%

import numpy as np
import torch
from _setup import FAST, FIGURES  # fast mode (OTGRAD_FAST=1), tutorials/figures/
from matplotlib.figure import Figure

import otgrad
from otgrad import datasets, metrics, plot

STEPS = 300 if FAST else 3000
N = 1000 if FAST else 5000
torch.manual_seed(0)

# %% [markdown]
# ## Data: samples only
# The source is a standard Gaussian, the target the two moons. The two sample sets are
# independent and unpaired; they can have different sizes.

# %%
rng = np.random.default_rng(0)
source = rng.normal(size=(N, 2))
target = datasets.sample("moons", N, seed=1)
print(source.shape, target.shape)

# %% [markdown]
# ## Fit
# `fit_map` standardises both sides, starts at the Gaussian (Bures) map between the samples'
# moments and trains the residual of an mGradNet-M.

# %%
T = otgrad.fit_map(source, target, model="mgradnet-m", steps=STEPS, lr=1e-2, seed=0,
                   progress=False)
print(T)

# %% [markdown]
# ## Transform new points, invert, evaluate the potential
# numpy in → numpy out (torch in → torch out). The inverse solves
# $T(x) = y$ by Newton's method with the symmetric positive definite Jacobian.

# %%
x_new = rng.normal(size=(5, 2))
y_new = T.transform(x_new)
x_back = T.inverse(y_new)
print("round-trip error  max|T^-1(T(x)) - x| =", np.abs(x_back - x_new).max())
print("potential Phi(x)  =", T.potential(x_new).round(3))
print("conjugate Phi*(y) =", T.conjugate(y_new).round(3))
# Fenchel-Young equality at y = T(x): Phi(x) + Phi*(y) = <x, y>
fy = T.potential(x_new) + T.conjugate(y_new) - (x_new * y_new).sum(1)
print("Fenchel-Young gap =", np.abs(fy).max())

# %% [markdown]
# ## Certificate: the Jacobian is symmetric positive semidefinite everywhere we look

# %%
probe = torch.as_tensor(rng.normal(size=(256, 2)) * 2, dtype=torch.float32)
report = otgrad.check_monotone(T, probe)
print(report)

# %% [markdown]
# ## How good is the fit?
# $W_2$ between the pushed held-out source and held-out target, next to the identity map and
# the best linear (Gaussian) map for scale.

# %%
test_x = rng.normal(size=(1000, 2))
test_y = datasets.sample("moons", 1000, seed=2)
A, c = otgrad.gaussian_map(torch.from_numpy(source), torch.from_numpy(target))
linear = test_x @ A.numpy() + c.numpy()
candidates = {"identity": test_x, "Gaussian map": linear, "mGradNet-M": T.transform(test_x)}
for name, pushed in candidates.items():
    print(f"{name:>14}: W2 = {metrics.w2(pushed, test_y, max_samples=1000):.3f}")
print(f"{'two samples':>14}: W2 = {metrics.w2(target[:1000], test_y):.3f}  (sampling noise floor)")

# %% [markdown]
# ## Figure: samples, displacements, potential, training curve

# %%
fig = Figure(figsize=(11, 10), layout="constrained")
axes = fig.subplots(2, 2)
plot.plot_samples(source, target, T.transform(source), ax=axes[0, 0], max_points=800,
                  title="samples and push-forward")
plot.plot_displacement(source, T.transform(source), ax=axes[0, 1], max_arrows=250,
                       title="displacements x → T(x)")
plot.plot_potential(T.potential, (-3, 3, -3, 3), ax=axes[1, 0], resolution=80,
                    title="convex potential Φ (level sets)")
plot.plot_training(T.history, ax=axes[1, 1], title="training")
fig.savefig(FIGURES / "quickstart.png", dpi=80)
