"""Colour transfer helpers: images, pixel round trips, fitted maps on all pixels, monotonicity."""

from __future__ import annotations

import numpy as np
import pytest

from otgrad import color


def test_sample_images_load_as_rgb_floats():
    hopper = color.load_image("grace_hopper", stride=8)
    assert hopper.shape == (75, 64, 3) and hopper.dtype == np.float64
    assert 0.0 <= hopper.min() and hopper.max() <= 1.0 and hopper.max() > 0.5
    present = color.load_image("present")
    assert present.shape == (128, 128, 3) and 0.0 <= present.min() <= present.max() <= 1.0
    with pytest.raises(ValueError, match="unknown sample image"):
        color.load_image("lena")
    with pytest.raises(ValueError, match="stride"):
        color.load_image("present", stride=0)


def test_synthetic_image_palettes_differ():
    warm = color.synthetic_image((20, 30), "warm", seed=1)
    cool = color.synthetic_image((20, 30), "cool", seed=1)
    assert warm.shape == (20, 30, 3) and 0 <= warm.min() and warm.max() <= 1
    assert warm[..., 0].mean() > cool[..., 0].mean() and cool[..., 2].mean() > warm[..., 2].mean()
    np.testing.assert_array_equal(warm, color.synthetic_image((20, 30), "warm", seed=1))


def test_pixel_round_trip_and_clipping():
    image = np.random.default_rng(0).random((4, 5, 3))
    pixels = color.image_to_pixels(image)
    assert pixels.shape == (20, 3)
    np.testing.assert_array_equal(color.pixels_to_image(pixels, image.shape), image)
    assert color.pixels_to_image(pixels * 3 - 1, image.shape).min() == 0.0
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        color.image_to_pixels(np.zeros((4, 5)))


@pytest.mark.parametrize("method", ["linear", "emd", "entropic"])
def test_pot_transports_recolour_all_pixels(method):
    src = color.synthetic_image((24, 20), "warm", seed=0)
    tgt = color.synthetic_image((16, 16), "cool", seed=1)
    ct = color.fit_color_transfer(src, tgt, method, n_pixels=200)
    out = ct.apply(src)
    assert out.shape == src.shape and ct.fit_seconds >= 0
    # colour statistics move to the target's: blue up, red down
    assert out[..., 2].mean() > src[..., 2].mean() + 0.1
    assert abs(out[..., 2].mean() - tgt[..., 2].mean()) < 0.1


def test_brenier_transfer_is_monotone():
    src = color.synthetic_image((24, 20), "warm", seed=0)
    tgt = color.synthetic_image((16, 16), "cool", seed=1)
    ct = color.fit_color_transfer(src, tgt, "brenier", n_pixels=300, steps=20)
    pixels = color.image_to_pixels(src)
    mapped = ct.transform(pixels)
    assert color.monotonicity_violations(pixels, mapped) == 0.0
    out = ct.apply(src)
    assert abs(out[..., 2].mean() - tgt[..., 2].mean()) < 0.1


def test_monotonicity_violations_detects_reversal():
    x = np.random.default_rng(0).random((500, 3))
    assert color.monotonicity_violations(x, 2 * x) == 0.0
    assert color.monotonicity_violations(x, -x) == 1.0
    assert 0.3 < color.monotonicity_violations(x, x[::-1]) < 0.7
    with pytest.raises(ValueError, match="differ in shape"):
        color.monotonicity_violations(x, x[:3])


def test_unknown_method():
    img = color.synthetic_image((4, 4))
    with pytest.raises(ValueError, match="unknown colour-transfer method"):
        color.fit_color_transfer(img, img, "histogram")


def test_all_names_exist():
    assert all(hasattr(color, name) for name in color.__all__)
