r"""Colour transfer between images: a transport map fitted on a subsample of RGB pixels and applied
to every pixel (Brenier map, or the POT baselines of :mod:`otgrad.baselines`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import baselines
from ._validation import check_choice

__all__ = [
    "COLOR_METHODS",
    "SAMPLE_IMAGES",
    "ColorTransfer",
    "fit_color_transfer",
    "image_to_pixels",
    "load_image",
    "monotonicity_violations",
    "pixels_to_image",
    "synthetic_image",
]

#: images shipped with matplotlib's sample data (``matplotlib.cbook.get_sample_data``)
SAMPLE_IMAGES: dict[str, str] = {
    "grace_hopper": "grace_hopper.jpg",  # 600 x 512 photograph
    "present": "Minduka_Present_Blue_Pack.png",  # 128 x 128 blue-toned drawing (RGBA)
}

#: ``method`` names of :func:`fit_color_transfer` and the :mod:`otgrad.baselines` they use
COLOR_METHODS: dict[str, str] = {
    "brenier": "otgrad",
    "emd": "emd",
    "entropic": "entropic",
    "linear": "linear",
}


def load_image(name: str, stride: int = 1) -> np.ndarray:
    """An RGB image from matplotlib's sample data as floats in ``[0, 1]``, shape ``(h, w, 3)``.

    ``stride`` keeps every ``stride``-th row and column (a cheap downscale). Transparent pixels
    of RGBA images are composited on white.
    """
    from matplotlib import cbook
    from matplotlib.image import imread

    key = check_choice(name, tuple(SAMPLE_IMAGES), "sample image")
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f"stride must be a positive integer; got {stride!r}")
    image = np.asarray(imread(cbook.get_sample_data(SAMPLE_IMAGES[key], asfileobj=False)))
    image = image.astype(np.float64) / (255.0 if image.dtype == np.uint8 else 1.0)
    if image.shape[-1] == 4:
        alpha = image[..., 3:]
        image = image[..., :3] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(image[::stride, ::stride, :3])


def synthetic_image(size: tuple[int, int] = (96, 128), palette: str = "warm", seed: int = 0):
    """A smooth random RGB image ``(h, w, 3)`` in ``[0, 1]`` when no sample image is wanted.

    A few Gaussian blobs on a gradient, coloured from a ``"warm"`` (reds/yellows) or ``"cool"``
    (blues/greens) palette.
    """
    palettes = {
        "warm": np.array([[0.9, 0.3, 0.1], [1.0, 0.8, 0.2], [0.5, 0.1, 0.1], [1.0, 0.95, 0.8]]),
        "cool": np.array([[0.1, 0.3, 0.8], [0.2, 0.7, 0.6], [0.05, 0.1, 0.3], [0.8, 0.9, 1.0]]),
    }
    colors = palettes[check_choice(palette, tuple(palettes), "palette")]
    h, w = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:1:complex(0, h), 0:1:complex(0, w)]
    weights = [xx, yy]
    for _ in range(len(colors) - 2):
        cy, cx, s = rng.random(), rng.random(), 0.1 + 0.2 * rng.random()
        weights.append(np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s)))
    mix = np.stack(weights, -1) + 0.05
    mix /= mix.sum(-1, keepdims=True)
    noise = 0.02 * rng.standard_normal((h, w, 3))
    return np.clip(mix @ colors + noise, 0.0, 1.0)


def image_to_pixels(image: np.ndarray) -> np.ndarray:
    """``(h, w, 3)`` image → ``(h*w, 3)`` RGB points (row-major)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must have shape (h, w, 3); got {image.shape}")
    return image.reshape(-1, 3)


def pixels_to_image(pixels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``(h*w, 3)`` points → ``(h, w, 3)`` image, clipped to the RGB cube ``[0, 1]^3``."""
    return np.clip(np.asarray(pixels, dtype=np.float64), 0.0, 1.0).reshape(shape[0], shape[1], 3)


def _subsample(pixels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return pixels if len(pixels) <= n else pixels[rng.choice(len(pixels), n, replace=False)]


@dataclass
class ColorTransfer:
    """A fitted colour map; :meth:`apply` recolours any image, fitted pixels or not.

    Attributes
    ----------
    method : str
        One of :data:`COLOR_METHODS`.
    mapper : otgrad.baselines.FittedMap
        The fitted map (``transform`` on ``(n, 3)`` RGB points).
    fit_seconds : float
        Wall-clock fitting time.
    """

    method: str
    mapper: baselines.FittedMap
    fit_seconds: float

    def transform(self, pixels: np.ndarray) -> np.ndarray:
        """Map RGB points ``(n, 3)``, fitted or not: the Brenier map and the linear map are
        functions; the entropic map is POT's continuous out-of-sample map; EMD moves a new
        pixel like its nearest fitted pixel (barycentric projection plus the offset)."""
        return self.mapper.transform(pixels)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Recolour every pixel of ``image`` ``(h, w, 3)``; the result is clipped to ``[0, 1]``."""
        return pixels_to_image(self.transform(image_to_pixels(image)), image.shape)


def fit_color_transfer(
    source: np.ndarray,
    target: np.ndarray,
    method: str = "brenier",
    n_pixels: int = 2000,
    seed: int = 0,
    **options: Any,
) -> ColorTransfer:
    r"""Fit a map between the colour distributions of two images on ``n_pixels`` random pixels
    of each (Ferradans et al., SIAM J. Imaging Sci. 2014, for the OT formulation).

    Parameters
    ----------
    source, target : numpy.ndarray
        Images ``(h, w, 3)`` in ``[0, 1]`` (any sizes).
    method : str
        ``"brenier"``: :func:`otgrad.fit_map` (``options`` go to it, e.g. ``steps``);
        ``"emd"``, ``"entropic"``, ``"linear"``: the POT estimators of
        :func:`otgrad.baselines.fit` (``ot.da.EMDTransport``, ``ot.da.SinkhornTransport`` with
        the continuous out-of-sample map, ``ot.da.LinearTransport``).
    n_pixels : int
        Pixels drawn from each image to fit on (the plan-based methods cost
        :math:`O(n^2)` memory; the Brenier map is fitted by minibatches).
    seed : int
        Seed of the pixel subsample (and of the Brenier fit).
    """
    method = check_choice(method, tuple(COLOR_METHODS), "colour-transfer method")
    rng = np.random.default_rng(seed)
    xs = _subsample(image_to_pixels(source), n_pixels, rng)
    xt = _subsample(image_to_pixels(target), n_pixels, rng)
    if method == "brenier":
        options = {"seed": seed, **options}
    start = time.perf_counter()
    mapper = baselines.fit(COLOR_METHODS[method], xs, xt, **options)
    return ColorTransfer(method, mapper, time.perf_counter() - start)


def monotonicity_violations(
    pixels: np.ndarray, mapped: np.ndarray, pairs: int = 20000, seed: int = 0
) -> float:
    r"""Fraction of random pixel pairs where the map is not monotone,
    :math:`\langle T(x) - T(x'),\, x - x'\rangle < 0`.

    A gradient of a convex function (a Brenier map) has none; a map that reverses the order of
    two colours produces visible artefacts (colour inversions).
    """
    pixels, mapped = np.asarray(pixels), np.asarray(mapped)
    if pixels.shape != mapped.shape:
        raise ValueError(f"pixels and mapped differ in shape: {pixels.shape}, {mapped.shape}")
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(pixels), (2, pairs))
    dx, dy = pixels[i] - pixels[j], mapped[i] - mapped[j]
    moved = np.abs(dx).sum(1) > 1e-12
    return float(((dx * dy).sum(1)[moved] < -1e-9).mean())
