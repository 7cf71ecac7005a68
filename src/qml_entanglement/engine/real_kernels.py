"""Compiled (numba) kernels for a lowered real block (:mod:`.lowering`): one parallel call for
the forward pass of a batch, one for its exact adjoint gradient.

Layout. A chunk of ``b`` samples is copied from the encodings ``(B, 2**n)`` (complex, read
as float64 pairs) into a working buffer of ``2**n`` rows of ``v = 2 b`` reals: row ``i``
holds ``(Re psi_s[i], Im psi_s[i])`` of every sample ``s`` of the chunk. A step on qubit
``q`` pairs the flat indices ``j`` and ``j + S`` with ``S = 2**q v`` inside blocks of ``2 S``,
so the innermost loop runs over ``v`` contiguous numbers whatever the qubit. A group of
one-qubit gates on up to six distinct qubits (:mod:`.lowering`) is applied tile by tile: the
``2**k`` rows whose indices differ only in the group's qubits are one tile, and every gate of
the group passes over it, in order, while it is in L1, so a layer of ``n`` rotations costs
``n / 6`` passes over the state rather than ``n`` (EfficientSU2's RY and RZ layers together
as many). The chunk width is chosen so that three buffers fit
in a core's L2 cache, with at least 4 samples (:func:`~.real_block.chunk_width`); the chunks
run in parallel (``prange``) and each writes only its own rows of the outputs.

Gradient (adjoint method, Jones & Gacon 2020, arXiv:2009.02823, in real arithmetic). With
``p_i = Re(psi_i)**2 + Im(psi_i)**2`` and ``g_i = dL/dp_i = sum_c R[i, c] D[c]`` (``R`` the
readout, ``D = dL/dP_class``), ``dL/dtheta = 2 sum_v <lam_v| d psi_v / dtheta>`` over the real
vectors ``v`` (real and imaginary parts) with ``lam_v = g * psi_v``. For the rotation
``R(k a)`` on qubit ``q``, ``d R(k a)/da = k J R(k a)`` with ``J = [[0, -1], [1, 0]]``, so

``dL/da = 2 k sum_v sum_pairs (mu_1 a_0 - mu_0 a_1)``

where ``(a_0, a_1)`` are the state's and ``(mu_0, mu_1)`` the adjoint state's amplitudes of the
pair just after the gate. For a phase ``diag(exp(-i a k_0), exp(-i a k_1))`` on qubit ``q``
(generator ``K = diag(k_0, k_1)``; ``rz``: ``k = (1/2, -1/2)``, ``p``: ``(0, -1)``), which
couples the real and imaginary parts, the complex form of the same rule is ``dL/da = 2 Re
<mu| -i K |psi> = 2 Im <mu| K |psi> = 2 (k_0 S_0 + k_1 S_1)`` with ``S_b = sum Im(conj(mu_i)
psi_i) = sum (Re mu_i Im psi_i - Im mu_i Re psi_i)`` over the indices ``i`` whose bit ``q``
is ``b``. Since ``mu = g psi`` at the output with ``g`` real and both states are carried back
by the same unitary, ``S_0 + S_1 = Im <mu|psi> = Im sum_i g_i |psi_i|**2 = 0`` at every step,
so

``dL/da = 2 k (S_0 - S_1)`` with ``k = (k_0 - k_1) / 2``

(``k = 1/2`` for both ``rz`` and ``p``): the same ``2 k x sum`` as a rotation, the kernel's
sum being ``S_0 - S_1``. One backward pass per step computes that sum and un-computes both
states (``R(-k a)``, a permutation's inverse, a fixed matrix's transpose) in the same loop.

Cost per gate and real amplitude: 3 flops forward, 7 backward (overlap 2, two
un-computations 6 ... shared loads); see ``benchmarks/bench_peer.py`` for the bound.
"""

from __future__ import annotations

import types

import numpy as np
from numba import njit, prange

GROUP, PERMUTATION = 0, 1
FLAGS = {"cache": True, "fastmath": True, "error_model": "numpy"}


TILE_BYTES = 1 << 18  # a tile is worked on while it stays in L2
GROUP_SIZE = 6  # qubits per tile in the purities' pass (the lowering's GROUP_QUBITS)


@njit(inline="always", **FLAGS)
def _tile_layout(n, k, qubits, width):
    """How a group's tiles lie: ``run``, the number of consecutive rows moved together (the
    qubits below the group's lowest one, as many as a tile of ``TILE_BYTES`` allows); the
    row offsets of a tile's ``2**k`` runs (the group's qubit bits, ascending when the group
    is the contiguous qubits ``lowest .. lowest + k - 1``); the qubits that number the tiles."""
    lowest = n
    for j in range(k):
        lowest = min(lowest, qubits[j])
    low = 0
    while low < lowest and (1 << (k + low + 1)) * width * 8 <= TILE_BYTES:
        low += 1
    offsets = np.zeros(1 << k, dtype=np.int64)
    for m in range(1 << k):
        for j in range(k):
            if (m >> j) & 1:
                offsets[m] += 1 << qubits[j]
    free = np.empty(n - k - low, dtype=np.int64)
    t = 0
    for q in range(low, n):
        inside = False
        for j in range(k):
            inside = inside or qubits[j] == q
        if not inside:
            free[t] = q
            t += 1
    return 1 << low, offsets, free


@njit(inline="always", **FLAGS)
def _tile_base(index, free):
    """The ``index``-th tile's first row: ``index``'s bits deposited onto the ``free`` qubits."""
    base = 0
    for t in range(free.shape[0]):
        base |= ((index >> t) & 1) << free[t]
    return base


@njit(inline="always", **FLAGS)
def _pair_start(base, offsets, m, j, width):
    """Flat start of the ``m``-th pair's low run for gate ``j`` of a tile: ``m`` with a zero
    bit inserted at position ``j``."""
    low = m & ((1 << j) - 1)
    return (base + offsets[((m >> j) << (j + 1)) | low]) * width


@njit(inline="always", **FLAGS)
def _lowest_qubits(k, qubits):
    """The group is the qubits ``0 .. k - 1``: its tile is ``2**k`` consecutive rows."""
    highest = 0
    for j in range(k):
        highest = max(highest, qubits[j])
    return highest < k


@njit(inline="always", **FLAGS)
def _pairs(lowest, k, run, qubit, width):
    """Pair runs of a gate in a tile and the reals each moves: in a tile of consecutive rows
    the gate on qubit ``q`` pairs ``2**(k - 1 - q)`` runs of ``2**q`` rows, else ``2**(k -
    1)`` runs of ``run`` rows."""
    if lowest:
        return 1 << (k - 1 - qubit), (1 << qubit) * width
    return 1 << (k - 1), run * width


@njit(inline="always", **FLAGS)
def _run_start(lowest, base, offsets, m, j, qubit, width):
    if lowest:
        return (base + (m << (qubit + 1))) * width
    return _pair_start(base, offsets, m, j, width)


@njit(inline="always", **FLAGS)
def _tile_rows(base, offsets, run):
    """The rows of a tile, run by run."""
    rows = np.empty(offsets.shape[0] * run, dtype=np.int64)
    for m in range(offsets.shape[0]):
        for r in range(run):
            rows[m * run + r] = base + offsets[m] + r
    return rows


@njit(inline="always", **FLAGS)
def _move_rows(src, dst, rows, perm, sign, width, gather):
    """For the tile's ``rows``: ``dst[row] = sign[row] * src[perm[row]]`` (``gather``) or
    ``dst[perm[row]] = sign[row] * src[row]`` (the inverse, a scatter)."""
    for row in rows:
        factor = sign[row]
        source = (perm[row] if gather else row) * width
        target = (row if gather else perm[row]) * width
        for c in range(width):
            dst[target + c] = factor * src[source + c]


@njit(inline="always", **FLAGS)
def _phase_forward(v, span, c, s):
    """``v[0:span]`` as ``span / 2`` complex numbers ``(Re, Im)`` times ``c + i s``."""
    for r in range(0, span, 2):
        re = v[r]
        im = v[r + 1]
        v[r] = c * re - s * im
        v[r + 1] = s * re + c * im


@njit(inline="always", **FLAGS)
def _phase_backward(v, mu, span, c, s):
    """``sum Im(conj(mu) v)`` over the ``span / 2`` complex numbers of ``v`` and ``mu``, then
    both times ``c - i s`` (the phase ``c + i s`` un-applied)."""
    total = 0.0
    for r in range(0, span, 2):
        re = v[r]
        im = v[r + 1]
        mre = mu[r]
        mim = mu[r + 1]
        total += mre * im - mim * re
        v[r] = c * re + s * im
        v[r + 1] = c * im - s * re
        mu[r] = c * mre + s * mim
        mu[r + 1] = c * mim - s * mre
    return total


@njit(inline="always", **FLAGS)
def _gate_forward(x, lowest, base, offsets, k, run, j, qubit, width, mat, phase):
    """One gate of a group on one tile: slot ``j`` (the tile's bit of ``qubit``), the matrix
    ``mat`` on each pair of runs, or for a phase the low run times ``m00 + i m01`` and the
    high one times ``m10 + i m11``; each run is ``span`` contiguous reals."""
    m00, m01, m10, m11 = mat[0], mat[1], mat[2], mat[3]
    stride = (1 << qubit) * width
    pairs, span = _pairs(lowest, k, run, qubit, width)
    if phase:
        for m in range(pairs):
            start = _run_start(lowest, base, offsets, m, j, qubit, width)
            _phase_forward(x[start : start + span], span, m00, m01)
            _phase_forward(x[start + stride : start + stride + span], span, m10, m11)
        return
    for m in range(pairs):
        start = _run_start(lowest, base, offsets, m, j, qubit, width)
        lo = x[start : start + span]
        hi = x[start + stride : start + stride + span]
        for c in range(span):
            a0 = lo[c]
            a1 = hi[c]
            lo[c] = m00 * a0 + m01 * a1
            hi[c] = m10 * a0 + m11 * a1


@njit(inline="always", **FLAGS)
def _gate_backward(x, mu, lowest, base, offsets, k, run, j, qubit, width, mat, phase):
    """:func:`_gate_forward` un-applied on both states; returns ``sum (mu_1 a_0 - mu_0 a_1)``
    (a phase: ``sum_0 Im(conj(mu) a) - sum_1 Im(conj(mu) a)`` over the low / high runs) of
    the tile before un-applying."""
    m00, m01, m10, m11 = mat[0], mat[1], mat[2], mat[3]
    stride = (1 << qubit) * width
    pairs, span = _pairs(lowest, k, run, qubit, width)
    total = 0.0
    if phase:
        for m in range(pairs):
            lo = _run_start(lowest, base, offsets, m, j, qubit, width)
            hi = lo + stride
            total += _phase_backward(x[lo : lo + span], mu[lo : lo + span], span, m00, m01)
            total -= _phase_backward(x[hi : hi + span], mu[hi : hi + span], span, m10, m11)
        return total
    for m in range(pairs):
        start = _run_start(lowest, base, offsets, m, j, qubit, width)
        lo = x[start : start + span]
        hi = x[start + stride : start + stride + span]
        mlo = mu[start : start + span]
        mhi = mu[start + stride : start + stride + span]
        for c in range(span):
            a0 = lo[c]
            a1 = hi[c]
            b0 = mlo[c]
            b1 = mhi[c]
            total += b1 * a0 - b0 * a1
            lo[c] = m00 * a0 + m10 * a1
            hi[c] = m01 * a0 + m11 * a1
            mlo[c] = m00 * b0 + m10 * b1
            mhi[c] = m01 * b0 + m11 * b1
    return total


@njit(inline="always", **FLAGS)
def _group_forward(x, width, n, k, qubits, gates, slot, mats, phase, src, perm, sign):
    """Apply the group's ``gates`` gates in order to ``x`` tile by tile (gate ``i``:
    ``mats[i]`` on ``qubits[slot[i]]``, a phase where ``phase[i]``; ``k`` distinct qubits);
    each pair moves ``run * width`` contiguous reals. With a permutation (``perm`` not empty)
    each tile is first gathered from ``src``: the permutation before the group costs no pass
    of its own."""
    run, offsets, free = _tile_layout(n, k, qubits, width)
    lowest = _lowest_qubits(k, qubits)
    for index in range(1 << free.shape[0]):
        base = _tile_base(index, free)
        if perm.shape[0]:
            _move_rows(src, x, _tile_rows(base, offsets, run), perm, sign, width, True)
        for i in range(gates):
            j = slot[i]
            _gate_forward(x, lowest, base, offsets, k, run, j, qubits[j], width, mats[i], phase[i])


@njit(inline="always", **FLAGS)
def _group_backward(
    x, mu, width, n, k, qubits, gates, slot, mats, phase, angle, totals, x_to, mu_to, perm, sign
):
    """Un-apply the group on both states tile by tile, last gate first; ``totals[i] +=`` the
    sum of :func:`_gate_backward` for each rotation or phase ``i`` (``angle[i] >= 0``). With
    a permutation (``perm`` not empty; the one before the group) each finished tile is then
    un-permuted into ``x_to`` and ``mu_to``."""
    run, offsets, free = _tile_layout(n, k, qubits, width)
    lowest = _lowest_qubits(k, qubits)
    for index in range(1 << free.shape[0]):
        base = _tile_base(index, free)
        for i in range(gates - 1, -1, -1):
            j = slot[i]
            total = _gate_backward(
                x, mu, lowest, base, offsets, k, run, j, qubits[j], width, mats[i], phase[i]
            )
            if angle[i] >= 0:
                totals[i] += total
        if perm.shape[0]:
            rows = _tile_rows(base, offsets, run)
            _move_rows(x, x_to, rows, perm, sign, width, False)
            _move_rows(mu, mu_to, rows, perm, sign, width, False)


@njit(inline="always", **FLAGS)
def _gather(src, dst, perm, sign, width):
    """``dst[i] = sign[i] * src[perm[i]]`` row by row (rows of ``width`` reals)."""
    for i in range(perm.shape[0]):
        source = perm[i] * width
        target = i * width
        factor = sign[i]
        for c in range(width):
            dst[target + c] = factor * src[source + c]


@njit(inline="always", **FLAGS)
def _scatter(src, dst, perm, sign, width):
    """The inverse of :func:`_gather`: ``dst[perm[i]] = sign[i] * src[i]``."""
    for i in range(perm.shape[0]):
        source = i * width
        target = perm[i] * width
        factor = sign[i]
        for c in range(width):
            dst[target + c] = factor * src[source + c]


@njit(inline="always", **FLAGS)
def _load(states, start, count, buffer, width, size):
    """Chunk rows ``start .. start + count`` of ``states`` ``(B, 2 * 2**n)`` into ``buffer``."""
    for i in range(size):  # the buffer written in order, ``count`` rows read in order
        for s in range(count):
            buffer[i * width + 2 * s] = states[start + s, 2 * i]
            buffer[i * width + 2 * s + 1] = states[start + s, 2 * i + 1]


@njit(inline="always", **FLAGS)
def _store(buffer, states, start, count, width, size):
    """The inverse of :func:`_load`."""
    for i in range(size):
        for s in range(count):
            states[start + s, 2 * i] = buffer[i * width + 2 * s]
            states[start + s, 2 * i + 1] = buffer[i * width + 2 * s + 1]


@njit(inline="always", **FLAGS)
def _matrices(angles, angle, scale, fixed, phase):
    """Every group gate's ``(m00, m01, m10, m11)``: ``R(k a)`` for rotations, ``(cos(a k_0),
    -sin(a k_0), cos(a k_1), -sin(a k_1))`` for phases (``fixed`` holds ``k_0, k_1``), else
    fixed."""
    mats = fixed.copy()
    for g in range(angle.shape[0]):
        for j in range(angle.shape[1]):
            if phase[g, j]:
                a = angles[angle[g, j]]
                c0, s0 = np.cos(a * fixed[g, j, 0]), -np.sin(a * fixed[g, j, 0])
                c1, s1 = np.cos(a * fixed[g, j, 1]), -np.sin(a * fixed[g, j, 1])
                mats[g, j, 0], mats[g, j, 1], mats[g, j, 2], mats[g, j, 3] = c0, s0, c1, s1
            elif angle[g, j] >= 0:
                a = scale[g, j] * angles[angle[g, j]]
                c, s = np.cos(a), np.sin(a)
                mats[g, j, 0], mats[g, j, 1], mats[g, j, 2], mats[g, j, 3] = c, -s, s, c
    return mats


@njit(inline="always", **FLAGS)
def _purities(x, width, count, n, purities, start):
    """Single-qubit purities ``Tr rho_q**2 = p00**2 + p11**2 + 2 |rho01|**2`` of every sample
    of the chunk (``p00 = sum |a_0|**2``, ``p11 = sum |a_1|**2``, ``rho01 = sum a_0
    conj(a_1)`` over the pairs of qubit ``q``), qubits taken six at a time tile by tile as
    the gates are, so the state is read ``n / 6`` times rather than ``n``."""
    acc = np.zeros((n, count, 4))
    for first in range(0, n, GROUP_SIZE):
        k = min(GROUP_SIZE, n - first)
        qubits = np.arange(first, first + k)
        run, offsets, free = _tile_layout(n, k, qubits, width)
        lowest = _lowest_qubits(k, qubits)
        for index in range(1 << free.shape[0]):
            base = _tile_base(index, free)
            for j in range(k):
                stride = (1 << qubits[j]) * width
                pairs, span = _pairs(lowest, k, run, qubits[j], width)
                for m in range(pairs):
                    lo = _run_start(lowest, base, offsets, m, j, qubits[j], width)
                    for s in range(count):  # sums in registers, one sample at a time
                        p0 = p1 = re = im = 0.0
                        for r in range(lo + 2 * s, lo + span, width):
                            r0, m0 = x[r], x[r + 1]
                            r1, m1 = x[r + stride], x[r + stride + 1]
                            p0 += r0 * r0 + m0 * m0
                            p1 += r1 * r1 + m1 * m1
                            re += r0 * r1 + m0 * m1
                            im += m0 * r1 - r0 * m1
                        acc[first + j, s, 0] += p0
                        acc[first + j, s, 1] += p1
                        acc[first + j, s, 2] += re
                        acc[first + j, s, 3] += im
    for q in range(n):
        for s in range(count):
            a = acc[q, s]
            purities[start + s, q] = a[0] ** 2 + a[1] ** 2 + 2.0 * (a[2] ** 2 + a[3] ** 2)


@njit(inline="always", **FLAGS)
def _forward_chunk(ci, encoded, n, chunk, steps, mats, readout, states, class_probs, purities):
    kind, table, size, qubit, gates, slot, _, _, _, phase, perms, signs = steps
    batch = encoded.shape[0]
    rows = 1 << n
    classes = readout.shape[1]
    start = ci * chunk
    count = min(chunk, batch - start)
    width = 2 * count
    x = np.empty(rows * width)
    tmp = np.empty(rows * width)
    _load(encoded, start, count, x, width, rows)
    none = perms[:0, 0]
    t = 0
    while t < kind.shape[0]:
        g = table[t]
        if kind[t] == GROUP:
            _group_forward(
                x, width, n, size[g], qubit[g], gates[g], slot[g], mats[g], phase[g], x, none,
                none.astype(np.float64),
            )  # fmt: skip
        elif t + 1 < kind.shape[0] and kind[t + 1] == GROUP:  # gathered tile by tile
            h = table[t + 1]
            _group_forward(
                tmp, width, n, size[h], qubit[h], gates[h], slot[h], mats[h], phase[h], x,
                perms[g], signs[g],
            )  # fmt: skip
            x, tmp = tmp, x
            t += 1
        else:
            _gather(x, tmp, perms[g], signs[g], width)
            x, tmp = tmp, x
        t += 1
    _store(x, states, start, count, width, rows)
    if purities.shape[0]:
        _purities(x, width, count, n, purities, start)
    for s in range(count):
        for c in range(classes):
            class_probs[start + s, c] = 0.0
    for i in range(rows):
        for s in range(count):
            p = x[i * width + 2 * s] ** 2 + x[i * width + 2 * s + 1] ** 2
            for c in range(classes):
                class_probs[start + s, c] += p * readout[i, c]


@njit(inline="always", **FLAGS)
def _backward_chunk(ci, states, n, chunk, steps, mats, readout, d_class, grads):
    kind, table, size, qubit, gates, slot, angle, _, _, phase, perms, signs = steps
    batch = states.shape[0]
    rows = 1 << n
    classes = readout.shape[1]
    start = ci * chunk
    count = min(chunk, batch - start)
    width = 2 * count
    length = rows * width
    x = np.empty(length)
    mu = np.empty(length)
    tmp = np.empty(length)
    mu_tmp = np.empty(length)
    _load(states, start, count, x, width, rows)
    for i in range(rows):
        for s in range(count):
            weight = 0.0
            for c in range(classes):
                weight += readout[i, c] * d_class[start + s, c]
            mu[i * width + 2 * s] = weight * x[i * width + 2 * s]
            mu[i * width + 2 * s + 1] = weight * x[i * width + 2 * s + 1]
    grads[ci] = 0.0
    none = perms[:0, 0]
    t = kind.shape[0] - 1
    while t >= 0:
        g = table[t]
        if kind[t] == GROUP:
            fused = t > 0 and kind[t - 1] == PERMUTATION
            p = table[t - 1] if fused else 0
            _group_backward(
                x, mu, width, n, size[g], qubit[g], gates[g], slot[g], mats[g], phase[g],
                angle[g], grads[ci, g], tmp, mu_tmp,
                perms[p] if fused else none, signs[p] if fused else none.astype(np.float64),
            )  # fmt: skip
            if fused:  # the permutation before the group was un-applied tile by tile
                x, tmp = tmp, x
                mu, mu_tmp = mu_tmp, mu
                t -= 1
        else:
            _scatter(x, tmp, perms[g], signs[g], width)
            x, tmp = tmp, x
            _scatter(mu, tmp, perms[g], signs[g], width)
            mu, tmp = tmp, mu
        t -= 1


def _forward(encoded, n, chunk, steps, angles, readout, states, class_probs, purities):
    """Output states (into ``states``, ``(B, 2 * 2**n)`` float64 view of complex), class
    probabilities ``class_probs[b, c] = sum_i |psi_b[i]|**2 readout[i, c]`` and, when
    ``purities`` has rows, every qubit's reduced purity ``(B, n)``; chunks in parallel.
    ``steps`` is the lowered block's ``(kind, table, size, qubit, gates, slot, angle, scale,
    fixed, phase, perms, signs)``."""
    mats = _matrices(angles, steps[6], steps[7], steps[8], steps[9])
    for ci in prange((encoded.shape[0] + chunk - 1) // chunk):
        _forward_chunk(ci, encoded, n, chunk, steps, mats, readout, states, class_probs, purities)


def _backward(states, n, chunk, steps, angles, readout, d_class, grads):
    """Per chunk, ``sum (mu_1 a_0 - mu_0 a_1)`` of every group rotation (``S_0 - S_1`` of
    every phase) into ``grads[chunk, g, j]`` from the output ``states`` and ``d_class =
    dL/dP_class`` ``(B, C)``; the caller scales by ``2 k`` and sums over chunks (see the
    module docstring); chunks in parallel."""
    mats = _matrices(angles, steps[6], steps[7], steps[8], steps[9])
    for ci in prange((states.shape[0] + chunk - 1) // chunk):
        _backward_chunk(ci, states, n, chunk, steps, mats, readout, d_class, grads)


def _compiled(body, parallel: bool):
    """``body`` compiled with ``parallel`` (``prange`` runs chunks on numba's threads) or
    without (``prange`` is ``range``: one chunk costs no thread launch). Each form is a
    function of its own name, so numba's on-disk cache (keyed by the function's qualified
    name and bytecode, not by its flags) keeps the two apart."""
    suffix = "" if parallel else "_serial"
    twin = types.FunctionType(body.__code__, body.__globals__, body.__name__ + suffix)
    twin.__qualname__ = body.__qualname__ + suffix
    twin.__doc__ = body.__doc__
    return njit(parallel=parallel, **FLAGS)(twin)


forward, forward_serial = _compiled(_forward, True), _compiled(_forward, False)
backward, backward_serial = _compiled(_backward, True), _compiled(_backward, False)
