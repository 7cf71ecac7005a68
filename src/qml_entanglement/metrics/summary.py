"""Entanglement summary of a batch of states: what a run logs per epoch as evidence.

Pure states ``(B, 2**n)``: Meyer-Wallach (Brennen's form) and the mean single-qubit von Neumann
entropy in bits, both from one pass over the single-qubit reduced states, averaged over the batch
with their spread (``*_std``); for ``n >= 2`` also the half-cut entropy (qubits ``[0, n//2)``
against the rest, bits) and the two quantities relative to their Haar-random means, so runs with
different ``n`` are comparable: ``half_cut_page_fraction`` = S / Page(n) (Page, PRL 71, 1291
(1993)) and ``meyer_wallach_haar_fraction`` = Q (2^n + 1) / (2^n - 2) (Scott, PRA 69, 052330
(2004)). Density matrices ``(B, 2**n, 2**n)`` (noisy simulation): the
negativity and logarithmic negativity across the half cut (qubits ``[0, n//2)`` vs the rest),
which remain entanglement measures for mixed states, and the purity as the measure of mixedness.
"""

from __future__ import annotations

import functools

import numpy as np

from .entanglement import measures_from_purities, single_qubit_measures
from .entropy import bipartite_entropy
from .haar import meyer_wallach_haar_mean, page_half_cut
from .mixed import log_negativity, negativity, purity

PURE_STATE_METRICS = ("meyer_wallach", "von_neumann_entropy")
MIXED_STATE_METRICS = ("negativity", "log_negativity")


def _mean_and_std(name: str, values: np.ndarray) -> dict[str, float]:
    """Mean and population standard deviation ``sqrt(mean((v - mean)**2))`` (``ddof = 0``,
    as ``np.std``) in three array operations: it runs every epoch on small batches, where
    ``np.std``'s own bookkeeping costs more than the arithmetic."""
    values = np.ravel(values)
    mean = np.add.reduce(values) / values.size
    spread = values - mean
    return {name: float(mean), f"{name}_std": float(np.sqrt(np.dot(spread, spread) / values.size))}


def entanglement_summary(
    states: np.ndarray,
    half_cut: bool = True,
    half_cut_subset: np.ndarray | None = None,
    purities: np.ndarray | None = None,
) -> dict[str, float]:
    """Batch-mean entanglement metrics (and their standard deviations) of ``states``.

    ``half_cut=False`` leaves out the half-cut entropy and the Haar fractions;
    ``half_cut_subset`` (indices into ``states``) limits the half-cut entropy, the one metric
    that needs an eigendecomposition per state, to those states (all when None); ``purities``
    (``(B, n)``, :math:`\\operatorname{tr}\\rho_k^2` of each state's qubits, e.g. from the
    engine's forward pass) spare the pass over the single-qubit reduced states. The two
    fractions are the batch means divided by their Haar values (their spread is the base
    metric's, scaled, so it is not logged twice).
    """
    if states.ndim == 3:
        n = int(np.log2(states.shape[-1]))
        cut = list(range(max(n // 2, 1)))
        out = _mean_and_std("negativity", negativity(states, cut))
        out.update(_mean_and_std("log_negativity", log_negativity(states, cut)))
        out.update(_mean_and_std("purity", purity(states)))
        return out
    measures = (
        single_qubit_measures(states) if purities is None else measures_from_purities(purities)
    )
    out = _mean_and_std("meyer_wallach", measures.meyer_wallach)
    out.update(_mean_and_std("von_neumann_entropy", measures.entanglement_entropy))
    n = int(np.log2(states.shape[-1]))
    if half_cut and n >= 2:
        page, haar_q = _haar_means(n)
        out["meyer_wallach_haar_fraction"] = out["meyer_wallach"] / haar_q
        if n < 4:  # the half cut is qubit 0 alone: its entropy is already at hand
            entropy = measures.entropies[..., 0]
            if half_cut_subset is not None:
                entropy = entropy[half_cut_subset]
        else:
            subset = states if half_cut_subset is None else states[half_cut_subset]
            entropy = np.atleast_1d(bipartite_entropy(subset))
        out.update(_mean_and_std("half_cut_entropy", entropy))
        out["half_cut_page_fraction"] = out["half_cut_entropy"] / page
    return out


@functools.cache
def _haar_means(n: int) -> tuple[float, float]:
    """Page's half-cut entropy (bits) and the Meyer-Wallach mean of Haar states, n qubits."""
    return float(page_half_cut(n)), float(meyer_wallach_haar_mean(n))
