"""Input checks and numpy/torch conversion shared by every user-facing entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__: list[str] = []

ArrayLike = Any  # np.ndarray | Tensor | nested lists


def _check_rank_and_dim(x: Tensor | np.ndarray, name: str, dim: int | None) -> None:
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n, d); "
            f"got {x.ndim}-D with shape {tuple(x.shape)}"
        )
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} has dimension d={x.shape[1]}, expected d={dim}")


def _check_dtype(x: Tensor | np.ndarray, name: str) -> None:
    kind = (
        x.dtype.is_floating_point if isinstance(x, Tensor) else np.issubdtype(x.dtype, np.floating)
    )
    if not kind:
        raise TypeError(f"{name} must have a floating-point dtype; got {x.dtype}")


def check_points(x: Tensor, name: str = "x", dim: int | None = None) -> None:
    """Structural checks cheap enough for ``forward``: rank 2, matching ``d``, float dtype.

    Data-dependent checks (NaN/inf) are left to :func:`as_points`, used at user boundaries,
    because they force a device synchronisation.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(x).__name__}")
    _check_rank_and_dim(x, name, dim)
    _check_dtype(x, name)


def check_finite(x: Tensor | np.ndarray, name: str = "x") -> None:
    """Raise ``ValueError`` if ``x`` holds NaN or infinite entries."""
    finite = torch.isfinite(x).all() if isinstance(x, Tensor) else np.isfinite(x).all()
    if not bool(finite):
        raise ValueError(f"{name} contains NaN or infinite values")


def as_points(
    x: ArrayLike,
    name: str = "x",
    dim: int | None = None,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> Tensor:
    """Validate a point cloud ``(n, d)`` given as numpy, torch or nested lists; return a tensor.

    Raises ``TypeError`` for non-numeric or integer data and ``ValueError`` for a wrong rank, a
    wrong ``d``, an empty array or NaN/inf entries. numpy float64 stays float64 unless ``dtype``.
    """
    if isinstance(x, Tensor):
        t = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as err:  # ragged lists and the like
            raise TypeError(f"{name} could not be read as an array: {err}") from err
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
        _check_dtype(arr, name)
        t = torch.from_numpy(np.ascontiguousarray(arr))
    _check_rank_and_dim(t, name, dim)
    _check_dtype(t, name)
    if t.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 rows)")
    if t.shape[1] == 0:
        raise ValueError(f"{name} has zero columns")
    check_finite(t, name)
    if dtype is not None or device is not None:
        t = t.to(dtype=dtype or t.dtype, device=device or t.device)
    return t


def to_like(result: Tensor, like: ArrayLike) -> ArrayLike:
    """Return ``result`` in the container type of ``like``: numpy in → numpy out, torch → torch."""
    if isinstance(like, Tensor):
        return result.to(dtype=like.dtype, device=like.device)
    out = result.detach().cpu().numpy()
    in_dtype = np.asarray(like).dtype if not isinstance(like, np.ndarray) else like.dtype
    return out.astype(in_dtype if np.issubdtype(in_dtype, np.floating) else np.float64, copy=False)


def apply_batched(fn: Callable[[Tensor], Tensor], x: Tensor, batch_size: int = 65536) -> Tensor:
    """Apply ``fn`` row-block by row-block so memory stays bounded for large inputs."""
    if x.shape[0] <= batch_size:
        return fn(x)
    return torch.cat([fn(chunk) for chunk in torch.split(x, batch_size)])


def check_choice(value: str, choices: list[str] | tuple[str, ...], what: str) -> str:
    """``value.lower()`` if it names one of ``choices``, else a ``ValueError`` listing them."""
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(map(repr, choices))}")
    return value.lower()


def resolve_device(device: torch.device | str | None) -> torch.device:
    """``None`` → CUDA when available, else CPU; strings are parsed by ``torch.device``."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
