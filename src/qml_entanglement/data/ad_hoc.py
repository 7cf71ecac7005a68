r"""The ad hoc data of Havlicek et al. in O(2^n) memory: sampled points, labelled pass by pass.

qiskit-machine-learning's ``ad_hoc_data`` builds dense ``2^n x 2^n`` matrices (about 32 GiB from
``n = 8``; :mod:`qml_entanglement.config.memory`). This generator keeps its labelling rule and
holds only ``P x 2^n`` amplitudes (``P`` points per pass):

1. Points :math:`x \in [0, 2\pi)^n`, by a Latin-hypercube variant with ``divisions`` strata
   per feature (qiskit's ``_modified_lhc``) or uniformly (``sampling="uniform"``).
2. The feature-map state (qiskit-ml's formula, qubit 0 the most significant bit)

   .. math::

       |\Phi(x)\rangle = U_\Phi H^{\otimes n} U_\Phi H^{\otimes n} |0^n\rangle, \qquad
       U_\Phi = \exp\Bigl(i \sum_i x_i Z_i + i \sum_{i<j} (\pi - x_i)(\pi - x_j) Z_i Z_j\Bigr).

   :math:`U_\Phi` is diagonal; with :math:`a = \pi - x` its phase on basis state :math:`k`
   (:math:`z_i(k) = \pm 1`) is :math:`x \cdot z + ((a \cdot z)^2 - |a|^2)/2`. :math:`H^{\otimes n}`
   is a fast Walsh-Hadamard transform (:math:`O(n 2^n)` per state).
3. The label from the parity observable rotated by a fixed random unitary :math:`V`:
   :math:`e(x) = \langle\Phi(x)| V^\dagger Z^{\otimes n} V |\Phi(x)\rangle`; class 0 where
   :math:`e > \Delta`, class 1 where :math:`e < -\Delta`, and the point is rejected inside the gap.

qiskit-ml draws :math:`V` as a dense matrix (eigenvectors of a random Hermitian matrix). Here
:math:`V` is any map of states; the data sets use a seeded brickwork circuit of Haar-random
two-qubit gates (``layers`` layers on neighbouring qubits), applied in :math:`O(2^n)` memory.
With :math:`V` Haar random, :math:`e` has mean 0 and variance :math:`1/(2^n + 1)` (the
parity observable has trace 0 and square 1), so a fixed absolute gap rejects almost every point
for large ``n``; ``gap_unit="haar_sd"`` measures :math:`\Delta` in units of
:math:`1/\sqrt{2^n + 1}` instead. With :math:`V` and the points of qiskit-ml, the labels are
qiskit-ml's (``tests/data/test_ad_hoc.py`` checks it at n = 2 and 3).

References: V. Havlicek et al., "Supervised learning with quantum-enhanced feature spaces",
Nature 567, 209-212 (2019); qiskit-machine-learning ``datasets/ad_hoc.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import unitary_group

MAX_PASSES = 200  # sampling passes before a gap that rejects (nearly) everything is reported
Rotation = Callable[[np.ndarray], np.ndarray]


def z_signs(n: int) -> np.ndarray:
    """``(2^n, n)``: the eigenvalue of :math:`Z_i` on basis state ``k`` (qubit 0 = MSB)."""
    bits = (np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1
    return 1.0 - 2.0 * bits


def walsh_hadamard(states: np.ndarray) -> np.ndarray:
    """:math:`H^{\\otimes n}` applied to each row of ``states`` ``(P, 2^n)`` (normalised)."""
    p, dim = states.shape
    out = states.reshape(p, *([2] * int(np.log2(dim)))).copy()
    for axis in range(1, out.ndim):
        first = np.take(out, 0, axis=axis)
        second = np.take(out, 1, axis=axis)
        out = np.stack([first + second, first - second], axis=axis) / np.sqrt(2.0)
    return out.reshape(p, dim)


def feature_map_states(x: np.ndarray) -> np.ndarray:
    """``(P, 2^n)`` states :math:`U_\\Phi H U_\\Phi H |0\\rangle` of points ``x`` ``(P, n)``."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    z = z_signs(x.shape[1])
    a = np.pi - x
    phase = x @ z.T + ((a @ z.T) ** 2 - np.sum(a**2, axis=1, keepdims=True)) / 2.0
    diagonal = np.exp(1j * phase)
    plus = np.full(diagonal.shape, 2.0 ** (-x.shape[1] / 2), dtype=complex)  # H|0^n>
    return diagonal * walsh_hadamard(diagonal * plus)


def parity_expectation(states: np.ndarray) -> np.ndarray:
    """:math:`\\langle\\psi| Z^{\\otimes n} |\\psi\\rangle` of each row of ``states``."""
    dim = states.shape[1]
    parity = 1.0 - 2.0 * (np.bitwise_count(np.arange(dim, dtype=np.uint64)) & 1)
    return np.abs(states) ** 2 @ parity


def brickwork(n: int, layers: int, rng: np.random.Generator) -> Rotation:
    """A seeded random circuit: ``layers`` brickwork layers of Haar-random two-qubit gates on
    neighbouring qubits (even pairs, then odd pairs); for ``n = 1`` one Haar-random gate."""
    if n == 1:
        gate = unitary_group.rvs(2, random_state=rng)
        return lambda states: states @ gate.T
    pairs = [i for layer in range(layers) for i in range(layer % 2, n - 1, 2)]
    gates = [unitary_group.rvs(4, random_state=rng) for _ in pairs]

    def rotate(states: np.ndarray) -> np.ndarray:
        p = states.shape[0]
        for first, gate in zip(pairs, gates, strict=True):
            view = states.reshape(p, 2**first, 4, 2 ** (n - first - 2))
            states = np.einsum("ab,pibj->piaj", gate, view).reshape(p, -1)
        return states

    return rotate


def labels(x: np.ndarray, rotate: Rotation, gap: float) -> np.ndarray:
    """+1 (class 0), -1 (class 1) or 0 (inside the gap) for each point of ``x``."""
    e = parity_expectation(rotate(feature_map_states(x)))
    return np.where(np.abs(e) > gap, np.sign(e), 0.0)


def hypercube(n: int, count: int, divisions: int, rng: np.random.Generator) -> np.ndarray:
    """qiskit-ml's Latin-hypercube variant: per feature, the ``divisions`` strata of
    ``[0, 2 pi)`` tiled and shuffled, one uniform point in each chosen stratum."""
    tiles = np.tile(np.arange(divisions), -(-count // divisions))
    strata = np.stack([rng.permutation(tiles)[:count] for _ in range(n)], axis=1)
    return (strata + rng.random((count, n))) * (2 * np.pi / divisions)


def sample(
    n: int,
    per_class: int,
    gap: float,
    rng: np.random.Generator,
    *,
    layers: int | None = None,
    gap_unit: str = "haar_sd",
    sampling: str = "hypercube",
    divisions: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` points of each class: ``(x, y)`` with ``x`` ``(2 per_class, n)`` and
    ``y`` in ``{0, 1}`` (class 0 first). ``layers`` of the random rotation default to ``n``.

    Raises ``ValueError`` when ``MAX_PASSES`` passes do not fill both classes (a gap too wide).
    """
    rotate = brickwork(n, n if layers is None else layers, rng)
    threshold = gap / np.sqrt(2**n + 1) if gap_unit == "haar_sd" else gap
    found = {1.0: [], -1.0: []}
    for _ in range(MAX_PASSES):
        count = max(2 * per_class, 16)
        x = (
            hypercube(n, count, divisions, rng)
            if sampling == "hypercube"
            else (rng.random((count, n)) * 2 * np.pi)
        )
        y = labels(x, rotate, threshold)
        for sign in found:
            found[sign].extend(x[y == sign])
        if min(len(v) for v in found.values()) >= per_class:
            a, b = (np.array(found[s][:per_class]) for s in (1.0, -1.0))
            return np.vstack([a, b]), np.repeat([0, 1], per_class)
    raise ValueError(
        f"ad hoc data: gap {gap} ({gap_unit}) leaves too few points outside it after "
        f"{MAX_PASSES} passes at n={n}; use a smaller dataset.gap"
    )
