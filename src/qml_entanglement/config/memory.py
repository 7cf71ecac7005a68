"""Memory a data set's *generation* needs, checked while validating, before anything runs.

qiskit-machine-learning's ``ad_hoc_data`` (0.9) works with dense ``2**n x 2**n`` matrices for
``n = dataset.num_features``; its largest allocations are (bytes; ``D = 2**n``):

* the n-qubit Hadamard matrix, built by repeated squaring in ``_n_hadamard``: the last squaring
  builds a float64 matrix of ``2**(2**b)`` rows, ``b`` the bit length of ``n``, even when it is
  not used: ``8 * 4**(2**b)`` (32 GiB from ``n = 8`` to ``15``; the cause of ``Unable to
  allocate 32.0 GiB`` at ``n = 30``, after 70 s of generation);
* per sampling pass of ``_loop_sampling`` (hypercube), three complex128 stacks of ``P``
  diagonal-unitary matrices (``uphi``, ``uphi @ h_n``, their product), ``P = 2 (training_size +
  test_size)`` samples: ``3 * 16 * P * D**2``;
* the random unitary, the labelling observable and their temporaries: about ``6 * 16 * D**2``.

The engine's own need (states of ``2**n`` amplitudes) is checked when the experiment is built
(:mod:`qml_entanglement.training.resources`); ``4**n`` dominates it.
"""

from __future__ import annotations

import psutil

GIB = 1024**3
SAMPLING_COPIES = 3  # uphi stacks alive at once per sampling pass (tracemalloc: 2.6-3.0)
DENSE_COPIES = 6  # D x D complex matrices besides them


def ad_hoc_bytes(num_features: int, samples_per_class: int) -> int:
    """Peak bytes of ``ad_hoc_data(n=num_features, ...)`` with ``training_size + test_size
    = samples_per_class`` (hypercube sampling; see the module docstring)."""
    dense = 4**num_features  # entries of one D x D matrix
    hadamard = 8 * 4 ** (2 ** num_features.bit_length()) + 8 * dense
    sampling = 16 * dense * (SAMPLING_COPIES * 2 * samples_per_class + DENSE_COPIES)
    return max(hadamard, sampling)


def shortfall(need: int) -> float | None:
    """The memory available now in bytes if *need* does not fit in 90 % of it, else None."""
    available = psutil.virtual_memory().available
    return None if need <= 0.9 * available else float(available)


def ad_hoc_problem(num_features: int, samples_per_class: int) -> str | None:
    """Why generating this ad hoc data set cannot fit in memory now, or None."""
    need = ad_hoc_bytes(num_features, samples_per_class)
    available = shortfall(need)
    if available is None:
        return None
    fitting = [
        n for n in range(1, num_features) if shortfall(ad_hoc_bytes(n, samples_per_class)) is None
    ]
    advice = f"use dataset.num_features <= {fitting[-1]}" if fitting else "use a smaller data set"
    return (
        f"dataset.num_features={num_features}: generating the ad hoc data needs about "
        f"{need / GIB:.3g} GiB (qiskit's generator holds dense 2^{num_features} x "
        f"2^{num_features} matrices) but {available / GIB:.1f} GiB is available; {advice}"
    )
