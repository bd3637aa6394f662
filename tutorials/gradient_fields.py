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
# # Learning gradient fields with GradNets
#
# The first task of *Gradient Networks* (Chaudhari, Pranav & Moura, IEEE TSP 2024): given samples
# $x_i$ and the values $\nabla F(x_i)$ of an unknown gradient field, learn a network $f_\theta$
# with $f_\theta \approx \nabla F$. A GradNet is the gradient of a scalar function *by
# construction* (its Jacobian is symmetric), and an mGradNet the gradient of a *convex* function
# (symmetric positive semidefinite Jacobian). When the target has that structure, the network
# does not spend capacity learning it.
#
# We reproduce the paper's 2-D experiment at ≈100 parameters: a convex field $F$ and a
# non-convex field $G$ on $[0, 1]^2$, and compare with an unconstrained MLP field and the
# gradient of a scalar MLP. The error is in decibels,
# $10\log_{10}\operatorname{mean}\|f_\theta(x) - \nabla F(x)\|^2$.
#
# Set `OTGRAD_FAST=1` to run at small sizes (CI does).

# %%

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from _setup import FAST, FIGURES  # fast mode (OTGRAD_FAST=1), tutorials/figures/

import otgrad
from otgrad.bench.fields import matched_model
from otgrad.metrics import gradient_error_db
from otgrad.problems.fields import make_field
from otgrad.regress import count_parameters, fit_field, predict

STEPS = 1000 if FAST else 20_000  # the paper: 200 epochs of 100 batches of 1000
torch.manual_seed(0)

# %% [markdown]
# ## The two fields
# `make_field` returns a problem with a sampler, the potential and its closed-form gradient.
# $F(x) = x_1^4 + x_1^2/2 + x_1x_2/2 + 3x_2^2/2 - x_2^3/3$ is convex on the square;
# $G(x) = \tfrac14\sin(2\pi x_1)\cos(\pi x_2) + x_1x_2/2 - x_2^2/2$ is not.

# %%
convex, nonconvex = make_field("convex2d"), make_field("nonconvex2d")
x_train = convex.sample(100_000, seed=1)
k = 100  # the paper's 100 x 100 evaluation grid
t = torch.linspace(0, 1, k, dtype=torch.float64)
grid = torch.cartesian_prod(t, t)
print(convex, nonconvex)
print("mean |grad F|^2 on the grid:", float(convex.gradient(grid).pow(2).sum(1).mean()))

# %% [markdown]
# ## Four models with ≈100 parameters
# `matched_model` picks the width that matches a parameter budget (the benchmark uses it for
# every model): mGradNet-C (4 layers of width 7, tanh), GradNet-C (same, free-signed scales),
# an unconstrained MLP field and the gradient of a scalar MLP.

# %%
MODELS = ["mgradnet-c", "gradnet-c", "mlp", "gradmlp"]


def train(field, name: str, seed: int = 0):
    net = matched_model(name, 2, 100, seed=seed)
    y = field.gradient(x_train)
    fit_field(net, x_train.float(), y.float(), steps=STEPS, batch_size=1000, lr=5e-3, seed=seed)
    db = gradient_error_db(predict(net, grid.float()), field.gradient(grid))
    return net, db


results = {}
for field in (convex, nonconvex):
    for name in MODELS:
        net, db = train(field, name)
        results[field.name, name] = (net, db)
        print(f"{field.name:12s} {name:11s} params={count_parameters(net):4d}  {db:7.2f} dB")

# %% [markdown]
# The gradient networks beat the unconstrained MLP field at the same size. With the full budget
# (20,000 steps: run this notebook without `OTGRAD_FAST`, or `otgrad bench fields`) the paper
# reports −49.05 ± 0.96 dB for mGradNet-C on $F$ and −42.17 ± 3.98 dB for GradNet-C on $G$; our
# measurements are in `benchmarks/results/fields.md`. On the non-convex field an mGradNet is
# the wrong model — it can only represent gradients of convex functions — while the
# free-signed GradNet-C fits it.

# %%
net, db = train(nonconvex, "mgradnet-c")
print(f"mGradNet-C on the non-convex field: {db:.2f} dB (a convex potential cannot fit G)")

# %% [markdown]
# ## Structure we get for free
# The GradNet's Jacobian is symmetric (a gradient) and, for the mGradNet, positive
# semidefinite (a convex potential) — everywhere, not only where we trained. The MLP field's
# Jacobian is not symmetric, so it is not the gradient of anything.

# %%
probe = torch.rand(200, 2)
for name in ("mgradnet-c", "mlp"):
    J = otgrad.jacobian(results["convex2d", name][0], probe).detach()
    asym = float((J - J.transpose(1, 2)).abs().max())
    min_eig = float(torch.linalg.eigvalsh(0.5 * (J + J.transpose(1, 2))).min())
    print(f"{name:11s} max|J - J^T| = {asym:.2e}   min eig of sym(J) = {min_eig:+.3f}")

# %% [markdown]
# A GradNet also gives back the potential itself (up to a constant), here compared with the
# true $F$ after removing the mean.

# %%
mg = results["convex2d", "mgradnet-c"][0]
with torch.no_grad():
    F_hat = mg.potential(grid.float()).double()
F_true = convex.potential(grid)
gap = (F_hat - F_hat.mean()) - (F_true - F_true.mean())
print("max |F_hat - F| after centring:", float(gap.abs().max()))

# %% [markdown]
# ## Figure: true and learned fields, and the error maps

# %%
fig, axes = plt.subplots(2, 4, figsize=(16, 8))
mask = ((np.arange(k)[:, None] % 8 == 0) & (np.arange(k)[None, :] % 8 == 0)).ravel()
g = grid.numpy()
for row, (field, model, baseline) in zip(
    axes, [(convex, "mgradnet-c", "mlp"), (nonconvex, "gradnet-c", "mlp")], strict=True
):
    true = field.gradient(grid).numpy()
    preds = {m: predict(results[field.name, m][0], grid.float()).double().numpy()
             for m in (model, baseline)}
    row[0].quiver(g[mask, 0], g[mask, 1], true[mask, 0], true[mask, 1])
    row[0].set_title(f"{field.name}: true gradient")
    row[1].quiver(g[mask, 0], g[mask, 1], preds[model][mask, 0], preds[model][mask, 1],
                  color="C0")
    row[1].set_title(f"{model} ({results[field.name, model][1]:.1f} dB)")
    for ax, m in zip(row[2:], (model, baseline), strict=True):
        err = 10 * np.log10(((preds[m] - true) ** 2).sum(1) + 1e-16).reshape(k, k)
        im = ax.pcolormesh(g[:, 0].reshape(k, k), g[:, 1].reshape(k, k), err, cmap="magma",
                           vmin=-80, vmax=0)
        ax.set_title(f"squared error (dB): {m}")
        fig.colorbar(im, ax=ax)
    for ax in row:
        ax.set_aspect("equal")
fig.tight_layout()
fig.savefig(FIGURES / "gradient_fields.png", dpi=80)

# %% [markdown]
# ## In higher dimension
# The same code runs on PolyMax (the paper's maximum of three quadratics, d = 256 or 1024) and
# on our random families (`"lse"`, convex; `"ridges"`, non-convex). Here a quick look at
# PolyMax in d = 32 with ≈32k parameters, fresh samples every step (`poly.pairs()` is a sampler of
# training pairs that `fit_field` accepts in place of a fixed data set).

# %%
poly = make_field("polymax", 32)
x_test = poly.sample(5000, seed=9)

for name in ("mgradnet-m", "mlp"):
    net = matched_model(name, poly.dim, 1024 * poly.dim, seed=0)
    fit_field(net, poly.pairs(), steps=200 if FAST else 3000, batch_size=100, lr=1e-2)
    db = gradient_error_db(predict(net, x_test.float()), poly.gradient(x_test))
    print(f"PolyMax d=32  {name:11s} params={count_parameters(net)}  {db:.2f} dB")

# %% [markdown]
# The full comparison — eight models, matched budgets, several seeds, learning rates from a
# grid — is `otgrad bench fields`; its tables are in `benchmarks/results/fields.md`.
