"""Links into the MLflow UI that open its training view.

MLflow 3.x opens an experiment in its GenAI mode (a Traces overview, runs filed under
"Evaluation runs", no metric columns) unless told otherwise; the experiment tag
``mlflow.experimentKind`` alone does not change that (3.17: a workflow selector remembered in
the browser wins), the query ``?workflowType=machine_learning`` after the hash route does. Every
link this project prints is built here, with that query, and the port of the UI the user runs
(``make ui PORT=...`` exports it as ``QML_UI_PORT``; a tracking server's own address otherwise).

The runs table shows no metric column until one is ticked under "Columns". MLflow's shared
views choose them: the UI's "Share" button stores the table's state as the experiment tag
``mlflow.sharedViewState.<key>`` (JSON: search facets and UI state such as ``selectedColumns``,
a metric column named ``metrics.`<name>```), and the runs page opens it from the query
``viewStateShareKey=<key>`` (MLflow 3.17's ``useSharedExperimentViewState``; it takes effect on
the route ``#/experiments/<id>/runs``, not on ``#/experiments/<id>``). Every experiment the
project creates or ``make ui`` serves carries one such view, :data:`VIEW_KEY`, with the main
metrics as columns, and every experiment link opens it (MLflow then says "You're viewing a
shared view"; "Override saved view" keeps it as the browser's own).
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from ..project_root import default_store_uri, project_root
from .uri import redact

WORKFLOW_QUERY = "workflowType=machine_learning"
EXPERIMENT_KIND_TAG = ("mlflow.experimentKind", "custom_model_development")
VIEW_KEY = "qml-metric-columns"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"
# the metrics every run of ours logs (attribute columns such as "attributes.`Dataset`" in the
# list made MLflow 3.17 ignore the whole view: tried in headless Chromium)
TABLE_METRICS = (
    "loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "meyer_wallach",
    "von_neumann_entropy",
    "half_cut_entropy",
)
PORT_VARIABLE = "QML_UI_PORT"


def ui_base(tracking_uri: str) -> str:
    """The UI's address: a tracking server serves it itself; a local store is served by
    ``make ui`` on 127.0.0.1 and ``$QML_UI_PORT`` (5000)."""
    if tracking_uri.startswith(("http://", "https://")):
        return redact(tracking_uri.rstrip("/"))
    return f"http://127.0.0.1:{os.environ.get(PORT_VARIABLE) or 5000}"


def view_state() -> str:
    """The shared view's JSON: the runs table with :data:`TABLE_METRICS` as columns (search
    facets and the rest of the UI state keep MLflow's defaults, which it merges in)."""
    return json.dumps({"selectedColumns": [f"metrics.`{name}`" for name in TABLE_METRICS]})


def experiment_link(tracking_uri: str, experiment_id: str) -> str:
    """The experiment's runs table, in the training view, with the metric columns shown."""
    query = f"viewStateShareKey={VIEW_KEY}&{WORKFLOW_QUERY}"  # in this order (tried: the
    # other order opens the training view without the shared view)
    return f"{ui_base(tracking_uri)}/#/experiments/{experiment_id}/runs?{query}"


def run_link(tracking_uri: str, experiment_id: str, run_id: str) -> str:
    """One run's page (its metrics, params and artifacts), in the training view."""
    return f"{ui_base(tracking_uri)}/#/experiments/{experiment_id}/runs/{run_id}?{WORKFLOW_QUERY}"


def ui_command(tracking_uri: str) -> str:
    """The ``make ui`` that serves the store at *tracking_uri*: plain for the project's own
    store, with ``STORE_URI=<absolute uri>`` for any other (the path as the store has it, so
    the command works from any folder), ``-C <root>`` outside the project's folder, and
    ``PORT=`` when ``$QML_UI_PORT`` is not 5000. Passwords are shown as ``***``."""
    parts = ["make"]
    root = project_root()
    if Path.cwd().resolve() != root:
        parts += ["-C", shlex.quote(str(root))]
    parts.append("ui")
    if not _is_default_store(tracking_uri):
        parts.append(shlex.quote(f"STORE_URI={redact(_absolute(tracking_uri))}"))
    port = os.environ.get(PORT_VARIABLE)
    if port and port != "5000":
        parts.append(f"PORT={port}")
    return " ".join(parts)


def _absolute(tracking_uri: str) -> str:
    if tracking_uri.startswith("sqlite:///"):
        return f"sqlite:///{Path(tracking_uri[len('sqlite:///') :]).resolve()}"
    return tracking_uri


def _is_default_store(tracking_uri: str) -> bool:
    return _absolute(tracking_uri) == _absolute(default_store_uri())


def view_hint(tracking_uri: str) -> str:
    """What to do before opening a link: ``open`` for a tracking server (it serves the UI
    itself), else start the ``make ui`` that serves this store (:func:`ui_command`)."""
    server = tracking_uri.startswith(("http://", "https://"))
    return "open" if server else f"{ui_command(tracking_uri)}, then open"
