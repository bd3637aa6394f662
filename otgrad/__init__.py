"""otgrad: gradient networks (GradNets, mGradNets) as Brenier optimal-transport maps.

Reference: S. Chaudhari, S. Pranav, J. M. F. Moura, "Gradient Networks",
IEEE Transactions on Signal Processing, 2024, doi:10.1109/TSP.2024.3496692.
"""

from __future__ import annotations

from . import nets
from .analysis import (
    MonotonicityReport,
    NotConvergedError,
    check_monotone,
    conjugate,
    inverse,
    jacobian,
    path_potential,
)
from .fit import TrainingDivergedError, fit_map, gaussian_map
from .maps import BrenierMap, load

__version__ = "0.1.0"

__all__ = [
    "BrenierMap",
    "TrainingDivergedError",
    "fit_map",
    "gaussian_map",
    "load",
    "MonotonicityReport",
    "NotConvergedError",
    "__version__",
    "check_monotone",
    "conjugate",
    "inverse",
    "jacobian",
    "nets",
    "path_potential",
]
