"""Links into the MLflow UI that open its training view.

MLflow 3.x opens an experiment in its GenAI mode (a Traces overview, runs filed under
"Evaluation runs", no metric columns) unless told otherwise; the experiment tag
``mlflow.experimentKind`` alone does not change that (3.17: a workflow selector remembered in
the browser wins), the query ``?workflowType=machine_learning`` after the hash route does. Every
link this project prints is built here, with that query, and the port of the UI the user runs
(``make ui PORT=...`` exports it as ``QML_UI_PORT``; a tracking server's own address otherwise).
"""

from __future__ import annotations

import os

from .uri import redact

WORKFLOW_QUERY = "workflowType=machine_learning"
EXPERIMENT_KIND_TAG = ("mlflow.experimentKind", "custom_model_development")
PORT_VARIABLE = "QML_UI_PORT"


def ui_base(tracking_uri: str) -> str:
    """The UI's address: a tracking server serves it itself; a local store is served by
    ``make ui`` on 127.0.0.1 and ``$QML_UI_PORT`` (5000)."""
    if tracking_uri.startswith(("http://", "https://")):
        return redact(tracking_uri.rstrip("/"))
    return f"http://127.0.0.1:{os.environ.get(PORT_VARIABLE) or 5000}"


def experiment_link(tracking_uri: str, experiment_id: str) -> str:
    """The experiment's runs table, in the training view."""
    return f"{ui_base(tracking_uri)}/#/experiments/{experiment_id}?{WORKFLOW_QUERY}"


def run_link(tracking_uri: str, experiment_id: str, run_id: str) -> str:
    """One run's page (its metrics, params and artifacts), in the training view."""
    return f"{ui_base(tracking_uri)}/#/experiments/{experiment_id}/runs/{run_id}?{WORKFLOW_QUERY}"


def view_hint(tracking_uri: str) -> str:
    """What to do before opening a link: start ``make ui`` for a local store."""
    server = tracking_uri.startswith(("http://", "https://"))
    return "open" if server else "make ui, then open"
