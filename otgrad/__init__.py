"""otgrad: gradient networks (GradNets, mGradNets) as Brenier optimal-transport maps.

Reference: S. Chaudhari, S. Pranav, J. M. F. Moura, "Gradient Networks",
IEEE Transactions on Signal Processing, 2024, doi:10.1109/TSP.2024.3496692.

Submodules: :mod:`otgrad.nets` (architectures), :mod:`otgrad.baselines` (POT map estimators),
:mod:`otgrad.metrics`, :mod:`otgrad.problems` (known answers), :mod:`otgrad.datasets`,
:mod:`otgrad.plot`, :mod:`otgrad.color`, :mod:`otgrad.integrators`, :mod:`otgrad.regress`.
"""

from __future__ import annotations

from . import baselines, color, datasets, integrators, metrics, nets, plot, problems, regress
from .analysis import (
    MonotonicityReport,
    NotConvergedError,
    check_monotone,
    conjugate,
    inverse,
    jacobian,
    path_potential,
)
from .compare import Report, compare
from .fit import LOSS_DEFAULTS, TrainingDivergedError, fit_map, gaussian_map
from .generative import BrenierGenerator, fit_generator
from .io import read_points, write_points
from .maps import BrenierMap, load

__version__ = "0.1.0"

__all__ = [
    "LOSS_DEFAULTS",
    "BrenierGenerator",
    "BrenierMap",
    "MonotonicityReport",
    "NotConvergedError",
    "Report",
    "TrainingDivergedError",
    "__version__",
    "baselines",
    "check_monotone",
    "color",
    "compare",
    "conjugate",
    "datasets",
    "fit_generator",
    "fit_map",
    "gaussian_map",
    "integrators",
    "inverse",
    "jacobian",
    "load",
    "metrics",
    "nets",
    "path_potential",
    "plot",
    "problems",
    "read_points",
    "regress",
    "write_points",
]
