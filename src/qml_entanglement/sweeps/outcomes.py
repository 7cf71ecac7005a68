"""What became of each job of a sweep: one small JSON record per job, and their summary.

Every job writes ``outcome.json`` into its own Hydra job directory (``<sweep dir>/<job num>/``),
whichever process or machine ran it; the sweep callback reads them back when the sweep ends.
That works for every launcher that shares the sweep directory (joblib, submitit), needs no
return channel from the launcher, and survives a job that dies before Hydra hears from it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..tracking.uri import redact

FINISHED, SKIPPED, FAILED = "FINISHED", "SKIPPED", "FAILED"
OUTCOME_FILE = "outcome.json"


@dataclass
class JobOutcome:
    """One job: its status, its MLflow run (the existing one when skipped) and its costs.

    ``process_age`` is how long the worker process had been alive when the job started:
    for a worker's first job it is the worker's start-up and import time.
    """

    status: str
    overrides: list[str]
    run_id: str | None = None
    run_name: str | None = None
    error: str | None = None
    loss: float | None = None
    seconds: float = 0.0
    started: float = 0.0
    pid: int = field(default_factory=os.getpid)
    process_age: float | None = None
    first_in_process: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, job_dir: str | Path) -> Path:
        path = Path(job_dir) / OUTCOME_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(redact(json.dumps(self.as_dict(), indent=1, default=str)))
        tmp.replace(path)  # atomic: a reader never sees half a record
        return path


def read_outcomes(sweep_dir: str | Path) -> list[JobOutcome]:
    """Every job record under ``sweep_dir``, in job order."""
    records = []
    for path in Path(sweep_dir).glob(f"*/{OUTCOME_FILE}"):
        try:
            data = json.loads(path.read_text())
            num = int(path.parent.name) if path.parent.name.isdigit() else 1 << 30
            records.append((num, path.parent.name, JobOutcome(**data)))
        except (OSError, ValueError, TypeError):
            continue  # a record from an older layout or a torn write: not ours to count
    return [outcome for *_, outcome in sorted(records, key=lambda r: (r[0], r[1]))]


def clear_outcomes(sweep_dir: str | Path) -> None:
    """Remove records left by an earlier sweep into the same directory."""
    for path in Path(sweep_dir).glob(f"*/{OUTCOME_FILE}"):
        path.unlink(missing_ok=True)


def count(outcomes: list[JobOutcome], expected: int | None = None) -> dict[str, int]:
    """``{"finished", "skipped", "failed", "missing", "total"}``; ``missing`` counts jobs that
    left no record (killed, or lost with their worker) when the number of jobs is known."""
    by_status = Counter(o.status for o in outcomes)
    counts = {
        "finished": by_status[FINISHED],
        "skipped": by_status[SKIPPED],
        "failed": by_status[FAILED],
        "missing": max(0, expected - len(outcomes)) if expected is not None else 0,
    }
    counts["total"] = expected if expected is not None else len(outcomes)
    return counts


def format_summary(
    sweep_id: str,
    counts: dict[str, int],
    outcomes: list[JobOutcome],
    *,
    wall_seconds: float,
    parent_run_id: str | None,
    tracking_uri: str,
    experiment_id: str | None = None,
) -> str:
    """The closing lines of a sweep: counts, each failed job with its error, where to look
    (once, for the whole sweep: the experiment's runs table in the UI's training view)."""
    lines = [
        f"sweep {sweep_id}: {counts['total']} jobs in {wall_seconds:.1f} s: "
        f"{counts['finished']} finished, {counts['skipped']} skipped (already finished), "
        f"{counts['failed']} failed"
        + (
            f", {counts['missing']} missing (no record: interrupted or killed)"
            if counts["missing"]
            else ""
        )
    ]
    for outcome in outcomes:
        if outcome.status == FAILED:
            lines.append(f"  FAILED {' '.join(outcome.overrides)}: {outcome.error}")
    lines.append(f"  parent run {parent_run_id} in {tracking_uri}")
    lines.append(f'  its runs: filter "{compare_filter(sweep_id)}"')
    if experiment_id is not None:
        from ..tracking.ui_links import experiment_link, view_hint

        link = experiment_link(tracking_uri, experiment_id)
        lines.append(f"  view it: {view_hint(tracking_uri)} {link}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def progress_line(outcome: JobOutcome, done: int, total: int | None, elapsed: float | None) -> str:
    """One console line per finished job: ``[k/N] <run name> FINISHED loss=... (t s), ETA``.

    ``done`` jobs have ended (this one included) of ``total`` (None: unknown) in ``elapsed``
    seconds since the sweep started; the ETA assumes the remaining jobs take as long on average
    (with parallel workers that is wall time per job, not a job's own time).
    """
    name = outcome.run_name or " ".join(outcome.overrides) or "job"
    line = f"[{done}/{total if total is not None else '?'}] {name} {outcome.status}"
    if outcome.status == FAILED:
        line += f": {outcome.error.splitlines()[0][:160] if outcome.error else ''}"
    elif outcome.status == SKIPPED:
        line += " (already finished)"
    elif outcome.loss is not None:
        line += f" loss={outcome.loss:.4f}"
    line += f" ({outcome.seconds:.1f} s)"
    if total is not None and elapsed is not None and 0 < done < total:
        line += f", ETA {_duration(elapsed / done * (total - done))}"
    return line


def compare_filter(sweep_id: str) -> str:
    """MLflow search filter for the finished runs of a sweep, including runs it skipped because
    an earlier sweep had already trained them (their ``sweeps`` tag lists every sweep)."""
    return f"tags.sweeps LIKE '%|{sweep_id}|%' and attributes.status = 'FINISHED'"
