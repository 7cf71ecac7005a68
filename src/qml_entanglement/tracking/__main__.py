"""Create the tracking store and an experiment once, up front.

python -m qml_entanglement.tracking [--uri URI] [--experiment NAME] [--links]

``--links`` also prints, per experiment, the link that opens its runs in the UI's training view
(``make ui`` prints them before the UI starts).
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
    parser.add_argument("--links", action="store_true", help="print each experiment's UI link")
    args = parser.parse_args()
    uri = resolve_tracking_uri(args.uri)
    client = ensure_store(uri)
    experiment_id = ensure_experiment(client, uri, args.experiment)
    print(f"tracking store ready: {uri} (experiment '{args.experiment}', id {experiment_id})")
    if args.links:
        from .ui_links import experiment_link

        print("each experiment's runs (training view):")
        for experiment in client.search_experiments():
            print(f"  {experiment.name}: {experiment_link(uri, experiment.experiment_id)}")


if __name__ == "__main__":
    main()
