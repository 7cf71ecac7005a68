"""Entanglement measures of pure states: Meyer-Wallach, per-qubit summaries, concurrence.

Qubit order is qiskit's little-endian one (qubit 0 is the least significant bit of the basis
index); entropies are in bits unless ``base`` says otherwise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import (
    DEFAULT_ATOL,
    as_density_matrices,
    as_statevectors,
    check_base,
)
from .entropy import qubit_entropy_from_purity
from .reduced_states import map_statevector_chunks, scalar_or_array, single_qubit_purity_kernel

__all__ = [
    "SingleQubitMeasures",
    "concurrence",
    "measures_from_purities",
    "meyer_wallach",
    "single_qubit_measures",
]


class SingleQubitMeasures(NamedTuple):
    """Everything derived from the single-qubit reduced states of a batch of pure states.

    Attributes
    ----------
    purities : numpy.ndarray, shape (..., n)
        :math:`\\mathrm{Tr}\\,\\rho_k^2` per qubit.
    entropies : numpy.ndarray, shape (..., n)
        :math:`S(\\rho_k)` per qubit, in the requested base.
    meyer_wallach : numpy.ndarray, shape (...)
        :math:`Q = 2(1 - \\frac1n \\sum_k \\mathrm{Tr}\\,\\rho_k^2)`.
    entanglement_entropy : numpy.ndarray, shape (...)
        Mean of ``entropies`` over the qubits.
    """

    purities: np.ndarray
    entropies: np.ndarray
    meyer_wallach: np.ndarray
    entanglement_entropy: np.ndarray


def single_qubit_measures(
    states, base: float = 2, *, atol: float = DEFAULT_ATOL
) -> SingleQubitMeasures:
    r"""Per-qubit purities and entropies, Meyer-Wallach and mean entropy, from one pass.

    This is what a training loop should call each epoch: :func:`meyer_wallach` and
    :func:`entanglement_entropy` each make the same pass over the states, this makes it once.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised pure statevectors (qiskit little-endian qubit order).
    base : float, optional
        Logarithm base of the entropies; 2 (bits) by default.
    atol : float, optional
        Tolerance of the normalisation check, ``| ||psi|| - 1 | <= atol``.

    Returns
    -------
    SingleQubitMeasures
        Named tuple ``(purities, entropies, meyer_wallach, entanglement_entropy)``; see its
        docstring for shapes.

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> m = single_qubit_measures(np.stack([bell, [1, 0, 0, 0]]))
    >>> m.meyer_wallach, m.entanglement_entropy
    (array([1., 0.]), array([1., 0.]))
    >>> m.purities
    array([[0.5, 0.5],
           [1. , 1. ]])
    """
    arr, n = as_statevectors(states)
    kernel = single_qubit_purity_kernel(n, range(n))
    purities = map_statevector_chunks(arr, kernel, (n,), np.float64, atol=atol)
    return measures_from_purities(purities, base)


def measures_from_purities(purities, base: float = 2) -> SingleQubitMeasures:
    r""":class:`SingleQubitMeasures` from the per-qubit purities alone.

    For a caller that has the purities already (the statevector engine computes them in the
    pass that produces the states), this spares the pass over the states.

    Parameters
    ----------
    purities : array_like, shape (..., n)
        :math:`\mathrm{Tr}\,\rho_k^2` of every qubit's reduced state, in ``[1/2, 1]``.
    base : float, optional
        Logarithm base of the entropies; 2 (bits) by default.

    Returns
    -------
    SingleQubitMeasures
        As :func:`single_qubit_measures`: entropies from the eigenvalues
        :math:`(1 \pm \sqrt{2 \mathrm{Tr}\rho_k^2 - 1}) / 2`, Meyer-Wallach
        :math:`Q = 2(1 - \frac1n \sum_k \mathrm{Tr}\,\rho_k^2)` [1]_.

    References
    ----------
    .. [1] G. K. Brennen, "An observable measure of entanglement for pure states of
           multi-qubit systems", Quantum Inf. Comput. 3, 619 (2003).

    Examples
    --------
    >>> m = measures_from_purities([[0.5, 0.5], [1.0, 1.0]])
    >>> m.meyer_wallach, m.entanglement_entropy
    (array([1., 0.]), array([1., 0.]))
    """
    purities = np.asarray(purities, dtype=float)
    entropies = qubit_entropy_from_purity(purities, check_base(base))
    mw = np.clip(2.0 * (1.0 - purities.mean(axis=-1)), 0.0, 1.0)
    return SingleQubitMeasures(
        purities, entropies, scalar_or_array(mw), scalar_or_array(entropies.mean(axis=-1))
    )


def meyer_wallach(states, *, atol: float = DEFAULT_ATOL):
    r"""Meyer-Wallach global entanglement :math:`Q` of pure states.

    Parameters
    ----------
    states : array_like, shape (..., 2**n)
        Batch of normalised pure statevectors (qiskit little-endian qubit order; the measure is
        symmetric in the qubits, so the order does not change it).  Density matrices are not
        accepted: for a mixed state the reduced purities also drop through classical mixing,
        so :math:`Q` would not measure entanglement; use :func:`negativity` there.
    atol : float, optional
        Tolerance of the normalisation check, ``| ||psi|| - 1 | <= atol``.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        :math:`Q \in [0, 1]`: 0 exactly for product states, 1 for GHZ and Bell states.

    Notes
    -----
    Brennen's form [2]_ of the measure of Meyer and Wallach [1]_:

    .. math:: Q(|\psi\rangle) = 2\left(1 - \frac{1}{n}\sum_{k=0}^{n-1}
              \mathrm{Tr}\,\rho_k^2\right), \qquad
              \rho_k = \mathrm{Tr}_{\bar k} |\psi\rangle\langle\psi| ,

    i.e. twice the mean single-qubit linear entropy.  No logarithm is involved.  For two
    qubits :math:`Q = C^2` (concurrence squared); the Haar average is
    :math:`(2^n - 2)/(2^n + 1)`.

    References
    ----------
    .. [1] D. A. Meyer and N. R. Wallach, "Global entanglement in multiparticle systems",
           J. Math. Phys. 43, 4273 (2002).
    .. [2] G. K. Brennen, "An observable measure of entanglement for pure states of
           multi-qubit systems", Quantum Inf. Comput. 3, 619 (2003).

    Examples
    --------
    >>> import numpy as np
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> product = np.kron([1, 0], [1, 1]) / np.sqrt(2)
    >>> meyer_wallach(np.stack([bell, product]))
    array([1., 0.])
    """
    arr, n = as_statevectors(states)
    kernel = single_qubit_purity_kernel(n, range(n))
    purities = map_statevector_chunks(arr, kernel, (n,), np.float64, atol=atol)
    return scalar_or_array(np.clip(2.0 * (1.0 - purities.mean(axis=-1)), 0.0, 1.0))


_YY = np.array([[0, 0, 0, -1], [0, 0, 1, 0], [0, 1, 0, 0], [-1, 0, 0, 0]], dtype=float)


def _concurrence_of_density(rho: np.ndarray) -> np.ndarray:
    """Wootters concurrence of validated two-qubit density matrices ``(b, 4, 4)``."""
    rho = rho / np.trace(rho, axis1=-2, axis2=-1).real[:, None, None]
    w, v = np.linalg.eigh(rho)
    sqrt_rho = (v * np.sqrt(np.clip(w, 0.0, None))[:, None, :]) @ np.conj(v).swapaxes(-1, -2)
    rho_tilde = _YY @ np.conj(rho) @ _YY
    r2 = sqrt_rho @ rho_tilde @ sqrt_rho  # Hermitian, eigenvalues lambda_i**2
    lam = np.sqrt(np.clip(np.linalg.eigvalsh(r2), 0.0, None))  # ascending
    return np.clip(lam[:, 3] - lam[:, 2] - lam[:, 1] - lam[:, 0], 0.0, None)


def concurrence(states, *, density: bool | None = None, atol: float = DEFAULT_ATOL):
    r"""Wootters concurrence of two-qubit pure states or density matrices.

    Parameters
    ----------
    states : array_like, shape (..., 4) or (..., 4, 4)
        Two-qubit statevectors or density matrices.  The measure is symmetric in the two
        qubits, so qubit order does not matter.
    density : bool, optional
        Whether ``states`` holds density matrices.  By default an input whose last two axes
        are ``(4, 4)`` is read as density matrices and anything else as statevectors; pass
        ``density=False`` for a batch of exactly four statevectors, shape ``(4, 4)``.
    atol : float, optional
        Tolerance of the normalisation (statevectors) or unit-trace and Hermiticity (density
        matrices) checks.

    Returns
    -------
    numpy.ndarray or numpy.float64, shape (...)
        :math:`C \in [0, 1]`: 0 for separable states, 1 for Bell states.

    Notes
    -----
    For a pure state :math:`|\psi\rangle = \sum_{ij} \psi_{ij} |ij\rangle`,
    :math:`C = 2|\psi_{00}\psi_{11} - \psi_{01}\psi_{10}|`.  For a density matrix [1]_

    .. math:: C(\rho) = \max(0, \lambda_1 - \lambda_2 - \lambda_3 - \lambda_4),

    with :math:`\lambda_i` the decreasing eigenvalues of
    :math:`\sqrt{\sqrt\rho\,\tilde\rho\,\sqrt\rho}` and
    :math:`\tilde\rho = (\sigma_y\otimes\sigma_y)\rho^*(\sigma_y\otimes\sigma_y)`.  For pure
    states :math:`C^2` equals the Meyer-Wallach measure.  No logarithm is involved.

    References
    ----------
    .. [1] W. K. Wootters, "Entanglement of formation of an arbitrary state of two qubits",
           Phys. Rev. Lett. 80, 2245 (1998).

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.pi / 8
    >>> psi = np.array([np.cos(theta), 0, 0, np.sin(theta)])  # C = sin(2 theta)
    >>> float(concurrence(psi).round(12))
    0.707106781187
    >>> werner = 0.8 * np.outer([1, 0, 0, 1], [1, 0, 0, 1]) / 2 + 0.2 * np.eye(4) / 4
    >>> float(concurrence(werner).round(12))  # (3p - 1) / 2 for p = 0.8
    0.7
    """
    arr = np.asarray(states)
    inferred = density is None
    if inferred:
        density = arr.ndim >= 2 and arr.shape[-2:] == (4, 4)
    if density:
        try:
            rho, n = as_density_matrices(arr, atol=atol, what="rho")
        except ValueError as exc:
            if not inferred:
                raise
            raise ValueError(
                f"{exc} (an input of shape (..., 4, 4) is read as density matrices; pass "
                "density=False for a batch of four statevectors)"
            ) from None
        if n != 2:
            raise ValueError(f"concurrence is defined here for two qubits; got {n}-qubit rho")
        flat = rho.reshape(-1, 4, 4)
        return scalar_or_array(_concurrence_of_density(flat).reshape(rho.shape[:-2]))
    psi, n = as_statevectors(arr)
    if n != 2:
        raise ValueError(
            f"concurrence is defined here for two qubits (last axis 4); got {n} qubits"
        )

    def kernel(block):
        norm2 = np.einsum("bi,bi->b", block, np.conj(block)).real
        c = 2.0 * np.abs(block[:, 0] * block[:, 3] - block[:, 1] * block[:, 2]) / norm2
        return c, norm2

    return scalar_or_array(map_statevector_chunks(psi, kernel, (), np.float64, atol=atol))
