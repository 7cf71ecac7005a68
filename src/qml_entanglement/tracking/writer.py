"""A child process that writes metric batches to MLflow while the training process computes.

Why a process: on MLflow's sqlite store each metric value costs about 70 us of SQLAlchemy ORM
work, pure Python; a cheap epoch (workload S: 0.5 ms, 8-10 values) produces values about as fast
as one core can store them. A writer *thread* would only take turns with training on the GIL
(measured: no gain); a writer *process* runs on a spare core, so the store writes overlap
training and the per-run plots instead of following them.

One writer serves every run of its parent process. It is started early (``start_writer()``,
called first thing by ``pipelines/train.py``) because it pays MLflow's imports (about 2 s) in
the background; until it reports ready, :class:`~qml_entanglement.tracking.RunLogger` keeps
writing in process, so correctness never depends on it:

- every batch handed over stays *pending* in the parent until the writer confirms it; batches
  the writer could not write (store error) or never confirmed (writer died) go back to the
  caller of :meth:`MetricWriter.sync`, which writes them itself (MLflow ignores exact duplicates);
- the writer ignores SIGINT and SIGTERM (a Ctrl-C reaches the whole process group): the parent
  stops at an epoch boundary, syncs, and closes its run;
- if the parent dies without closing a run (SIGKILL, out of memory), the writer sees its pipe
  close, stores everything it has received, and marks the run FAILED with
  ``failure_reason=killed``, so no half-written run is left RUNNING.

Protocol (two OS pipes wrapped in :class:`multiprocessing.connection.Connection`, messages
are tuples):
parent -> writer ``("open", uri, run_id, credentials)``, ``("batch", seq, uri, run_id, rows)``
with rows ``(key, value, timestamp_ms, step)``, ``("close", run_id)``; writer -> parent
``("ready",)``, ``("done", seq, error_or_None)``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

Row = tuple[str, float, int, int]
BATCH_METRICS = 1000  # MLflow's limit per log_batch call
TAG_LIMIT = 5000
SEND_SECONDS = 2.0  # longest a hand-over may wait for a full pipe; then the writer is given up
STALL_SECONDS = 5.0  # closing a run gives up on a writer that confirms nothing for this long
SHUTDOWN_STALL_SECONDS = 3.0  # at exit, a writer using no CPU time for this long is killed
_DEFERRED = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, so that no message to or from the writer
    is ever cut in half (a second Ctrl-C arrives right after, not inside, the pipe write).

    Blocking the signals in this thread alone is not enough: a signal sent to the process is
    delivered to any thread that does not block it (a BLAS or numba worker), and CPython then
    runs the Python handler in the main thread all the same. So in the main thread the handlers
    are also swapped for one that only records the signal; the recorded signals are raised again,
    in order, once the block ends and the previous handlers are back (unless the block set
    handlers of its own, which then stay and receive them).
    """
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    received: list[int] = []

    def record(number: int, _frame) -> None:
        received.append(number)

    previous_handlers = {}
    if threading.current_thread() is threading.main_thread():
        for signum in sorted(_DEFERRED):
            previous_handlers[signum] = signal.getsignal(signum)
            signal.signal(signum, record)
    try:
        yield
    finally:
        # the mask first: a signal still pending then reaches ``record``, which never raises;
        # restored the other way round, a signal taken by another thread and handled between
        # the two (a late KeyboardInterrupt) left this thread blocking both signals for good
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        _restore_handlers(previous_handlers, record)
        for signum in received:
            signal.raise_signal(signum)


def _restore_handlers(previous: dict, record: Callable) -> None:
    """Put back the handlers ``signals_deferred`` replaced by ``record`` (a handler set inside
    the block stays), every one even if a signal handled between two of them raises."""
    if not previous:
        return
    (signum, handler), *rest = previous.items()
    try:
        if signal.getsignal(signum) is record:
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
    finally:
        _restore_handlers(dict(rest), record)


def _frame(message: tuple) -> bytes:
    """``message`` as :class:`multiprocessing.connection.Connection` frames it (the writer
    reads it with ``Connection.recv``)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) > 0x7FFFFFFF:
        return struct.pack("!i", -1) + struct.pack("!Q", len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


@dataclass
class _Batch:
    uri: str
    run_id: str
    rows: list[Row]
    error: str | None = None


@dataclass
class MetricWriter:
    """Parent-side handle of the writer process (see the module docstring)."""

    process: subprocess.Popen
    sender: Connection
    receiver: Connection
    is_ready: bool = False
    broken: bool = False
    _seq: int = 0
    _pending: dict[int, _Batch] = field(default_factory=dict)
    _failed: dict[int, _Batch] = field(default_factory=dict)
    _outbox: bytearray = field(default_factory=bytearray)  # bytes of messages not yet written

    @classmethod
    def start(cls) -> MetricWriter:
        """Start ``python -m qml_entanglement.tracking.writer`` (a fresh interpreter, unlike a
        forked child it inherits no locks or open database connections, and unlike
        multiprocessing's spawn it does not re-run the caller's main script)."""
        to_child_read, to_child_write = os.pipe()
        to_parent_read, to_parent_write = os.pipe()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                __name__,
                str(to_child_read),
                str(to_parent_write),
                str(os.getpid()),
            ],
            stdin=subprocess.DEVNULL,
            pass_fds=(to_child_read, to_parent_write),
            process_group=0,  # a terminal's Ctrl-C is for the parent, which closes the runs
        )
        os.close(to_child_read)
        os.close(to_parent_write)
        os.set_blocking(to_child_write, False)  # sends have a deadline (SEND_SECONDS)
        writer = cls(
            process,
            Connection(to_child_write, readable=False),
            Connection(to_parent_read, writable=False),
        )
        atexit.register(writer.shutdown)
        return writer

    # ------------------------------------------------------------------------------ parent
    def ready(self) -> bool:
        """True once the writer has imported MLflow and nothing has gone wrong with it."""
        if not self.is_ready and not self.broken:
            self._receive(timeout=0.0)
        return self.is_ready and not self.broken

    def open(self, uri: str, run_id: str) -> bool:
        """Announce ``run_id``; MLflow's tracking credentials travel along (the writer may have
        started before this process took them from the URI)."""
        from .uri import tracking_credentials

        return self._send(("open", uri, run_id, tracking_credentials()))

    def submit(self, uri: str, run_id: str, rows: list[Row]) -> bool:
        """Hand ``rows`` over; False (and nothing kept) when the writer cannot take them (not
        ready, gone, or its pipe still full after ``SEND_SECONDS``: then it is killed, since a
        stopped writer may hold the store's write lock, and the caller stores the rows itself
        and goes on; :meth:`sync` returns what the writer never confirmed)."""
        if not rows or not self.ready():
            return False
        with signals_deferred():
            self._seq += 1
            if not self._send(("batch", self._seq, uri, run_id, rows)):
                self._give_up()  # stalled (it may hold the store's lock) or gone
                return False
            self._pending[self._seq] = _Batch(uri, run_id, rows)  # confirmed or rewritten
        self._receive(timeout=0.0)  # collect confirmations so far
        return True

    def sync(self, run_id: str, stall: float = STALL_SECONDS) -> tuple[list[Row], str | None]:
        """Wait until every batch of ``run_id`` is stored; return the rows the writer could not
        store (for the caller to write) and the writer's error, if any. A writer that neither
        confirms a batch nor uses CPU time for ``stall`` seconds (stopped, hung) is killed (it
        may hold the store's write lock) and every batch it has not confirmed comes back to the
        caller; a writer that is only slow (a loaded machine, a store being created) is
        waited for."""
        last_progress, waiting = time.monotonic(), len(self._owned(self._pending, run_id))
        cpu = _cpu_seconds(self.process.pid)
        while waiting and not self.broken:
            if time.monotonic() - last_progress > stall:
                self._give_up()
                break
            if self._outbox:
                self._flush_outbox(0.5)
            self._receive(timeout=0.0 if self._outbox else 0.5)
            now_waiting, now_cpu = len(self._owned(self._pending, run_id)), None
            if now_waiting == waiting:
                now_cpu = _cpu_seconds(self.process.pid)
            if now_waiting < waiting or (now_cpu is not None and now_cpu > cpu):
                last_progress, waiting = time.monotonic(), now_waiting
                cpu = cpu if now_cpu is None else now_cpu
        leftover: list[Row] = []
        error = None
        for seq in self._owned(self._failed, run_id):
            batch = self._failed.pop(seq)
            leftover.extend(batch.rows)
            error = batch.error
        if self.broken:  # unconfirmed batches may or may not be stored: write them again
            for seq in self._owned(self._pending, run_id):
                leftover.extend(self._pending.pop(seq).rows)
            error = error or "the metric writer process stopped"
        return leftover, error

    def take_failed(self, run_id: str) -> list[Row]:
        """The rows of ``run_id``'s batches the writer reported it could not store, so far."""
        return [
            row for seq in self._owned(self._failed, run_id) for row in self._failed.pop(seq).rows
        ]

    def close(self, run_id: str) -> None:
        self._send(("close", run_id))

    def shutdown(self, timeout: float = 60.0, stall: float = SHUTDOWN_STALL_SECONDS) -> None:
        """Close the pipe (the writer stores what it has and exits) and wait for it: at most
        ``timeout`` seconds, and only while it makes progress. A writer that uses no CPU time
        for ``stall`` seconds (stopped, hung) is killed: every run was closed before, so the
        rows it never confirmed went back to their run at :meth:`sync`."""
        if self._outbox and not self.broken:
            self._flush_outbox(min(timeout, SEND_SECONDS))
        self.broken = True
        with contextlib.suppress(OSError):
            self.sender.close()
            self.receiver.close()
        if self._outbox:  # a message cut short would never be read: do not wait for it
            timeout = 0.0
        if not _wait_while_busy(self.process, timeout, stall):
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def _give_up(self) -> None:
        """Stop using a writer that does not answer; kill it so it cannot store late, and wait
        until it is gone (a stopped writer may hold the store's write lock until then)."""
        self.broken = True
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    @staticmethod
    def _owned(batches: dict[int, _Batch], run_id: str) -> list[int]:
        return [seq for seq, batch in batches.items() if batch.run_id == run_id]

    def _send(self, message: tuple) -> bool:
        """Queue ``message`` and write as much as the pipe takes within ``SEND_SECONDS``.

        False if it was not queued (writer gone, or earlier bytes still waiting: the writer is
        stalled). Once queued, a message is always written whole: its remaining bytes go out
        before any later message, at the next send or while syncing.
        """
        if self.broken:
            return False
        with signals_deferred():
            if self._outbox and not self._flush_outbox(SEND_SECONDS):
                return False
            self._outbox += _frame(message)
            self._flush_outbox(SEND_SECONDS)
        return not self.broken

    def _flush_outbox(self, seconds: float) -> bool:
        """Write queued bytes for at most ``seconds``; True when none are left."""
        fd = self.sender.fileno()
        deadline = time.monotonic() + seconds
        with signals_deferred():
            while self._outbox and not self.broken:
                try:
                    written = os.write(fd, self._outbox[:65536])
                    del self._outbox[:written]
                    continue
                except BlockingIOError:
                    pass
                except OSError:  # the writer is gone
                    self.broken = True
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                select.select([], [fd], [], left)
        return not self._outbox

    def _receive(self, timeout: float) -> None:
        with signals_deferred():
            self._receive_messages(timeout)

    def _receive_messages(self, timeout: float) -> None:
        try:
            while self.receiver.poll(timeout):
                timeout = 0.0
                message = self.receiver.recv()
                if message[0] == "ready":
                    self.is_ready = True
                elif message[0] == "done":
                    _, seq, error = message
                    batch = self._pending.pop(seq, None)
                    if error is not None and batch is not None:
                        batch.error = error
                        self._failed[seq] = batch
        except (EOFError, OSError):
            self.broken = True
        if not self.broken and self.process.poll() is not None:
            self.broken = True


def _wait_while_busy(process: subprocess.Popen, timeout: float, stall: float) -> bool:
    """Wait up to ``timeout`` s for ``process`` to end, giving up early once it has used no
    CPU time for ``stall`` s (a stopped or hung process); True if it ended."""
    deadline = time.monotonic() + timeout
    last_cpu, last_change = -1.0, time.monotonic()
    while True:
        try:
            process.wait(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
            return True
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        cpu = _cpu_seconds(process.pid, default=last_cpu)
        if cpu != last_cpu:
            last_cpu, last_change = cpu, now
        if now >= deadline or now - last_change >= stall:
            return process.poll() is not None


def _cpu_seconds(pid: int, default: float = -1.0) -> float:
    """User + system CPU seconds process *pid* has used so far (*default* if it is gone)."""
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return default
    return times.user + times.system


_WRITER: MetricWriter | None = None


def start_writer() -> MetricWriter:
    """This process's writer, started on first call (cheap to call again)."""
    global _WRITER
    if _WRITER is None or _WRITER.broken:
        _WRITER = MetricWriter.start()
    return _WRITER


WRITER_MODES = ("auto", "process", "inline")


def wants_writer(mode: str, in_sweep: bool) -> bool:
    """Whether runs should use the writer process: ``process`` always, ``inline`` never,
    ``auto`` for a single run on a machine with a spare core (a sweep's workers already keep
    every core busy, so there a writer would only add a process per worker)."""
    if mode == "auto":
        return not in_sweep and (os.cpu_count() or 1) > 1
    return mode == "process"


# ------------------------------------------------------------------------------------- child
def serve(receiver: Connection, sender: Connection, parent_pid: int) -> None:
    """The writer process: store batches in arrival order until the parent's end closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    import logging

    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)  # the parent reports
    clients: dict[str, MlflowClient] = {}
    open_runs: dict[str, str] = {}

    def client(uri: str) -> MlflowClient:
        if uri not in clients:
            clients[uri] = MlflowClient(tracking_uri=uri)
        return clients[uri]

    def store(batches: list[tuple]) -> None:
        """Store queued batches, one ``log_batch`` per run and 1000 values; confirm each."""
        runs: dict[tuple[str, str], list[tuple]] = {}
        for batch in batches:
            runs.setdefault((batch[2], batch[3]), []).append(batch)
        for (uri, run_id), group in runs.items():
            error = None
            try:
                metrics = [Metric(*row) for batch in group for row in batch[4]]
                for i in range(0, len(metrics), BATCH_METRICS):
                    client(uri).log_batch(run_id, metrics=metrics[i : i + BATCH_METRICS])
            except Exception as exc:  # reported to the parent, which writes the rows itself
                error = f"{type(exc).__name__}: {exc}"[:TAG_LIMIT]
            for batch in group:
                with contextlib.suppress(OSError):  # the parent is gone: keep storing
                    sender.send(("done", batch[1], error))

    if not _said_ready(sender):  # the parent is gone already (it stopped on an error)
        return
    parent_alive = True
    while parent_alive:
        queued: list[tuple] = []
        try:  # everything that has arrived: while one write runs, the next batches queue up
            while not queued or receiver.poll(0):
                message = receiver.recv()
                if message[0] == "open":
                    open_runs[message[2]] = message[1]
                    os.environ.update(message[3])
                    with contextlib.suppress(Exception):  # connect now, not at the first batch
                        client(message[1])
                elif message[0] == "close":
                    open_runs.pop(message[1], None)
                elif message[0] == "batch":
                    queued.append(message)
                if len(queued) >= 200:
                    break
        except (EOFError, OSError):
            parent_alive = False
        store(queued)
    if os.getppid() != parent_pid:  # else the parent lives: it gave up on us, closes its runs
        _fail_orphans(client, open_runs, parent_pid)


def _said_ready(sender: Connection) -> bool:
    """Tell the parent the writer is up; False when the parent is gone (nothing to store)."""
    try:
        sender.send(("ready",))
    except OSError:
        return False
    return True


def _fail_orphans(client, open_runs: dict[str, str], parent_pid: int) -> None:
    """Mark FAILED (``failure_reason=killed``) the runs a dead parent left open."""
    for run_id, uri in open_runs.items():
        try:
            client(uri).set_tag(run_id, "failure_reason", "killed")
            client(uri).set_tag(
                run_id, "error", f"training process {parent_pid} ended without closing the run"
            )
            client(uri).set_terminated(run_id, "FAILED")
        except Exception:  # best effort: nothing left to report to
            pass


if __name__ == "__main__":
    read_fd, write_fd, parent = (int(arg) for arg in sys.argv[1:4])
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False), parent)
