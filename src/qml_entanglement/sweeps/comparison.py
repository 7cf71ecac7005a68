"""Run the comparison stage on one sweep: ``python -m qml_entanglement.sweeps.comparison DIR``.

Reads ``DIR/sweep.json`` (written by the sweep callback) and runs the project's
``pipelines/compare.py`` (found from this package, whatever the working directory) on the
sweep's finished runs, in the sweep's own tracking store, into ``reports/sweep-<id>/``, grouped
as the sweep's config says (``sweep.group_by``); the sweep's parent run gets a link to the
comparison's run (tag ``comparison_report`` and its description). Extra arguments are passed
on to the comparison as Hydra overrides.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from ..tracking.uri import redact
from .outcomes import compare_filter

COMPARE = Path(__file__).resolve().parents[3] / "pipelines" / "compare.py"


def compare_command(record: dict, extra: list[str] | None = None) -> list[str]:
    """The ``pipelines/compare.py`` command line for the sweep described by ``record``."""
    sweep_id = record["sweep_id"]
    group_by = record.get("group_by")
    return [
        sys.executable,
        str(COMPARE),
        f"experiments=[{record['experiment']}]",
        f'filter="{compare_filter(sweep_id)}"',
        f"name=sweep-{sweep_id}",
        f"tracking.uri='{record['tracking_uri']}'",
        *([f"group_by=[{','.join(group_by)}]"] if group_by else []),
        *([f"mlflow.link_run={record['parent_run_id']}"] if record.get("parent_run_id") else []),
        *(extra or []),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="the sweep's hydra.sweep.dir")
    parser.add_argument("overrides", nargs="*", help="extra overrides for pipelines/compare.py")
    args = parser.parse_args(argv)
    record_path = args.sweep_dir / "sweep.json"
    if not record_path.exists():
        print(f"compare: {record_path} not found (did the sweep start?): nothing to compare")
        return 1
    record = json.loads(record_path.read_text())
    done = record.get("counts", {})
    if done and not (done.get("finished", 0) + done.get("skipped", 0)):
        print(f"compare: sweep {record['sweep_id']} has no finished run: nothing to compare")
        return 1
    if ":***@" in record["tracking_uri"]:  # stored without its password
        secret = os.environ.get("MLFLOW_TRACKING_URI", "")
        if ":***@" in secret or not secret:
            print(
                "compare: the sweep's store URI has a password, which is never stored; set "
                "MLFLOW_TRACKING_URI (or use PGPASSWORD / ~/.pgpass and a URI without one)"
            )
            return 2
        record = {**record, "tracking_uri": secret}
    command = compare_command(record, args.overrides)
    print("compare:", redact(" ".join(command[1:])), flush=True)
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
