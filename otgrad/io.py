"""Reading and writing point clouds as ``.npy``, ``.npz`` or ``.csv`` files (used by the CLI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._validation import as_points

__all__ = ["read_points", "write_points"]

_SUFFIXES = (".npy", ".npz", ".csv")


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix!r}; use {', '.join(_SUFFIXES)}")
    return suffix


def read_points(path: str | Path, key: str | None = None) -> np.ndarray:
    """Read an ``(n, d)`` float array; validated (rank, dtype, non-empty, finite).

    ``.npz`` files hold one array or name it with ``key``; ``.csv`` files may start with one
    header line. Pickled objects are never loaded.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        if suffix == ".npy":
            data = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                names = list(archive.keys())
                if key is None and len(names) != 1:
                    raise ValueError(f"{path} holds arrays {names}; choose one with --key")
                data = archive[key or names[0]]
        else:
            data = _read_csv(path)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err
    except (OSError, EOFError, KeyError) as err:
        raise ValueError(f"{path}: cannot read ({err})") from err
    data = np.asarray(data)
    if np.issubdtype(data.dtype, np.integer):
        data = data.astype(np.float64)
    return as_points(data, str(path)).numpy()


def _read_csv(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8") as handle:
        first = handle.readline()
    skip = 0 if _is_numeric_row(first) else 1
    data = np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2, dtype=np.float64)
    return data


def _is_numeric_row(line: str) -> bool:
    try:
        [float(v) for v in line.strip().split(",") if v.strip()]
    except ValueError:
        return False
    return True


def write_points(path: str | Path, points: np.ndarray) -> None:
    """Write ``points`` in the format named by the file's suffix."""
    path = Path(path)
    suffix = _suffix(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(path, points)
    elif suffix == ".npz":
        np.savez(path, points=points)
    else:
        np.savetxt(path, points, delimiter=",")
