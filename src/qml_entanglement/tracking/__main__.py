"""Create the tracking store and an experiment once, up front.

python -m qml_entanglement.tracking [--uri URI] [--experiment NAME]
"""

from __future__ import annotations

import argparse

from .store import ensure_experiment, ensure_store, resolve_tracking_uri


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--uri",
        default=None,
        help="tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlruns/mlflow.db)",
    )
    parser.add_argument("--experiment", default="qml-entanglement")
    args = parser.parse_args()
    uri = resolve_tracking_uri(args.uri)
    client = ensure_store(uri)
    experiment_id = ensure_experiment(client, uri, args.experiment)
    print(f"tracking store ready: {uri} (experiment '{args.experiment}', id {experiment_id})")


if __name__ == "__main__":
    main()
