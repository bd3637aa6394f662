r"""Built-in 2-D toy data sets (two moons, 8 Gaussians, checkerboard, spirals, rings), generated
on the fly from a seed, never downloaded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ._validation import check_choice

__all__ = ["DATASETS", "Dataset", "available", "sample", "sampler"]

Generator = Callable[[int, np.random.Generator, float], np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """One registered data set.

    Attributes
    ----------
    name : str
        Registry key.
    generate : callable
        ``(n, rng, noise) -> (n, 2)`` float64 array.
    noise : float
        Default standard deviation of the isotropic Gaussian jitter.
    description : str
        One line: the geometry, so tests and docs can state what to expect.
    """

    name: str
    generate: Generator
    noise: float
    description: str


def _jitter(points: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    return points + noise * rng.standard_normal(points.shape)


def _split(n: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """Component label of each of ``n`` points, ``parts`` components of (near) equal size."""
    return rng.permutation(np.arange(n) % parts)


def _moons(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    upper = _split(n, 2, rng) == 0
    t = np.pi * rng.random(n)
    x = np.where(upper, np.cos(t), 1.0 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    # centre the pair of moons on the origin: the union spans x ∈ [-1, 2], y ∈ [-0.5, 1]
    return _jitter(np.stack([x - 0.5, y - 0.25], axis=1), rng, noise)


def _eight_gaussians(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    angle = 2.0 * np.pi * _split(n, 8, rng) / 8.0
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _jitter(centres, rng, noise)


def _checkerboard(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    # the 8 unit squares [i, i+1) x [j, j+1) of [-2, 2]^2 with i + j even
    x = rng.uniform(-2.0, 2.0, n)
    y = rng.random(n) - 2.0 * rng.integers(0, 2, n) + np.floor(x) % 2
    return _jitter(np.stack([x, y], axis=1), rng, noise)


def _spirals(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    arm = _split(n, 2, rng)
    t = np.sqrt(rng.random(n)) * 3.0 * np.pi  # uniform along the area swept by the arm
    r = t / np.pi  # radius grows from 0 to 3
    sign = np.where(arm == 0, 1.0, -1.0)
    return _jitter(sign[:, None] * np.stack([r * np.cos(t), r * np.sin(t)], axis=1), rng, noise)


#: radii of the concentric circles of the "rings" data set
RING_RADII: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)


def _rings(n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    radii = np.asarray(RING_RADII)
    # points per ring proportional to its circumference: a uniform density along the curves
    ring = rng.choice(len(radii), size=n, p=radii / radii.sum())
    t = 2.0 * np.pi * rng.random(n)
    r = radii[ring]
    return _jitter(np.stack([r * np.cos(t), r * np.sin(t)], axis=1), rng, noise)


#: registry of the built-in data sets, keyed by name
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("moons", _moons, 0.05, "two interleaved half circles of radius 1, centred"),
        Dataset("8gaussians", _eight_gaussians, 0.1, "8 Gaussian modes on the circle of radius 2"),
        Dataset("checkerboard", _checkerboard, 0.0, "uniform on 8 black squares of a 4x4 board"),
        Dataset("spirals", _spirals, 0.05, "two interleaved spiral arms, radius 0 to 3"),
        Dataset("rings", _rings, 0.03, f"concentric circles of radii {RING_RADII}"),
    )
}


def available() -> list[str]:
    """Names of the built-in data sets, sorted."""
    return sorted(DATASETS)


def sample(name: str, n: int, seed: int = 0, noise: float | None = None) -> np.ndarray:
    r"""Draw ``n`` points of the built-in 2-D data set ``name``.

    Parameters
    ----------
    name : str
        One of :func:`available`: ``"moons"``, ``"8gaussians"``, ``"checkerboard"``,
        ``"spirals"``, ``"rings"`` (case-insensitive).
    n : int
        Number of points, ``n >= 1``.
    seed : int
        Seed of the ``numpy.random.Generator``; the same ``(name, n, seed, noise)`` gives the same
        points.
    noise : float, optional
        Standard deviation of the isotropic Gaussian jitter added to every point (default: the
        data set's own, see :data:`DATASETS`).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` float64 samples.

    Examples
    --------
    >>> from otgrad import datasets
    >>> datasets.sample("8gaussians", 5, seed=1).shape
    (5, 2)
    """
    key = check_choice(name, tuple(DATASETS), "data set")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    spec = DATASETS[key]
    noise = spec.noise if noise is None else float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    return spec.generate(int(n), np.random.default_rng(seed), noise)


def sampler(
    name: str, seed: int = 0, noise: float | None = None, dtype: torch.dtype | None = None
) -> Callable[[int], Tensor]:
    """A sampler ``n -> (n, 2)`` tensor drawing fresh points at each call (for ``fit_map``).

    Successive calls continue one seeded stream: the whole sequence is reproducible from ``seed``.
    """
    check_choice(name, tuple(DATASETS), "data set")
    stream = np.random.SeedSequence(seed)

    def draw(n: int) -> Tensor:
        (child,) = stream.spawn(1)
        points = sample(name, n, seed=int(child.generate_state(1)[0]), noise=noise)
        return torch.from_numpy(points).to(dtype or torch.get_default_dtype())

    return draw
