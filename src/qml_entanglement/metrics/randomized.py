r"""Subsystem purities from randomized measurements (the classical-shadow purity estimator).

A state :math:`\rho` on ``n`` qubits is rotated by a random *local* unitary
:math:`u = u_0 \otimes \cdots \otimes u_{n-1}` (each :math:`u_k` Haar-random on U(2)) and
measured ``shots`` times in the computational basis.  For a subsystem :math:`A`, Brydges et
al. [1]_ (see the review of Elben et al. [2]_) show that

.. math:: \mathrm{Tr}\,\rho_A^2 = 2^{|A|} \sum_{s, s'} (-2)^{-D(s, s')}\,
          \mathbb{E}_u\!\left[P_u(s) P_u(s')\right],

with :math:`s, s'` bitstrings on :math:`A`, :math:`D` their Hamming distance and
:math:`P_u(s)` the probability of outcome :math:`s` on :math:`A` after the rotation.  From the
counts :math:`c_s` of ``N`` shots with one unitary, the unbiased U-statistic

.. math:: X_u = \frac{2^{|A|}}{N(N-1)} \sum_{i \ne j} (-2)^{-D(s_i, s_j)}
              = \frac{2^{|A|}}{N(N-1)} \left( c^\top M c - N \right),
          \qquad M = \begin{pmatrix} 1 & -\tfrac12 \\ -\tfrac12 & 1 \end{pmatrix}^{\otimes |A|},

has :math:`\mathbb{E}[X_u] = \mathrm{Tr}\,\rho_A^2`; the plug-in estimator
:math:`2^{|A|} c^\top M c / N^2` (pairs :math:`i = j` included) has expectation
:math:`\frac{N-1}{N}\mathrm{Tr}\,\rho_A^2 + \frac{2^{|A|}}{N}`, biased upward.  The estimate of
a state is the mean of :math:`X_u` over the unitaries, its standard error the spread of the
:math:`X_u` (``ddof=1``) over :math:`\sqrt{\#\text{unitaries}}`.

Qubit order is qiskit's little-endian one (qubit 0 is the least significant bit of the basis
index and of the outcome index); entropies are in bits unless ``base`` says otherwise.
Everything is vectorised over states, unitaries and shots; the only Python loops run over
chunks of the batch, over qubits and over the requested subsystems.

References
----------
.. [1] T. Brydges, A. Elben, P. Jurcevic, B. Vermersch, C. Maier, B. P. Lanyon, P. Zoller,
       R. Blatt and C. F. Roos, "Probing Rényi entanglement entropy via randomized
       measurements", Science 364, 260 (2019).
.. [2] A. Elben, S. T. Flammia, H.-Y. Huang, R. Kueng, J. Preskill, B. Vermersch and
       P. Zoller, "The randomized measurement toolbox", Nat. Rev. Phys. 5, 9 (2023).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._validation import (
    DEFAULT_ATOL,
    as_density_matrices,
    as_rng,
    as_statevectors,
    check_atol,
    check_base,
    check_norms,
    iter_chunks,
    num_qubits_of,
    qubit_indices,
)
from .reduced_states import scalar_or_array

__all__ = [
    "EstimateWithError",
    "RandomizedPurities",
    "ShotBudget",
    "mean_over_samples",
    "randomized_meyer_wallach",
    "randomized_purities",
    "randomized_purities_from_counts",
    "randomized_renyi2",
    "shot_budget",
]

#: Bytes of rotated states (``unitaries`` copies of each state of a chunk) held at once.
_ROTATED_CHUNK_BYTES = 8 * 2**20

#: :math:`(-2)^{-D}` for one qubit: 1 on equal bits, -1/2 on different ones.
_ONE_QUBIT_KERNEL = np.array([[1.0, -0.5], [-0.5, 1.0]])


@dataclass(frozen=True, eq=False)
class RandomizedPurities:
    """Purity estimates of a batch of states from randomized measurements.

    Attributes
    ----------
    estimates : numpy.ndarray, shape (..., len(subsystems))
        Mean over the unitaries of the per-unitary estimates :math:`X_u` of
        :math:`\\mathrm{Tr}\\,\\rho_A^2`, one column per subsystem.  Unbiased (unless
        ``plugin``), so a single estimate may lie outside the physical range
        :math:`[2^{-|A|}, 1]`.
    standard_errors : numpy.ndarray, shape (..., len(subsystems))
        ``std(X_u, ddof=1) / sqrt(unitaries)`` per state and subsystem.
    per_unitary : numpy.ndarray, shape (..., unitaries, len(subsystems))
        The :math:`X_u` themselves (estimates for different subsystems that share a unitary
        are correlated, so derived quantities are formed per unitary first).
    subsystems : tuple of tuple of int
        The subsystems, in the order of the last axis.
    n_qubits : int
        Number of qubits of the states.
    plugin : bool
        Whether the biased plug-in estimator was used.
    """

    estimates: np.ndarray
    standard_errors: np.ndarray
    per_unitary: np.ndarray
    subsystems: tuple[tuple[int, ...], ...]
    n_qubits: int
    plugin: bool = False

    def column(self, subsystem: Sequence[int] | int) -> int:
        """Index of ``subsystem`` (compared as a set of qubits) in :attr:`subsystems`."""
        wanted = set(qubit_indices(subsystem, self.n_qubits))
        for j, candidate in enumerate(self.subsystems):
            if set(candidate) == wanted:
                return j
        raise ValueError(
            f"subsystem {sorted(wanted)} was not estimated; the estimated subsystems are "
            f"{[list(s) for s in self.subsystems]}"
        )


@dataclass(frozen=True, eq=False)
class EstimateWithError:
    """A (batch of) estimate(s) with standard error(s) of the same shape.

    Attributes
    ----------
    value : numpy.ndarray or numpy.float64
    standard_error : numpy.ndarray or numpy.float64
    """

    value: np.ndarray
    standard_error: np.ndarray


@dataclass(frozen=True)
class ShotBudget:
    """Measured cost of a Meyer-Wallach estimate at one number of shots per unitary.

    Attributes
    ----------
    n_qubits : int
    shots : int
        Shots per unitary.
    per_unitary_std : float
        Standard deviation of the per-unitary Meyer-Wallach estimate :math:`Q_u` (pooled over
        the test states).
    unitaries : int
        Unitaries needed for ``target_se``: ``ceil((per_unitary_std / target_se)**2)``.
    total_shots : int
        ``unitaries * shots``, the measurement budget per state.
    target_se : float
    """

    n_qubits: int
    shots: int
    per_unitary_std: float
    unitaries: int
    total_shots: int
    target_se: float


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_subsystems(subsystems, n: int) -> tuple[tuple[int, ...], ...]:
    if isinstance(subsystems, numbers.Integral | str | bytes):
        raise ValueError(
            "subsystems must be a sequence of qubit-index tuples, e.g. [(0,), (1,), (0, 1)]; "
            f"got {subsystems!r}"
        )
    result = tuple(qubit_indices(s, n, f"subsystems[{j}]") for j, s in enumerate(subsystems))
    if not result:
        raise ValueError("subsystems is empty; name at least one subsystem")
    return result


def _haar_single_qubit_unitaries(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Haar-random U(2) matrices of shape ``(*shape, 2, 2)``: QR of a complex Ginibre matrix
    with the phases of ``diag(R)`` moved into ``Q`` (Mezzadri, Notices AMS 54, 592 (2007))."""
    z = rng.standard_normal((*shape, 2, 2)) + 1j * rng.standard_normal((*shape, 2, 2))
    q, r = np.linalg.qr(z)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (d / np.abs(d))[..., None, :]


def _apply_local(x: np.ndarray, gates: np.ndarray, n: int, outer: int, inner: int) -> np.ndarray:
    """Apply ``gates[:, :, k]`` to qubit ``k`` of the register index of ``x``.

    ``x`` has shape ``(b, u, outer * 2**n * inner)`` (the register index sits between an outer
    and an inner index), ``gates`` shape ``(b, u, n, 2, 2)``.  One vectorised update per qubit.
    """
    b, u = gates.shape[:2]
    for k in range(n):
        view = x.reshape(b, u, outer * 2 ** (n - 1 - k), 2, 2**k * inner)
        g = gates[:, :, k][:, :, None, :, :, None]  # (b, u, 1, 2, 2, 1)
        x = g[:, :, :, :, 0] * view[:, :, :, None, 0] + g[:, :, :, :, 1] * view[:, :, :, None, 1]
    return x.reshape(b, u, -1)


def _marginal_counts(counts: np.ndarray, n: int, subsystem: Sequence[int]) -> np.ndarray:
    """Counts ``(..., 2**n)`` summed over the qubits outside ``subsystem``: ``(..., 2, ..., 2)``
    with one axis per qubit of the subsystem (in decreasing qubit order)."""
    lead = counts.shape[:-1]
    tensor = counts.reshape(*lead, *(2,) * n)  # qubit q on axis len(lead) + n - 1 - q
    drop = tuple(len(lead) + n - 1 - q for q in range(n) if q not in subsystem)
    return tensor.sum(axis=drop)


def _quadratic_form(marginal: np.ndarray, size: int) -> np.ndarray:
    """:math:`c^\\top M c` with :math:`M = m^{\\otimes size}`, applying ``m`` axis by axis."""
    lead = marginal.ndim - size
    y = marginal
    for axis in range(lead, marginal.ndim):
        y = np.moveaxis(np.tensordot(y, _ONE_QUBIT_KERNEL, axes=([axis], [0])), -1, axis)
    return (marginal * y).sum(axis=tuple(range(lead, marginal.ndim)))


def _estimates_from_counts(
    counts: np.ndarray,
    n: int,
    subsystems: Sequence[Sequence[int]],
    plugin: bool,
) -> np.ndarray:
    """Per-unitary estimates ``(..., len(subsystems))`` from counts ``(..., 2**n)``."""
    counts = counts.astype(np.float64, copy=False)
    shots = counts.sum(axis=-1)
    out = np.empty((*counts.shape[:-1], len(subsystems)))
    for j, subsystem in enumerate(subsystems):
        size = len(subsystem)
        form = _quadratic_form(_marginal_counts(counts, n, subsystem), size)
        if plugin:
            out[..., j] = 2.0**size * form / shots**2
        else:
            out[..., j] = 2.0**size * (form - shots) / (shots * (shots - 1.0))
    return out


def _summarise(
    per_unitary: np.ndarray, subsystems: tuple[tuple[int, ...], ...], n: int, plugin: bool
) -> RandomizedPurities:
    u = per_unitary.shape[-2]
    estimates = per_unitary.mean(axis=-2)
    errors = per_unitary.std(axis=-2, ddof=1) / math.sqrt(u)
    return RandomizedPurities(estimates, errors, per_unitary, subsystems, n, plugin)


def randomized_purities_from_counts(
    counts, subsystems, *, plugin: bool = False
) -> RandomizedPurities:
    r"""Subsystem purities from measured counts of randomized measurements.

    The estimator of :func:`randomized_purities` applied to counts already measured (on
    hardware, or sampled elsewhere) after random local unitaries.

    Parameters
    ----------
    counts : array_like of int, shape (..., unitaries, 2**n)
        ``counts[..., u, x]``: how often outcome ``x`` was observed after unitary ``u``, with
        qubit ``k`` the bit ``k`` of ``x`` (qiskit little-endian, as in
        ``qiskit.result.Counts.int_outcomes()``).  The number of shots may differ between
        unitaries but must be at least 2 (1 with ``plugin=True``); at least 2 unitaries.
    subsystems : sequence of sequence of int
        Subsystems :math:`A`, e.g. ``[(0,), (1,), (0, 1)]``.
    plugin : bool, optional
        Use the biased plug-in estimator (pairs of a shot with itself included) instead of the
        unbiased U-statistic.  For comparison only.

    Returns
    -------
    RandomizedPurities
        ``estimates`` and ``standard_errors`` of shape ``(..., len(subsystems))``.

    Notes
    -----
    With :math:`c` the counts on :math:`A` after unitary :math:`u` and :math:`N = \sum_s c_s`,

    .. math:: X_u = \frac{2^{|A|}\,(c^\top M c - N)}{N(N-1)}, \qquad
              M_{s s'} = (-2)^{-D(s, s')} ,

    :math:`D` the Hamming distance; the plug-in variant is :math:`2^{|A|} c^\top M c / N^2`.
    :math:`M = m^{\otimes |A|}` is applied qubit by qubit, so the cost is
    :math:`O(|A|\,2^{|A|})` per unitary.  No logarithm is involved.

    References
    ----------
    .. [1] T. Brydges et al., Science 364, 260 (2019); A. Elben et al., Nat. Rev. Phys. 5, 9
           (2023), Box 2.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[50, 0, 0, 50], [25, 25, 25, 25]])  # two unitaries, 2 qubits
    >>> result = randomized_purities_from_counts(counts, [(0,), (0, 1)])
    >>> result.per_unitary.round(4)  # qubit 0: 2 (50*50*2 - 50*50 - 100) / (100*99)
    array([[0.4848, 2.4848],
           [0.4848, 0.2121]])
    >>> result.estimates.round(4)
    array([0.4848, 1.3485])
    """
    arr = np.asarray(counts)
    if arr.dtype.kind not in "iuf" or arr.ndim < 2:
        raise ValueError(
            "counts must be a numeric array of shape (..., unitaries, 2**n); got "
            f"dtype {arr.dtype} and shape {arr.shape}"
        )
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr != np.round(arr)).any():
        raise ValueError("counts must be non-negative integers")
    n = num_qubits_of(arr.shape[-1], "the length of the last axis of counts")
    _check_count(arr.shape[-2], "the number of unitaries (axis -2 of counts)", 2)
    subs = _check_subsystems(subsystems, n)
    shots = arr.sum(axis=-1)
    minimum = 1 if plugin else 2
    if (shots < minimum).any():
        raise ValueError(
            f"every unitary needs at least {minimum} shots for this estimator; the smallest "
            f"count total is {int(shots.min())}"
        )
    return _summarise(_estimates_from_counts(arr, n, subs, plugin), subs, n, plugin)


def randomized_purities(
    states,
    subsystems,
    unitaries: int = 100,
    shots: int = 100,
    rng=None,
    *,
    plugin: bool = False,
    density: bool | None = None,
    atol: float = DEFAULT_ATOL,
) -> RandomizedPurities:
    r"""Simulate randomized measurements of exact states and estimate subsystem purities.

    Parameters
    ----------
    states : array_like, shape (..., 2**n) or (..., 2**n, 2**n)
        Batch of normalised statevectors or density matrices (qiskit little-endian: qubit 0 is
        the least significant bit of the basis index).
    subsystems : sequence of sequence of int
        Subsystems :math:`A` whose purities are estimated from the same measurements, e.g.
        ``[(0,), (1,), ..., (0, ..., n//2 - 1)]``.
    unitaries : int, optional
        Random local unitaries per state, at least 2.
    shots : int, optional
        Computational-basis measurements per unitary, at least 2 (1 with ``plugin``).
    rng : None, int or numpy.random.Generator, optional
        Source of the unitaries and of the shots.
    plugin : bool, optional
        Use the biased plug-in estimator instead of the unbiased one (see
        :func:`randomized_purities_from_counts`).
    density : bool, optional
        Whether ``states`` holds density matrices.  By default an input whose last two axes
        are equal is read as density matrices; pass ``density=False`` for a batch of exactly
        ``2**n`` statevectors.
    atol : float, optional
        Tolerance of the normalisation (statevectors) or Hermiticity and unit-trace (density
        matrices) checks.

    Returns
    -------
    RandomizedPurities
        ``estimates`` and ``standard_errors`` of shape ``(..., len(subsystems))``; the
        standard error is ``std(X_u, ddof=1) / sqrt(unitaries)`` over the per-unitary
        estimates of each state.  No logarithm is involved (purities are dimensionless).

    Notes
    -----
    For each state, ``unitaries`` local unitaries :math:`u_0 \otimes \cdots \otimes u_{n-1}`
    are drawn, each :math:`u_k` Haar-random on U(2); **every state of the batch gets its own,
    independent unitaries** (none are shared), so the estimates of different states are
    independent and :func:`mean_over_samples` applies.  The outcome probabilities
    :math:`P_u(x) = \langle x| u \rho u^\dagger |x\rangle` are computed exactly and ``shots``
    outcomes drawn from them (multinomial); the purity of each subsystem then follows from
    the counts as in :func:`randomized_purities_from_counts`:

    .. math:: \mathrm{Tr}\,\rho_A^2 \approx \frac{1}{N_U}\sum_u
              \frac{2^{|A|}}{N(N-1)} \sum_{i \ne j} (-2)^{-D(s_i, s_j)} .

    The variance falls as ``1/unitaries`` at fixed ``shots``; at large ``shots`` it levels
    off at the spread over unitaries of the exact-probability estimator (see
    :func:`shot_budget`).  Cost per state: ``unitaries * n * 2**n`` (statevectors) or
    ``unitaries * n * 4**n`` (density matrices), chunked so that a few MiB are held at once.

    References
    ----------
    .. [1] T. Brydges et al., "Probing Rényi entanglement entropy via randomized
           measurements", Science 364, 260 (2019).
    .. [2] A. Elben et al., "The randomized measurement toolbox", Nat. Rev. Phys. 5, 9 (2023).

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)  # purities 1/2, 1/2 and 1
    >>> result = randomized_purities(bell, [(0,), (1,), (0, 1)], 400, 100, rng=1)
    >>> bool(np.all(np.abs(result.estimates - [0.5, 0.5, 1.0]) < 4 * result.standard_errors))
    True
    """
    check_atol(atol)
    unitaries = _check_count(unitaries, "unitaries", 2)
    shots = _check_count(shots, "shots", 1 if plugin else 2)
    rng = as_rng(rng)
    arr = np.asarray(states)
    if density is None:
        density = arr.ndim >= 2 and arr.shape[-1] == arr.shape[-2]
    if density:
        arr, n = as_density_matrices(arr, atol=atol, what="states")
        batch_shape = arr.shape[:-2]
        flat = arr.reshape(-1, *arr.shape[-2:])
    else:
        arr, n = as_statevectors(arr)
        batch_shape = arr.shape[:-1]
        flat = arr.reshape(-1, arr.shape[-1])
    subs = _check_subsystems(subsystems, n)
    dim = 2**n
    per_unitary = np.empty((flat.shape[0], unitaries, len(subs)))
    item_bytes = unitaries * 16 * dim * (dim if density else 1)
    for chunk in iter_chunks(flat.shape[0], item_bytes, _ROTATED_CHUNK_BYTES):
        block = flat[chunk].astype(np.complex128)
        b = block.shape[0]
        gates = _haar_single_qubit_unitaries(rng, (b, unitaries, n))
        if density:
            block = block / np.trace(block, axis1=-2, axis2=-1).real[:, None, None]
            x = np.broadcast_to(block.reshape(b, 1, dim * dim), (b, unitaries, dim * dim))
            x = _apply_local(x, gates, n, outer=1, inner=dim)  # u on the row index
            x = _apply_local(x, np.conj(gates), n, outer=dim, inner=1)  # u* on the column one
            probs = np.diagonal(x.reshape(b, unitaries, dim, dim), axis1=-2, axis2=-1).real
        else:
            norm2 = (block.real**2 + block.imag**2).sum(axis=-1)
            check_norms(norm2, atol=atol, start=chunk.start, batch_shape=batch_shape)
            x = np.broadcast_to(block[:, None, :], (b, unitaries, dim))
            x = _apply_local(x, gates, n, outer=1, inner=1) / np.sqrt(norm2)[:, None, None]
            probs = x.real**2 + x.imag**2
        probs = np.clip(probs, 0.0, None)
        probs /= probs.sum(axis=-1, keepdims=True)
        counts = rng.multinomial(shots, probs)
        per_unitary[chunk] = _estimates_from_counts(counts, n, subs, plugin)
    per_unitary = per_unitary.reshape(*batch_shape, unitaries, len(subs))
    return _summarise(per_unitary, subs, n, plugin)


def _estimate(value, standard_error) -> EstimateWithError:
    """Wrap, with NumPy scalars for 0-d results (an unbatched input)."""
    return EstimateWithError(
        scalar_or_array(np.asarray(value)), scalar_or_array(np.asarray(standard_error))
    )


def randomized_meyer_wallach(result: RandomizedPurities) -> EstimateWithError:
    r"""Meyer-Wallach measure, with standard error, from randomized-measurement purities.

    Parameters
    ----------
    result : RandomizedPurities
        Output of :func:`randomized_purities` whose subsystems include every single qubit
        ``(0,), (1,), ..., (n-1,)``, from pure states.

    Returns
    -------
    EstimateWithError
        ``value`` and ``standard_error`` of shape ``(...)`` (the batch shape).  Not clipped to
        ``[0, 1]``, so that it stays unbiased.  Dimensionless (no logarithm).

    Notes
    -----
    Per unitary :math:`Q_u = 2\left(1 - \frac1n \sum_k X_{u,k}\right)` with :math:`X_{u,k}`
    the estimate of :math:`\mathrm{Tr}\,\rho_k^2`; the value is the mean of :math:`Q_u` over
    the unitaries and the standard error ``std(Q_u, ddof=1) / sqrt(unitaries)``.  Forming
    :math:`Q_u` first accounts for the correlation of the single-qubit estimates that share a
    unitary.  Meyer and Wallach, J. Math. Phys. 43, 4273 (2002), in Brennen's form, Quantum
    Inf. Comput. 3, 619 (2003).

    References
    ----------
    .. [1] A. Elben et al., "The randomized measurement toolbox", Nat. Rev. Phys. 5, 9 (2023).

    Examples
    --------
    >>> import numpy as np
    >>> ghz = np.zeros(8); ghz[[0, 7]] = 1 / np.sqrt(2)  # Q = 1
    >>> est = randomized_meyer_wallach(randomized_purities(ghz, [(0,), (1,), (2,)], 400, 50, 3))
    >>> bool(abs(est.value - 1.0) < 4 * est.standard_error)
    True
    """
    columns = [result.column((k,)) for k in range(result.n_qubits)]
    q = 2.0 * (1.0 - result.per_unitary[..., columns].mean(axis=-1))  # (..., unitaries)
    value = q.mean(axis=-1)
    error = q.std(axis=-1, ddof=1) / math.sqrt(q.shape[-1])
    return _estimate(value, error)


def randomized_renyi2(
    result: RandomizedPurities, subsystem=None, base: float = 2
) -> EstimateWithError:
    r"""Rényi-2 entropy, with delta-method standard error, from randomized-measurement purities.

    Parameters
    ----------
    result : RandomizedPurities
        Output of :func:`randomized_purities` that includes ``subsystem``.
    subsystem : sequence of int, optional
        Subsystem :math:`A`; the half cut ``range(n // 2)`` (qubits ``0 .. n//2 - 1``) by
        default.
    base : float, optional
        Logarithm base; 2 (bits) by default.

    Returns
    -------
    EstimateWithError
        ``value`` :math:`S_2 = -\log_b \hat P` and ``standard_error``
        :math:`\sigma_{\hat P} / (\hat P \ln b)`, shape ``(...)``.  NaN where the purity
        estimate is not positive (possible at small budgets).

    Notes
    -----
    .. math:: S_2(\rho_A) = -\log_b \mathrm{Tr}\,\rho_A^2 .

    :math:`-\log` of an unbiased purity estimate is biased upward by about
    :math:`\sigma_{\hat P}^2 / (2 \hat P^2 \ln b)` (Jensen); negligible when the relative
    standard error is small.

    References
    ----------
    .. [1] T. Brydges et al., "Probing Rényi entanglement entropy via randomized
           measurements", Science 364, 260 (2019).

    Examples
    --------
    >>> import numpy as np
    >>> ghz = np.zeros(16); ghz[[0, 15]] = 1 / np.sqrt(2)  # half-cut S2 = 1 bit
    >>> est = randomized_renyi2(randomized_purities(ghz, [(0, 1)], 400, 100, rng=2))
    >>> bool(abs(est.value - 1.0) < 4 * est.standard_error)
    True
    """
    ln_base = check_base(base)
    if subsystem is None:
        if result.n_qubits < 2:
            raise ValueError("the half cut needs at least 2 qubits; got 1")
        subsystem = tuple(range(result.n_qubits // 2))
    j = result.column(subsystem)
    purity = result.estimates[..., j]
    error = result.standard_errors[..., j]
    positive = purity > 0
    safe = np.where(positive, purity, 1.0)
    value = np.where(positive, -np.log(safe) / ln_base, np.nan)
    se = np.where(positive, error / (safe * ln_base), np.nan)
    return _estimate(value, se)


def mean_over_samples(
    estimate: EstimateWithError,
    axis: int | tuple[int, ...] | None = None,
    *,
    error: Literal["population", "measurement"] = "population",
) -> EstimateWithError:
    r"""Epoch-level mean of per-sample estimates, with its standard error.

    Parameters
    ----------
    estimate : EstimateWithError
        Per-sample values and standard errors, e.g. from :func:`randomized_meyer_wallach`,
        with independent measurements for each sample (as :func:`randomized_purities` does).
    axis : int or tuple of int, optional
        Sample axes to average over; all of them by default.
    error : {"population", "measurement"}, optional
        Which standard error (see Notes).  ``"population"`` by default.

    Returns
    -------
    EstimateWithError
        The mean :math:`\bar x = \frac1B \sum_b x_b` over the ``B`` samples and its standard
        error, in the unit of the input.

    Notes
    -----
    * ``"population"`` -- the two-level (samples, then unitaries and shots) standard error of
      the grand mean as an estimate of the mean over the *distribution* the samples come
      from: :math:`s_x / \sqrt{B}` with :math:`s_x` the sample standard deviation
      (``ddof=1``) of the per-sample estimates.  Since each :math:`x_b` carries its own
      measurement noise, :math:`\mathrm{E}[s_x^2] = \sigma_{\text{between}}^2 +
      \sigma_{\text{within}}^2 / N_U`, so this one number covers both the state-to-state
      spread and the measurement noise (balanced design: the same budget for every sample).
      Needs ``B >= 2``.
    * ``"measurement"`` -- the samples taken as fixed (the target is the exact metric averaged
      over *these* samples, e.g. the epoch value the simulator logs):
      :math:`\sqrt{\sum_b \sigma_b^2} / B` with :math:`\sigma_b` the per-sample standard
      errors.  Smaller, as it leaves out the spread between samples.

    References
    ----------
    .. [1] A. Elben et al., "The randomized measurement toolbox", Nat. Rev. Phys. 5, 9 (2023),
           on the error budget of randomized-measurement estimators.

    Examples
    --------
    >>> import numpy as np
    >>> per_sample = EstimateWithError(np.array([0.2, 0.4]), np.array([0.03, 0.04]))
    >>> epoch = mean_over_samples(per_sample, error="measurement")
    >>> float(epoch.value), float(epoch.standard_error)
    (0.30000000000000004, 0.025)
    """
    value = np.asarray(estimate.value, dtype=float)
    se = np.asarray(estimate.standard_error, dtype=float)
    if value.ndim == 0:
        raise ValueError("mean_over_samples needs a batch of per-sample estimates; got a scalar")
    axes = tuple(range(value.ndim)) if axis is None else np.atleast_1d(axis).tolist()
    axes = tuple(int(a) for a in axes)
    count = math.prod(value.shape[a] for a in axes)
    mean = value.mean(axis=axes)
    if error == "population":
        if count < 2:
            raise ValueError("the population standard error needs at least 2 samples")
        spread = value.std(axis=axes, ddof=1) / math.sqrt(count)
    elif error == "measurement":
        spread = np.sqrt((se**2).sum(axis=axes)) / count
    else:
        raise ValueError(f"error must be 'population' or 'measurement', got {error!r}")
    return _estimate(mean, spread)


def shot_budget(
    n_qubits: int,
    target_se: float = 0.01,
    shots: Sequence[int] = (10, 100, 1000),
    *,
    n_states: int = 20,
    unitaries: int = 100,
    rng=None,
) -> list[ShotBudget]:
    r"""Measure the budget a per-sample Meyer-Wallach standard error of ``target_se`` needs.

    Parameters
    ----------
    n_qubits : int
        Register size, ``n >= 2``.
    target_se : float, optional
        Wanted standard error of the Meyer-Wallach estimate of one state.
    shots : sequence of int, optional
        Shots per unitary to try.
    n_states : int, optional
        Haar-random test states (complex Gaussian vectors, normalised).
    unitaries : int, optional
        Unitaries per state used to measure the spread.
    rng : None, int or numpy.random.Generator, optional
        Source of the states, unitaries and shots.

    Returns
    -------
    list of ShotBudget
        One row per entry of ``shots``: the per-unitary standard deviation of :math:`Q_u`
        (root mean square over the states of the ``ddof=1`` spread over unitaries), the
        unitaries needed, ``ceil((std / target_se)**2)``, and the total shots per state.

    Notes
    -----
    At fixed shots the variance of the mean of :math:`Q_u` over :math:`N_U` unitaries is
    exactly :math:`\mathrm{Var}(Q_u) / N_U`, so one measurement of :math:`\mathrm{Var}(Q_u)`
    per shot count gives the unitaries needed.  Empirical, so the numbers carry a relative
    error of about ``1 / sqrt(2 * n_states * unitaries)`` on the std.  Estimator as in
    :func:`randomized_meyer_wallach`; dimensionless.

    References
    ----------
    .. [1] A. Elben et al., "Statistical correlations between locally randomized
           measurements: a toolbox for probing entanglement in many-body quantum states",
           Phys. Rev. A 99, 052323 (2019).

    Examples
    --------
    >>> rows = shot_budget(2, target_se=0.05, shots=(100,), n_states=4, unitaries=50, rng=0)
    >>> rows[0].shots, rows[0].total_shots == rows[0].unitaries * 100
    (100, True)
    """
    n = _check_count(n_qubits, "n_qubits", 2)
    n_states = _check_count(n_states, "n_states", 1)
    if not (isinstance(target_se, numbers.Real) and target_se > 0 and math.isfinite(target_se)):
        raise ValueError(f"target_se must be a finite number > 0, got {target_se!r}")
    rng = as_rng(rng)
    dim = 2**n
    states = rng.standard_normal((n_states, dim)) + 1j * rng.standard_normal((n_states, dim))
    states /= np.linalg.norm(states, axis=-1, keepdims=True)
    singles = [(k,) for k in range(n)]
    rows = []
    for n_shots in shots:
        result = randomized_purities(states, singles, unitaries, n_shots, rng, density=False)
        q = 2.0 * (1.0 - result.per_unitary.mean(axis=-1))  # (n_states, unitaries)
        std = float(np.sqrt(q.var(axis=-1, ddof=1).mean()))
        needed = max(2, math.ceil((std / target_se) ** 2))
        rows.append(ShotBudget(n, int(n_shots), std, needed, needed * int(n_shots), target_se))
    return rows
