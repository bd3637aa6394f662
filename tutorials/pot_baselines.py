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
# `otgrad.compare` fits every method on the same unpaired samples and scores it on the same
# held-out points, behind one interface, `otgrad.baselines.fit(name, source, target)`:
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


from _setup import FAST, FIGURES  # fast mode (OTGRAD_FAST=1), tutorials/figures/

from otgrad.compare import compare
from otgrad.problems.transport import make_problem

N_TRAIN = 500 if FAST else 2000
N_TEST = 1000 if FAST else 2000
STEPS = 300 if FAST else 2000
DIMS = (2, 8) if FAST else (2, 8, 32)
METHODS = ("otgrad", "linear", "emd", "entropic")
OPTIONS = {"otgrad": {"steps": STEPS, "lr": 1e-2}}

# %% [markdown]
# ## The problems
# A Gaussian-mixture source pushed by the gradient of a convex "ridge" potential
# $F(x) = \tfrac12 x^\top Q x + b^\top x + \alpha\sum_j g(w_j^\top x - c_j)$, with $\alpha$ set
# so that the best affine map leaves a fixed fraction of the target variance unexplained
# (`otgrad.problems.transport`).

# %%
reports = {}
for dim in DIMS:
    problem = make_problem("ridge", dim, seed=0)
    reports[dim] = compare(
        problem.sample_source(N_TRAIN, seed=0), problem.sample_target(N_TRAIN, seed=0),
        methods=METHODS, true_map=problem.true_map,
        test_source=problem.sample_source(N_TEST, seed=1),
        test_target=problem.sample_target(N_TEST, seed=1),
        options=OPTIONS,
    )
    print(f"## d = {dim}\n")
    print(reports[dim].to_markdown())

# %% [markdown]
# ## What the maps look like in 2-D
# Top: held-out source pushed by each map, over target samples (the title gives the L2-UVP).
# Bottom: displacement arrows $x \to \hat T(x)$.

# %%
fig = reports[2].plot(max_points=600)
fig.savefig(FIGURES / "pot_baselines.png", dpi=60)

# %% [markdown]
# Reading the table: the linear map is the floor that every non-linear method must beat; the
# plan-based maps (EMD, entropic) are strong in 2-D where samples cover the space, and degrade
# with the dimension; the Brenier map is a function of $x$ by construction (gradient of a
# convex potential), so it extends to new points without a nearest-neighbour rule, is
# invertible, and costs one network evaluation per point.
