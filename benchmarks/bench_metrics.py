"""Benchmark: vectorised entanglement metrics against a per-state qiskit.quantum_info loop.

For batches of Haar-random statevectors at several register sizes, times
``meyer_wallach(states)`` + ``entanglement_entropy(states)`` (two calls, as a training loop
that does not use ``single_qubit_measures`` would make them) and the same two numbers computed
state by state with ``qiskit.quantum_info`` (one ``partial_trace`` per qubit, shared by the
purity and the entropy).  The qiskit loop is timed on a subsample and scaled linearly to the
full batch; each row says so.  Peak memory is the largest extra allocation seen by
``tracemalloc`` (NumPy reports its buffers to it) during our two calls, on top of the input.

Run standalone (``python benchmarks/bench_metrics.py [--quick]``) to print a table, or call
:func:`run` to get the rows as dicts.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
import tracemalloc

import numpy as np
from qiskit.quantum_info import Statevector, entropy, partial_trace

from qml_entanglement.metrics import entanglement_entropy, meyer_wallach

FULL_SIZES = [(2, 10_000), (4, 10_000), (8, 10_000), (12, 10_000)]
QUICK_SIZES = [(2, 1_000), (4, 1_000), (8, 1_000)]
MEMORY_SIZE = (16, 10_000)  # full run only: ~10.5 GB of complex128 input


def haar_states(n_qubits: int, n_states: int, seed: int = 0) -> np.ndarray:
    """Normalised complex Gaussian vectors, generated in chunks into one complex128 array."""
    rng = np.random.default_rng(seed)
    dim = 2**n_qubits
    states = np.empty((n_states, dim), dtype=np.complex128)
    step = max(1, 2**22 // dim)
    for start in range(0, n_states, step):
        block = states[start : start + step]
        block.real = rng.standard_normal(block.shape)
        block.imag = rng.standard_normal(block.shape)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return states


def qiskit_loop(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Meyer-Wallach and mean single-qubit entropy, one state at a time, with qiskit."""
    n = int(np.log2(states.shape[1]))
    mw, ee = np.empty(len(states)), np.empty(len(states))
    for i, psi in enumerate(states):
        sv = Statevector(psi)
        purities, entropies = [], []
        for k in range(n):
            rho = partial_trace(sv, [q for q in range(n) if q != k])
            purities.append(rho.purity().real)
            entropies.append(entropy(rho, base=2))
        mw[i] = 2 * (1 - np.mean(purities))
        ee[i] = np.mean(entropies)
    return mw, ee


def _ours(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return meyer_wallach(states), entanglement_entropy(states)


def _timed(func, *args) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (CPU time is robust to other load)."""
    wall, cpu = time.perf_counter(), time.process_time()
    func(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def _time_ours(states: np.ndarray, repeats: int) -> tuple[float, float]:
    _ours(states[:2])  # warm up imports and caches
    runs = [_timed(_ours, states) for _ in range(repeats)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def _peak_extra_mb(states: np.ndarray) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        _ours(states)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _qiskit_subsample(n_qubits: int, quick: bool) -> int:
    if quick:
        return 50
    return {2: 2000, 4: 1000, 8: 300}.get(n_qubits, 100)


def bench_row(n_qubits: int, n_states: int, quick: bool, with_qiskit: bool = True) -> dict:
    states = haar_states(n_qubits, n_states, seed=n_qubits)
    input_mb = states.nbytes / 2**20
    if with_qiskit:
        ours_s, ours_cpu = _time_ours(states, repeats=3 if n_qubits <= 8 else 1)
        peak_mb = _peak_extra_mb(states)
        m = min(n_states, _qiskit_subsample(n_qubits, quick))
        qiskit_loop(states[:2])  # warm up
        loop_wall, loop_cpu = _timed(qiskit_loop, states[:m])
        qiskit_s, qiskit_cpu = loop_wall * n_states / m, loop_cpu * n_states / m
        mw, ee = _ours(states[:m])
        ref_mw, ref_ee = qiskit_loop(states[:m])
        error = max(np.abs(mw - ref_mw).max(), np.abs(ee - ref_ee).max())
        ratio = qiskit_s / ours_s
        note = (
            f"qiskit loop timed on {m} states and scaled x{n_states / m:g}; CPU-time ratio "
            f"{qiskit_cpu / ours_cpu:.0f} (ours {ours_cpu:.3g} s); max |ours - qiskit| = "
            f"{error:.1e}; input {input_mb:.1f} MiB"
        )
    else:
        # Memory row: time and trace in one run (our code makes few, large allocations).
        gc.collect()
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            ours_s, ours_cpu = _timed(_ours, states)
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
        qiskit_s = ratio = None
        max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
        note = (
            f"memory check, no qiskit loop; CPU {ours_cpu:.1f} s; input "
            f"{input_mb / 1024:.2f} GiB, extra peak during the metrics {peak_mb:.1f} MiB, "
            f"process max RSS {max_rss_mb / 1024:.2f} GiB (includes generating the states)"
        )
    del states
    gc.collect()
    return {
        "benchmark": "metrics",
        "n_qubits": n_qubits,
        "n_states": n_states,
        "ours_s": ours_s,
        "qiskit_loop_s": qiskit_s,
        "ratio": ratio,
        "peak_mem_mb": peak_mb,
        "note": note,
    }


def run(quick: bool = False) -> list[dict]:
    """Benchmark rows; ``quick`` uses 1,000 states at n = 2, 4, 8 and skips the n = 16 row."""
    rows = [bench_row(n, size, quick) for n, size in (QUICK_SIZES if quick else FULL_SIZES)]
    if not quick:
        rows.append(bench_row(*MEMORY_SIZE, quick=False, with_qiskit=False))
    return rows


def format_table(rows: list[dict]) -> str:
    def fmt(value, spec):
        width = int(spec.split(".")[0])
        return f"{'-':>{width}}" if value is None else format(value, spec)

    lines = [
        f"{'n':>3} {'states':>7} {'ours [s]':>10} {'qiskit [s]':>11} {'ratio':>8} "
        f"{'peak [MiB]':>11}  note"
    ]
    for r in rows:
        lines.append(
            f"{r['n_qubits']:>3} {r['n_states']:>7} {fmt(r['ours_s'], '10.4f')} "
            f"{fmt(r['qiskit_loop_s'], '11.2f')} {fmt(r['ratio'], '8.0f')} "
            f"{fmt(r['peak_mem_mb'], '11.1f')}  {r['note']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, no n = 16 row")
    args = parser.parse_args(argv)
    print(format_table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
