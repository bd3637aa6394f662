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
# # Brenier maps vs POT baselines on problems with a known answer
#
# The gradient of any convex function $F$ is the optimal (Brenier) map from $\mu$ to
# $\nabla F_\#\mu$, so we can build transport problems whose true map $T^\star = \nabla F$ is
# known (Korotin et al., NeurIPS 2021) and score estimated maps against it:
#
# * **L2-UVP** $= 100\,\mathbb E\|\hat T(x) - T^\star(x)\|^2 / \mathrm{Var}(\nu)$ (%, lower is
#   better);
# * **cos** between estimated and true displacements (1 is perfect);
# * $W_2(\hat T_\#\mu, \nu)$ on held-out samples.
#
# Every method sees the same unpaired samples and is evaluated on the same held-out points,
# behind one interface, `otgrad.baselines.fit(name, source, target).transform(x)`:
#
# | name | estimator |
# |---|---|
# | `otgrad` | mGradNet-M Brenier map, `otgrad.fit_map` |
# | `linear` | Gaussian (Bures) map, `ot.da.LinearTransport` |
# | `emd` | exact plan, barycentric projection, nearest-neighbour shift, `ot.da.EMDTransport` |
# | `entropic` | entropic map (Pooladian & Niles-Weed 2021), `ot.da.SinkhornTransport` |
#
# Limits of the comparison, stated up front: the POT plan-based maps are only as good as their
# training sample (EMD costs $O(n^3)$, the entropic map $O(n)$ per query point and depends on
# $\varepsilon$); the neural map is trained for a fixed budget of steps (small in fast mode).

# %%
import os
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from otgrad import baselines, metrics, plot
from otgrad.problems.transport import make_problem

FAST = os.environ.get("OTGRAD_FAST") == "1"
N_TRAIN = 1000 if FAST else 4000
N_TEST = 1000 if FAST else 4000
STEPS = 300 if FAST else 2000
DIMS = (2, 8) if FAST else (2, 8, 32)
METHODS = ("otgrad", "linear", "emd", "entropic")
OPTIONS = {"otgrad": {"steps": STEPS, "lr": 1e-2, "seed": 0}}
try:
    FIGURES = Path(__file__).resolve().parent / "figures"
except NameError:  # executed as a notebook from the tutorials folder
    FIGURES = Path("figures").resolve()
FIGURES.mkdir(exist_ok=True)
if FAST:
    torch.set_num_threads(1)  # CI machines are small and shared

# %% [markdown]
# ## The problems
# A Gaussian-mixture source pushed by the gradient of a convex "ridge" potential
# $F(x) = \tfrac12 x^\top Q x + b^\top x + \alpha\sum_j g(w_j^\top x - c_j)$, with $\alpha$ set
# so that the best affine map leaves a fixed fraction of the target variance unexplained
# (`otgrad.problems.transport`).

# %%
def evaluate(problem, method: str) -> tuple[dict, np.ndarray]:
    source = problem.sample_source(N_TRAIN, seed=0).numpy()
    target = problem.sample_target(N_TRAIN, seed=0).numpy()
    x_test = problem.sample_source(N_TEST, seed=1).numpy()
    y_test = problem.sample_target(N_TEST, seed=1).numpy()
    start = time.perf_counter()
    fitted = baselines.fit(method, source, target, **OPTIONS.get(method, {}))
    fit_s = time.perf_counter() - start
    pred, true = fitted.transform(x_test), problem.true_map(x_test)
    scores = {
        "L2-UVP %": metrics.l2_uvp(pred, true),
        "cos": metrics.cos_similarity(pred, true, x_test),
        "W2": metrics.w2(pred, y_test, max_samples=1000),
        "fit s": fit_s,
    }
    return scores, pred


results, predictions = {}, {}
for dim in DIMS:
    problem = make_problem("ridge", dim, seed=0)
    for method in METHODS:
        results[dim, method], predictions[dim, method] = evaluate(problem, method)

# %%
print(f"{'d':>3} {'method':>9} {'L2-UVP %':>9} {'cos':>6} {'W2':>7} {'fit s':>7}")
for (dim, method), s in results.items():
    print(f"{dim:>3} {method:>9} {s['L2-UVP %']:9.2f} {s['cos']:6.3f} {s['W2']:7.3f} "
          f"{s['fit s']:7.1f}")

# %% [markdown]
# ## What the maps look like in 2-D
# Pushed held-out source points next to target samples; the title gives the L2-UVP.

# %%
problem = make_problem("ridge", 2, seed=0)
x_test = problem.sample_source(N_TEST, seed=1).numpy()
y_test = problem.sample_target(N_TEST, seed=1).numpy()
fig = Figure(figsize=(4 * (len(METHODS) + 1), 4.2), layout="constrained")
axes = fig.subplots(1, len(METHODS) + 1)
plot.plot_displacement(x_test, problem.true_map(x_test), ax=axes[0], max_arrows=200,
                       title="true map T*")
for ax, method in zip(axes[1:], METHODS, strict=True):
    plot.plot_samples(x_test, y_test, predictions[2, method], ax=ax, max_points=600,
                      labels=("source", "target", "pushed"),
                      title=f"{method}: L2-UVP {results[2, method]['L2-UVP %']:.1f} %")
fig.savefig(FIGURES / "pot_baselines.png", dpi=70)

# %% [markdown]
# Reading the table: the linear map is the floor that every non-linear method must beat; the
# plan-based maps (EMD, entropic) are strong in 2-D where samples cover the space, and degrade
# with the dimension; the Brenier map is a function of $x$ by construction (gradient of a
# convex potential), so it extends to new points without a nearest-neighbour rule, is
# invertible, and costs one network evaluation per point.
