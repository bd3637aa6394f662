"""Built-in 2-D data sets: shapes, seeding, geometry, input errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from otgrad import datasets

NAMES = datasets.available()


def test_registry_lists_the_five_data_sets():
    assert NAMES == sorted(["moons", "8gaussians", "checkerboard", "spirals", "rings"])
    assert set(datasets.DATASETS) == set(NAMES)
    assert all(hasattr(datasets, name) for name in datasets.__all__)


@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_finite(name):
    x = datasets.sample(name, 257, seed=3)
    assert x.shape == (257, 2) and x.dtype == np.float64
    assert np.isfinite(x).all()
    assert datasets.sample(name, 1).shape == (1, 2)


@pytest.mark.parametrize("name", NAMES)
def test_seed_reproducible_and_distinct(name):
    a = datasets.sample(name, 100, seed=7)
    np.testing.assert_array_equal(a, datasets.sample(name, 100, seed=7))
    assert not np.allclose(a, datasets.sample(name, 100, seed=8))


@pytest.mark.parametrize("name", NAMES)
def test_roughly_centred(name):
    x = datasets.sample(name, 20000, seed=0)
    assert np.abs(x.mean(0)).max() < 0.08


def test_eight_gaussians_modes_on_circle():
    x = datasets.sample("8gaussians", 8000, seed=0, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 2.0, atol=1e-12)
    angles = np.round(np.arctan2(x[:, 1], x[:, 0]) / (np.pi / 4)) % 8
    counts = np.bincount(angles.astype(int), minlength=8)
    assert counts.tolist() == [1000] * 8  # equal split, exactly on the 8 directions


def test_eight_gaussians_noise_is_the_std():
    x = datasets.sample("8gaussians", 20000, seed=1, noise=0.1)
    angle = np.round(np.arctan2(x[:, 1], x[:, 0]) / (np.pi / 4)) * (np.pi / 4)
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    assert abs((x - centres).std() - 0.1) < 0.005


def test_rings_radii():
    x = datasets.sample("rings", 10000, seed=0, noise=0.0)
    r = np.linalg.norm(x, axis=1)
    dist = np.abs(r[:, None] - np.asarray(datasets.RING_RADII)[None]).min(1)
    assert dist.max() < 1e-12
    # mass proportional to circumference: the outer ring has 2/5 of the points
    assert abs(np.mean(np.isclose(r, 2.0)) - 0.4) < 0.02


def test_checkerboard_on_black_squares():
    x = datasets.sample("checkerboard", 10000, seed=0)
    assert (np.abs(x) <= 2.0).all()
    assert ((np.floor(x[:, 0]) + np.floor(x[:, 1])) % 2 == 0).all()
    cells = np.floor(x).astype(int)
    assert len({tuple(c) for c in cells}) == 8


def test_moons_two_half_circles():
    x = datasets.sample("moons", 4000, seed=0, noise=0.0) + np.array([0.5, 0.25])
    upper = np.isclose(np.linalg.norm(x, axis=1), 1.0) & (x[:, 1] >= 0)
    lower = np.isclose(np.linalg.norm(x - np.array([1.0, 0.5]), axis=1), 1.0) & (x[:, 1] <= 0.5)
    assert (upper | lower).all()
    assert abs(upper.mean() - 0.5) < 1e-9


def test_spirals_point_symmetric_arms_up_to_radius_3():
    x = datasets.sample("spirals", 4000, seed=0, noise=0.0)
    r = np.linalg.norm(x, axis=1)
    assert r.max() <= 3.0 + 1e-12 and r.max() > 2.9
    # arms are images of each other under x -> -x: the radius-angle relation is the same
    theta = np.arctan2(x[:, 1], x[:, 0])
    arm0 = np.isclose(np.mod(theta - np.pi * r, 2 * np.pi), 0.0, atol=1e-9) | np.isclose(
        np.mod(theta - np.pi * r, 2 * np.pi), 2 * np.pi, atol=1e-9
    )
    assert 0.45 < arm0.mean() < 0.55


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_noise_argument(noise):
    base = datasets.sample("rings", 5000, seed=2, noise=0.0)
    noisy = datasets.sample("rings", 5000, seed=2, noise=noise)
    assert abs((noisy - base).std() - noise) < 0.02


def test_sampler_stream_reproducible():
    a, b = datasets.sampler("moons", seed=4), datasets.sampler("moons", seed=4)
    first = a(50)
    assert isinstance(first, torch.Tensor) and first.shape == (50, 2)
    torch.testing.assert_close(first, b(50))
    assert not torch.allclose(a(50), first)  # next draw is fresh
    assert datasets.sampler("moons", dtype=torch.float64)(3).dtype == torch.float64


@pytest.mark.parametrize("name", ["mnist", "", "two moons"])
def test_unknown_name(name):
    with pytest.raises(ValueError, match="unknown data set"):
        datasets.sample(name, 10)
    with pytest.raises(ValueError, match="unknown data set"):
        datasets.sampler(name)


def test_case_insensitive():
    np.testing.assert_array_equal(datasets.sample("MOONS", 5), datasets.sample("moons", 5))


@pytest.mark.parametrize("n", [0, -3, 2.5, "10", True, None])
def test_bad_n(n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        datasets.sample("moons", n)


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf")])
def test_bad_noise(noise):
    with pytest.raises(ValueError, match="noise"):
        datasets.sample("moons", 10, noise=noise)
