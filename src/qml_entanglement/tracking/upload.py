"""Upload what a run kept locally when its tracking store failed mid-run.

    python -m qml_entanglement.tracking.upload mlruns/unsent/<run id> [--uri URI]

A run whose store stops answering (server gone, database down) stops training, keeps its
unstored metric values (``metrics.csv``), its artifacts (``history.csv``, plots, ...) and a note
(``run.json``) in ``mlruns/unsent/<run id>/``, and says so in one line. Once the store is back,
this stores the values (MLflow ignores values already stored), logs the artifacts, closes the
run with the status it ended with (``failure_reason=store_unavailable``), and removes the
folder. The store is ``--uri``, else ``$MLFLOW_TRACKING_URI``, else the one in the note (which
holds no password).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from pathlib import Path

from .uri import StoreUnavailable, redact


def upload(folder: Path, uri: str | None = None) -> str:
    """Store *folder*'s metrics and artifacts in its run; return a one-line summary."""
    from mlflow.entities import Metric

    from .store import ensure_store
    from .writer import BATCH_METRICS

    note = json.loads((folder / "run.json").read_text())
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or note["tracking_uri"]
    if ":***@" in uri:
        raise StoreUnavailable(
            f"the note holds {uri} without its password: pass --uri or set MLFLOW_TRACKING_URI"
        )
    client = ensure_store(uri)
    run_id = note["run_id"]
    with open(folder / "metrics.csv", newline="") as handle:
        rows = [
            Metric(r["key"], float(r["value"]), int(r["timestamp"]), int(r["step"]))
            for r in csv.DictReader(handle)
        ]
    for start in range(0, len(rows), BATCH_METRICS):
        client.log_batch(run_id, metrics=rows[start : start + BATCH_METRICS])
    artifacts = folder / "artifacts"
    if artifacts.is_dir():
        client.log_artifacts(run_id, str(artifacts))
    client.set_tag(run_id, "failure_reason", note.get("failure_reason", "store_unavailable"))
    client.set_terminated(run_id, note.get("status", "FAILED"))
    shutil.rmtree(folder)
    return f"run {run_id}: {len(rows)} metric values and its artifacts stored in {redact(uri)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="mlruns/unsent/<run id>")
    parser.add_argument("--uri", help="tracking URI (default: $MLFLOW_TRACKING_URI or the note's)")
    args = parser.parse_args(argv)
    if not (args.folder / "run.json").is_file():
        print(f"upload: {args.folder} has no run.json: not a folder of unsent metrics")
        return 2
    try:
        print(upload(args.folder, args.uri))
    except ConnectionError as error:
        print(f"upload: {error}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
