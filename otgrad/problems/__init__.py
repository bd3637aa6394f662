"""Test problems with known answers: transport pairs, gradient fields, Hamiltonian systems."""

from __future__ import annotations

from .transport import (
    PROBLEMS,
    GaussianProblem,
    ICNNProblem,
    LSEProblem,
    MixturePushforward,
    RidgeProblem,
    TransportProblem,
    make_problem,
)

# One block per submodule: add its ``__all__`` names here when it joins the package.
__all__: list[str] = [
    # transport.py: known-map transport problems
    "PROBLEMS",
    "GaussianProblem",
    "ICNNProblem",
    "LSEProblem",
    "MixturePushforward",
    "RidgeProblem",
    "TransportProblem",
    "make_problem",
]
