r"""Haar-random reference values: Page's mean entropy, the mean Meyer-Wallach measure, and the
fractions of them a state reaches.

A metric value is easier to read next to what a typical (Haar-random) state of the same size
has: a half-cut entropy at 95% of Page's value is as entangled as random states are.  All
functions are vectorised over their arguments (NumPy broadcasting) and return a NumPy scalar
for scalar input.  Entropies are in bits unless ``base`` says otherwise; the half cut splits
qubits ``0 .. floor(n/2) - 1`` (qiskit little-endian: qubit 0 is the least significant bit)
from the rest, as :func:`bipartite_entropy` does by default.

**One qubit** has no cut: Page's value and the Haar mean of the Meyer-Wallach measure are 0
there, and the fractions are undefined, returned as NaN (without a warning).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from ._validation import check_base
from .reduced_states import scalar_or_array

__all__ = [
    "meyer_wallach_haar_fraction",
    "meyer_wallach_haar_mean",
    "page_entropy",
    "page_fraction",
    "page_half_cut",
    "renyi2_half_cut_reference",
]


def _qubit_counts(values, name: str, minimum: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu" and not (
        arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
    ):
        raise ValueError(f"{name} must be integers, got {values!r}")
    arr = arr.astype(np.int64)
    if (arr < minimum).any():
        raise ValueError(f"{name} must be >= {minimum}, got {values!r}")
    return arr


def page_entropy(n_a, n_b, base: float = 2):
    r"""Page's mean entanglement entropy of a Haar-random pure state on ``n_a + n_b`` qubits.

    Parameters
    ----------
    n_a, n_b : int or array_like of int
        Qubits on the two sides of the cut, ``>= 0`` (broadcast together); the formula is
        symmetric in them.
    base : float, optional
        Logarithm base; 2 (bits) by default.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`\langle S(\rho_A)\rangle` over Haar-random states, at most
        ``min(n_a, n_b)`` bits; 0 if either side is empty.

    Notes
    -----
    With :math:`m = 2^{\min(n_a, n_b)} \le k = 2^{\max(n_a, n_b)}` [1]_ (proved in [2]_),

    .. math:: \langle S \rangle = \sum_{j=k+1}^{mk} \frac{1}{j} - \frac{m-1}{2k}
              = \psi(mk + 1) - \psi(k + 1) - \frac{m-1}{2k} \ \text{nats},

    evaluated with the digamma function :math:`\psi` (exact, vectorised) and divided by
    :math:`\ln b`.

    References
    ----------
    .. [1] D. N. Page, "Average entropy of a subsystem", Phys. Rev. Lett. 71, 1291 (1993).
    .. [2] S. Sen, "Average entropy of a quantum subsystem", Phys. Rev. Lett. 77, 1 (1996).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(page_entropy(1, 1, base=np.e)), 12)  # 1/3 + 1/4 - 1/4 nats
    0.333333333333
    >>> page_entropy(2, [2, 3, 4]).round(4)  # towards n_a - 2**(n_a - n_b) / (2 ln 2) bits
    array([1.3307, 1.6636, 1.8314])
    """
    ln_base = check_base(base)
    a = _qubit_counts(n_a, "n_a", 0)
    b = _qubit_counts(n_b, "n_b", 0)
    m = np.exp2(np.minimum(a, b))
    k = np.exp2(np.maximum(a, b))
    nats = digamma(m * k + 1.0) - digamma(k + 1.0) - (m - 1.0) / (2.0 * k)
    return scalar_or_array(np.where(m == 1, 0.0, nats) / ln_base)


def page_half_cut(n_qubits, base: float = 2):
    r"""Page's mean half-cut entanglement entropy of Haar-random states of ``n_qubits`` qubits.

    Parameters
    ----------
    n_qubits : int or array_like of int
        Register size, ``>= 1``.
    base : float, optional
        Logarithm base; 2 (bits) by default.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``page_entropy(n // 2, n - n // 2, base)``: the mean of
        :func:`bipartite_entropy` (default cut) over Haar-random states; 0 for one qubit
        (no cut).

    Notes
    -----
    .. math:: \langle S_{\lfloor n/2 \rfloor | \lceil n/2 \rceil} \rangle
              = \sum_{j=k+1}^{mk} \frac{1}{j} - \frac{m-1}{2k} \ \text{nats},
              \quad m = 2^{\lfloor n/2 \rfloor},\ k = 2^{\lceil n/2 \rceil} .

    References
    ----------
    .. [1] D. N. Page, "Average entropy of a subsystem", Phys. Rev. Lett. 71, 1291 (1993).

    Examples
    --------
    >>> page_half_cut([2, 4, 8]).round(4)
    array([0.4809, 1.3307, 3.2819])
    """
    n = _qubit_counts(n_qubits, "n_qubits", 1)
    return page_entropy(n // 2, n - n // 2, base)


def meyer_wallach_haar_mean(n_qubits):
    r"""Mean Meyer-Wallach measure of Haar-random pure states of ``n_qubits`` qubits.

    Parameters
    ----------
    n_qubits : int or array_like of int
        Register size, ``>= 1``.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`(2^n - 2)/(2^n + 1)`: 0 for one qubit, 2/5 for two, tending to 1.
        Dimensionless (no logarithm).

    Notes
    -----
    :math:`Q = 2(1 - \frac1n \sum_k \mathrm{Tr}\,\rho_k^2)` and, for a Haar-random state of
    dimension :math:`D = 2^n` and a qubit against :math:`D/2` levels,
    :math:`\langle \mathrm{Tr}\,\rho_k^2 \rangle = (2 + D/2)/(D + 1)` (Lubkin 1978), so

    .. math:: \langle Q \rangle = 2\left(1 - \frac{D/2 + 2}{D + 1}\right)
              = \frac{2^n - 2}{2^n + 1} .

    References
    ----------
    .. [1] G. K. Brennen, "An observable measure of entanglement for pure states of
           multi-qubit systems", Quantum Inf. Comput. 3, 619 (2003).
    .. [2] A. J. Scott, "Multipartite entanglement, quantum-error-correcting codes, and
           entangling power of quantum evolutions", Phys. Rev. A 69, 052330 (2004).
    .. [3] E. Lubkin, "Entropy of an n-system from its correlation with a k-reservoir",
           J. Math. Phys. 19, 1028 (1978).

    Examples
    --------
    >>> meyer_wallach_haar_mean([1, 2, 8])
    array([0.        , 0.4       , 0.98832685])
    """
    dim = np.exp2(_qubit_counts(n_qubits, "n_qubits", 1))
    return scalar_or_array((dim - 2.0) / (dim + 1.0))


def _fraction(values, reference: np.ndarray):
    values = np.asarray(values, dtype=float)
    reference = np.asarray(reference, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(reference > 0, values / np.where(reference > 0, reference, 1.0), np.nan)
    return scalar_or_array(out)


def page_fraction(entropy, n_qubits, base: float = 2):
    r"""Half-cut entanglement entropy as a fraction of Page's Haar-random mean.

    Parameters
    ----------
    entropy : float or array_like
        Half-cut entropies (e.g. :func:`bipartite_entropy` with the default cut), in bits
        unless ``base`` says otherwise.
    n_qubits : int or array_like of int
        Register size(s), ``>= 1``, broadcast against ``entropy``.
    base : float, optional
        Logarithm base of ``entropy``; 2 (bits) by default.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`S / \langle S \rangle_{\rm Haar}`: about 1 for typical random states, 0 for
        product states; NaN for one qubit (no cut, Page value 0).  Dimensionless.

    Notes
    -----
    .. math:: f = S_{\lfloor n/2 \rfloor | \lceil n/2 \rceil} \,/\,
              \mathrm{page\_half\_cut}(n), \quad \text{both in base } b .

    References
    ----------
    .. [1] D. N. Page, "Average entropy of a subsystem", Phys. Rev. Lett. 71, 1291 (1993).

    Examples
    --------
    >>> page_fraction([0.0, 1.3307, 2.0], 4).round(3)
    array([0.   , 1.   , 1.503])
    >>> float(page_fraction(0.0, 1))  # one qubit: no cut
    nan
    """
    return _fraction(entropy, page_half_cut(n_qubits, base))


def meyer_wallach_haar_fraction(q, n_qubits):
    r"""Meyer-Wallach measure as a fraction of its Haar-random mean.

    Parameters
    ----------
    q : float or array_like
        Meyer-Wallach values (e.g. :func:`meyer_wallach`), in ``[0, 1]``.
    n_qubits : int or array_like of int
        Register size(s), ``>= 1``, broadcast against ``q``.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`Q / \langle Q \rangle_{\rm Haar}`: about 1 for typical random states, above 1
        for e.g. GHZ states; NaN for one qubit (the Haar mean is 0).  Dimensionless.

    Notes
    -----
    .. math:: f = Q \,\frac{2^n + 1}{2^n - 2} .

    References
    ----------
    .. [1] A. J. Scott, "Multipartite entanglement, quantum-error-correcting codes, and
           entangling power of quantum evolutions", Phys. Rev. A 69, 052330 (2004).

    Examples
    --------
    >>> meyer_wallach_haar_fraction([0.4, 1.0], 2)
    array([1. , 2.5])
    """
    return _fraction(q, meyer_wallach_haar_mean(n_qubits))


def renyi2_half_cut_reference(n_qubits, base: float = 2):
    r"""The half-cut Rényi-2 entropy of the Haar-mean purity, ``n_qubits`` qubits.

    Returns
    -------
    numpy.ndarray or numpy.float64
        :math:`-\log_b \langle \mathrm{Tr}\,\rho_A^2 \rangle_{\rm Haar}`, 0 for one qubit.

    Notes
    -----
    Lubkin's mean purity of an :math:`m`-dimensional part of a Haar-random state in
    :math:`m k` dimensions is :math:`(m + k)/(m k + 1)` [1]_; :math:`m = 2^{\lfloor n/2
    \rfloor}`, :math:`k = 2^{\lceil n/2 \rceil}`. By Jensen's inequality the mean Rényi-2
    entropy of Haar states is at least this value (the two agree to :math:`O(1/(mk))`).

    References
    ----------
    .. [1] E. Lubkin, "Entropy of an n-system from its correlation with a k-reservoir",
           J. Math. Phys. 19, 1028 (1978).

    Examples
    --------
    >>> round(float(renyi2_half_cut_reference(2)), 6)  # -log2(4/5)
    0.321928
    """
    ln_base = check_base(base)
    n = _qubit_counts(n_qubits, "n_qubits", 1)
    m, k = np.exp2(n // 2), np.exp2(n - n // 2)
    return scalar_or_array(-np.log((m + k) / (m * k + 1.0)) / ln_base)
