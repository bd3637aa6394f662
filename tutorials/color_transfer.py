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
# # Colour transfer with a Brenier map
#
# Colour transfer moves the colour distribution of one image onto another's (Ferradans et al.,
# SIAM J. Imaging Sci. 2014): treat each pixel as a point of the RGB cube, transport the source
# pixels onto the target pixels, recolour. Optimal transport plans are only defined on the
# pixels they were computed on, so plan-based methods fit on a subsample and need an
# out-of-sample rule for the other pixels. A Brenier map is a function: fit it on a
# subsample, apply it to every pixel. As the gradient of a convex function it is also
# monotone, $\langle T(x) - T(x'), x - x'\rangle \ge 0$, so it never swaps the order of two
# colours.
#
# Images: `grace_hopper.jpg` and `Minduka_Present_Blue_Pack.png` from matplotlib's sample
# data (nothing is downloaded).

# %%

import numpy as np
from _setup import FAST, FIGURES  # fast mode (OTGRAD_FAST=1), tutorials/figures/
from matplotlib.figure import Figure

from otgrad import color, metrics

STRIDE = 4 if FAST else 1  # every STRIDE-th row and column of the photograph
N_PIXELS = 600 if FAST else 3000  # pixels fitted on, per image
STEPS = 200 if FAST else 2000

# %%
source = color.load_image("grace_hopper", stride=STRIDE)
target = color.load_image("present")
print("source", source.shape, "target", target.shape)

# %% [markdown]
# ## Fit four maps on the same pixel subsample
# * `brenier`: `otgrad.fit_map` (mGradNet-M) on the pixels;
# * `emd`: POT's exact plan, barycentric projection, nearest-neighbour shift out of sample;
# * `entropic`: POT's Sinkhorn plan with its continuous entropic map out of sample;
# * `linear`: the Gaussian (Bures) map between the colour means and covariances.

# %%
options = {"brenier": {"steps": STEPS, "lr": 1e-2}}
fitted = {
    method: color.fit_color_transfer(source, target, method, n_pixels=N_PIXELS, seed=0,
                                     **options.get(method, {}))
    for method in color.COLOR_METHODS
}

# %% [markdown]
# ## Apply to every pixel and measure
# * colour fit: $W_2$ between the recoloured pixels and the target's (subsamples of 2000);
# * monotonicity violations: fraction of random pixel pairs whose colour order is reversed;
# * timing of the fit and of the recolouring of all pixels.

# %%
import time

pixels = color.image_to_pixels(source)
target_pixels = color.image_to_pixels(target)
results = {}
print(f"{'method':>9} {'fit s':>7} {'apply s':>8} {'W2':>7} {'violations':>11}")
for method, transfer in fitted.items():
    start = time.perf_counter()
    mapped = transfer.transform(pixels)
    apply_s = time.perf_counter() - start
    results[method] = color.pixels_to_image(mapped, source.shape)
    w2 = metrics.w2(np.clip(mapped, 0, 1), target_pixels, max_samples=2000)
    bad = color.monotonicity_violations(pixels, mapped)
    print(f"{method:>9} {transfer.fit_seconds:7.1f} {apply_s:8.2f} {w2:7.3f} {bad:11.2%}")
print(f"{'source':>9} {'':>7} {'':>8} {metrics.w2(pixels, target_pixels, max_samples=2000):7.3f}")

# %% [markdown]
# The Brenier map and the linear map are monotone by construction (0 violations); the EMD
# map's nearest-neighbour extension is not, which shows as speckle where neighbouring colours
# are sent to different targets. The linear map only matches means and covariances.

# %% [markdown]
# ## Figure

# %%
panels = {"source": source, "target palette": target,
          **{f"{m} ({N_PIXELS} px fit)": img for m, img in results.items()}}
fig = Figure(figsize=(12, 7.5), layout="constrained")
axes = fig.subplots(2, 3)
for ax, (title, image) in zip(axes.ravel(), panels.items(), strict=True):
    ax.imshow(image)
    ax.set_title(title)
    ax.axis("off")
fig.savefig(FIGURES / "color_transfer.png", dpi=70)
