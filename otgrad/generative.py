r"""Generative models from Brenier maps: push a standard Gaussian through a fitted
:math:`T = \nabla\Phi` to sample, invert it to encode, and evaluate the exact model density."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from . import analysis
from ._validation import ArrayLike, apply_batched, as_points, check_choice, to_like
from .fit import fit_map
from .maps import BrenierMap
from .nets import GradientNet

__all__ = [
    "BrenierGenerator",
    "LogDetEstimate",
    "fit_generator",
    "log_det_jacobian",
    "stochastic_log_det",
]

REFERENCES = ("gaussian",)
LOG_DET_METHODS = ("cholesky", "stochastic")


# -- log-determinants of symmetric positive definite Jacobians --------------------------------
def log_det_jacobian(f: nn.Module, x: Tensor) -> Tensor:
    r"""Exact :math:`\log\det J_f(x_i)` of a monotone gradient map by Cholesky, shape ``(n,)``.

    For :math:`f = \nabla F` with :math:`F` strongly convex the Jacobian is the Hessian
    :math:`\nabla^2 F(x)`, symmetric positive definite, so with :math:`J = LL^\top`

    .. math:: \log\det J = 2\sum_j \log L_{jj}.

    Cost :math:`O(n d^2)` for the Jacobian (``d`` backward passes) plus :math:`O(n d^3)`.

    Raises
    ------
    ValueError
        If a Jacobian is not positive definite (the map is not strongly monotone there).
    """
    J = analysis.jacobian(f, x).detach()
    J = 0.5 * (J + J.transpose(-1, -2))
    L, info = torch.linalg.cholesky_ex(J)
    if bool((info > 0).any()):
        bad = int((info > 0).sum())
        raise ValueError(
            f"the Jacobian is not positive definite at {bad} of {x.shape[0]} points; "
            "log_prob needs a strongly monotone map (an mGradNet with linear=True)"
        )
    return 2.0 * torch.diagonal(L, dim1=-2, dim2=-1).log().sum(-1)


@dataclass(frozen=True)
class LogDetEstimate:
    r"""A stochastic log-determinant, per point.

    Attributes
    ----------
    value : Tensor
        The estimate of :math:`\log\det J(x_i)`, shape ``(n,)``.
    stderr : Tensor
        Its standard error over the probe vectors, :math:`\hat s/\sqrt{m}`, shape ``(n,)``
        (the Hutchinson part of the error; the Lanczos quadrature part is far smaller once
        ``steps`` is large enough, see :func:`stochastic_log_det`).
    """

    value: Tensor
    stderr: Tensor


def _symmetric_matvec(f: nn.Module, x: Tensor):
    r"""``v -> J(x_i) v_i`` for all rows at once, by one vector-Jacobian product per call
    (:math:`v^\top J = (Jv)^\top` because :math:`J` is symmetric); the graph is built once."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = f(x)

    def matvec(v: Tensor) -> Tensor:
        (g,) = torch.autograd.grad(out, x, grad_outputs=v, retain_graph=True)
        return g

    return matvec


def _lanczos_quadrature(matvec, v: Tensor, steps: int, generator: torch.Generator) -> Tensor:
    r"""Gauss quadrature of :math:`v_i^\top \log(J_i)\, v_i` by ``steps`` Lanczos steps on each row.

    Full re-orthogonalisation; on breakdown (an invariant subspace is found) the recursion
    restarts from a random orthogonal vector with a zero coupling, which leaves the quadrature
    for :math:`v` exact.
    """
    n, d = v.shape
    norm2 = (v * v).sum(-1)
    Q = torch.zeros(n, steps, d, dtype=v.dtype, device=v.device)
    alpha = torch.zeros(n, steps, dtype=v.dtype, device=v.device)
    beta = torch.zeros(n, steps - 1, dtype=v.dtype, device=v.device)
    q = v / norm2.sqrt()[:, None]
    for j in range(steps):
        Q[:, j] = q
        w = matvec(q)
        alpha[:, j] = (w * q).sum(-1)
        basis = Q[:, : j + 1]
        for _ in range(2):  # twice is enough (Giraud et al. 2005)
            w = w - torch.einsum("nkd,nk->nd", basis, torch.einsum("nkd,nd->nk", basis, w))
        if j == steps - 1:
            break
        b = w.norm(dim=-1)
        broken = b <= 1e-10 * alpha[:, : j + 1].abs().amax(-1).clamp_min(1e-30)
        fresh = torch.randn(n, d, generator=generator, dtype=v.dtype).to(v.device)
        fresh = fresh - torch.einsum("nkd,nk->nd", basis, torch.einsum("nkd,nd->nk", basis, fresh))
        w = torch.where(broken[:, None], fresh, w)
        beta[:, j] = torch.where(broken, torch.zeros_like(b), b)
        q = w / w.norm(dim=-1, keepdim=True)
    T = torch.diag_embed(alpha) + torch.diag_embed(beta, 1) + torch.diag_embed(beta, -1)
    evals, evecs = torch.linalg.eigh(T)
    if bool((evals <= 0).any()):
        raise ValueError("the Jacobian is not positive definite (Lanczos found eigenvalues <= 0)")
    return norm2 * (evecs[:, 0, :] ** 2 * evals.log()).sum(-1)


def stochastic_log_det(
    f: nn.Module, x: Tensor, probes: int = 16, steps: int = 10, seed: int = 0
) -> LogDetEstimate:
    r"""Stochastic Lanczos quadrature estimate of :math:`\log\det J_f(x_i)` (Ubaru, Chen & Saad,
    SIAM J. Matrix Anal. Appl. 2017) for symmetric positive definite Jacobians.

    .. math::

        \log\det J = \operatorname{tr}\log J
        \approx \frac1m\sum_{k=1}^m v_k^\top \log(J)\, v_k,\qquad
        v_k^\top \log(J)\, v_k \approx \|v_k\|^2 \sum_j \tau_j^2 \log\theta_j,

    with Rademacher probes :math:`v_k` (Hutchinson 1989) and :math:`(\theta_j, \tau_j)` the
    eigenvalues and first eigenvector components of the ``steps x steps`` Lanczos tridiagonal
    matrix. Only Jacobian-vector products are used (one backward pass each): cost
    :math:`O(m\,s)` passes instead of the :math:`d` passes plus :math:`O(d^3)` of
    :func:`log_det_jacobian`.

    Error. The Hutchinson part is unbiased with variance
    :math:`\tfrac2m\big(\|\log J\|_F^2 - \sum_j (\log J)_{jj}^2\big)` (zero for diagonal
    :math:`J`); its standard error is returned in ``stderr``. The quadrature part decays like
    :math:`\big((\sqrt\kappa - 1)/(\sqrt\kappa + 1)\big)^{2s}` in the condition number
    :math:`\kappa` of :math:`J`, and vanishes for ``steps >= d``. ``tests/test_generative.py``
    checks :math:`|\widehat{\log\det} - \log\det| \le 4\,\mathrm{stderr} + 10^{-3}|\log\det|`
    against Cholesky in :math:`d = 16`.

    Parameters
    ----------
    f : nn.Module
        A map :math:`(n, d) \to (n, d)` with symmetric positive definite Jacobian.
    x : Tensor
        Points ``(n, d)``.
    probes : int
        Number :math:`m \ge 2` of Rademacher probe vectors.
    steps : int
        Lanczos steps :math:`s` (capped at ``d``).
    seed : int
        Seed of the probes.
    """
    if probes < 2 or steps < 1:
        raise ValueError(f"probes must be >= 2 and steps >= 1; got {probes}, {steps}")
    n, d = x.shape
    generator = torch.Generator().manual_seed(seed)
    matvec = _symmetric_matvec(f, x)
    samples = []
    for _ in range(probes):
        v = torch.randint(0, 2, (n, d), generator=generator).to(x) * 2.0 - 1.0
        samples.append(_lanczos_quadrature(matvec, v, min(steps, d), generator))
    stacked = torch.stack(samples)
    return LogDetEstimate(stacked.mean(0), stacked.std(0) / math.sqrt(probes))


# -- the generator -------------------------------------------------------------------------
class BrenierGenerator:
    r"""A generative model :math:`y = T(x)`, :math:`x \sim \mathcal N(0, I_d)`, with
    :math:`T = \nabla\Phi` a strongly monotone Brenier map.

    Since :math:`T` is the gradient of a strongly convex function it is invertible,
    :math:`T^{-1} = \nabla\Phi^*`, and its Jacobian is symmetric positive definite, so the model
    density is exact (change of variables, as in normalising flows; Brenier 1991 makes :math:`T`
    the optimal transport map):

    .. math::

        \log q(y) = \log p(x) - \log\det J_T(x),\qquad x = T^{-1}(y),\qquad
        \log p(x) = -\tfrac12\|x\|^2 - \tfrac d2\log 2\pi.

    Parameters
    ----------
    transport : BrenierMap or GradientNet
        The map from the reference to the data; a bare net is wrapped in a
        :class:`~otgrad.BrenierMap` with no normalisation. Must be strongly monotone for
        :meth:`encode` and :meth:`log_prob`.
    tensor_output : bool
        :meth:`sample` returns torch tensors instead of numpy arrays.

    Examples
    --------
    >>> import otgrad
    >>> from otgrad.generative import BrenierGenerator
    >>> model = BrenierGenerator(otgrad.nets.MGradNetM(2, width=8, linear=True))
    >>> model.sample(4, seed=0).shape
    (4, 2)
    """

    def __init__(self, transport: BrenierMap | GradientNet, tensor_output: bool = False) -> None:
        if isinstance(transport, GradientNet):
            transport = BrenierMap(transport)
        if not isinstance(transport, BrenierMap):
            raise TypeError(
                f"transport must be a BrenierMap or GradientNet; got {type(transport).__name__}"
            )
        self.map = transport
        self.tensor_output = tensor_output

    @property
    def dim(self) -> int:
        """Dimension :math:`d` of the data and of the reference."""
        return self.map.dim

    @property
    def _dtype(self) -> torch.dtype:
        return self.map.source_mean.dtype

    def __repr__(self) -> str:
        return f"BrenierGenerator(dim={self.dim}, net={type(self.map.net).__name__})"

    def reference_log_prob(self, x: ArrayLike) -> ArrayLike:
        r""":math:`\log p(x)` of the standard Gaussian reference, shape ``(n,)``."""
        t = as_points(x, "x", self.dim)
        out = -0.5 * (t * t).sum(-1) - 0.5 * self.dim * math.log(2.0 * math.pi)
        return to_like(out, x)

    def sample(self, n: int, seed: int = 0) -> ArrayLike:
        r"""``n`` samples :math:`T(x)`, :math:`x \sim \mathcal N(0, I)`, shape ``(n, d)``."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}")
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn(int(n), self.dim, generator=generator, dtype=self._dtype)
        y = self.map.transform(x.to(self.map.source_mean.device))
        return y if self.tensor_output else y.cpu().numpy()

    def encode(self, y: ArrayLike) -> ArrayLike:
        r"""The latent code :math:`x = T^{-1}(y) = \nabla\Phi^*(y)`, shape ``(n, d)``."""
        return self.map.inverse(y)

    def decode(self, x: ArrayLike) -> ArrayLike:
        r"""The data point :math:`y = T(x)` of latent codes ``x``, shape ``(n, d)``."""
        return self.map.transform(x)

    def log_det_jacobian(
        self, x: ArrayLike, method: str = "cholesky", **stochastic_kwargs: Any
    ) -> ArrayLike:
        r""":math:`\log\det J_T(x)` at latent points ``x``, shape ``(n,)``: exact by Cholesky
        or by :func:`stochastic_log_det` (``method="stochastic"``, options ``probes``,
        ``steps``, ``seed``)."""
        method = check_choice(method, LOG_DET_METHODS, "log-det method")
        t = as_points(x, "x", self.dim, dtype=self._dtype, device=self.map.source_mean.device)
        if method == "cholesky":
            return to_like(apply_batched(lambda c: log_det_jacobian(self.map, c), t, 4096), x)
        return to_like(stochastic_log_det(self.map, t, **stochastic_kwargs).value.detach(), x)

    def log_prob(
        self, y: ArrayLike, method: str = "cholesky", **stochastic_kwargs: Any
    ) -> ArrayLike:
        r"""Exact model log-density :math:`\log q(y) = \log p(x) - \log\det J_T(x)`,
        :math:`x = T^{-1}(y)`, shape ``(n,)``; ``method="stochastic"`` estimates the
        log-determinant (see :func:`stochastic_log_det` for its error)."""
        t = as_points(y, "y", self.dim, dtype=self._dtype, device=self.map.source_mean.device)
        x = self.map.inverse(t)
        out = self.reference_log_prob(x) - self.log_det_jacobian(x, method, **stochastic_kwargs)
        return to_like(out.detach(), y)


def fit_generator(
    data: ArrayLike, reference: str = "gaussian", seed: int = 0, **fit_kwargs: Any
) -> BrenierGenerator:
    r"""Fit a :class:`BrenierGenerator`: the Brenier map from :math:`\mathcal N(0, I_d)` to the
    empirical distribution of ``data`` (``(n, d)``).

    The reference is given to :func:`otgrad.fit_map` as a sampler, so every minibatch draws
    fresh Gaussian points; ``fit_kwargs`` go to :func:`otgrad.fit_map` (``model``, ``loss``,
    ``steps``, ``batch_size``, ``lr``, ...). The default model is a strongly monotone
    mGradNet-M with a linear part, so the result has an exact density.

    Examples
    --------
    >>> from otgrad import datasets
    >>> from otgrad.generative import fit_generator
    >>> data = datasets.sample("moons", 500)
    >>> model = fit_generator(data, steps=20, progress=False)
    >>> model.log_prob(data[:3]).shape
    (3,)
    """
    check_choice(reference, REFERENCES, "reference")
    points = as_points(data, "data")
    dim = points.shape[1]
    generator = torch.Generator().manual_seed(seed + 1)

    def reference_sampler(n: int) -> Tensor:
        return torch.randn(n, dim, generator=generator, dtype=torch.float64)

    T = fit_map(reference_sampler, data, seed=seed, **fit_kwargs)
    return BrenierGenerator(T, tensor_output=isinstance(data, Tensor))
