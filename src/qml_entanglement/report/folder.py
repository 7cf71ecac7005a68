"""Where a report is written: a folder of its own per build, and its name pointing at the latest.

A report is never overwritten: each build writes ``<output_dir>/<name>-<YYYYmmdd-HHMMSS>/``
(staged in a hidden sibling, then renamed into place, so a reader never sees half a report),
and ``<output_dir>/<name>`` becomes a relative symlink to it (``reports/default/report.html``
is always the latest; ``ls reports/`` lists every earlier one). A real folder found at
``<output_dir>/<name>`` (a report written before this scheme) is kept, renamed with its own
modification time, before the link takes its place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path

STAMP = "%Y%m%d-%H%M%S"


def _free(base: Path, moment: datetime) -> Path:
    """``<base>-<stamp>``, with ``-2``, ``-3``... when a build of the same second exists."""
    first = base.with_name(f"{base.name}-{moment.strftime(STAMP)}")
    candidate, index = first, 1
    while candidate.exists() or candidate.is_symlink():
        index += 1
        candidate = first.with_name(f"{first.name}-{index}")
    return candidate


def _point(link: Path, target: Path) -> None:
    """Make *link* a relative symlink to *target*, atomically (a rename over the old link)."""
    if link.exists() and not link.is_symlink():  # a report from before: kept under its time
        kept = _free(link, datetime.fromtimestamp(link.stat().st_mtime))
        link.rename(kept)
    temporary = link.with_name(f".{link.name}.link-{os.getpid()}")
    with suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(target.name)
    temporary.replace(link)


def write_report_folder(pointer: Path, fill: Callable[[Path], None]) -> Path:
    """Write a new report folder beside *pointer* with ``fill(folder)``, point *pointer* at it
    and return the folder; on any error nothing is left behind (the pointer is unchanged)."""
    pointer.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{pointer.name}.", dir=pointer.parent))
    try:
        fill(staging)
        folder = _free(pointer, datetime.now())
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point(pointer, folder)
    return folder
