"""Create the tracking store and an experiment once, up front.

python -m qml_entanglement.tracking [--uri URI] [--experiment NAME] [--links] [--serve PORT]

``--links`` also prints, per experiment, the link that opens its runs in the UI's training view;
``--serve PORT`` then runs MLflow's UI on the store (:mod:`.ui_server`) until Ctrl-C, which it
answers with one line (``make ui`` does both). MLflow's empty ``Default`` experiment is deleted
(the UI lists the project's experiments only).
"""

from __future__ import annotations

import argparse
import sys

from .store import (
    add_table_view,
    ensure_experiment,
    ensure_store,
    hide_default_experiment,
    resolve_tracking_uri,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--uri",
        default=None,
        help="tracking URI (default: $MLFLOW_TRACKING_URI or <project root>/mlruns/mlflow.db)",
    )
    parser.add_argument("--experiment", default="qml-entanglement")
    parser.add_argument("--links", action="store_true", help="print each experiment's UI link")
    parser.add_argument("--serve", type=int, metavar="PORT", help="then run the UI on PORT")
    parser.add_argument("--host", default="127.0.0.1", help="the UI's address (with --serve)")
    args = parser.parse_args()
    uri = resolve_tracking_uri(args.uri)
    client = ensure_store(uri)
    hide_default_experiment(client)
    experiment_id = ensure_experiment(client, uri, args.experiment)
    print(f"tracking store ready: {uri} (experiment '{args.experiment}', id {experiment_id})")
    if args.links:
        from .ui_links import experiment_link

        print("each experiment's runs (training view):")
        for experiment in client.search_experiments():
            add_table_view(client, experiment)
            print(f"  {experiment.name}: {experiment_link(uri, experiment.experiment_id)}")
    if args.serve is not None:
        from .ui_server import serve

        sys.stdout.flush()
        sys.exit(serve(uri, args.host, args.serve))


if __name__ == "__main__":
    main()
