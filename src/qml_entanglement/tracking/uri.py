"""Tracking URIs: their syntax, their secrets, and whether the store behind one can be used.

Nothing here imports MLflow: the checks run before any client exists, so a wrong URI costs a
second and one line instead of minutes of MLflow's retries and a traceback.

* :func:`uri_problem`: what is wrong with a URI's *form* (a config mistake, exit 2), and
  :func:`redact`: the same text with every URI password replaced by ``***`` (user and host
  stay), for everything that is logged, printed or stored (both from
  :mod:`qml_entanglement.config.uris`: the config checks the form before any run);
* :func:`preflight`: whether the store can be reached and written (an environment problem,
  :class:`StoreUnavailable`, exit 3), decided within ``timeout`` seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from ..config.uris import DEFAULT_PORTS, SCHEMES, redact, scheme_of, uri_problem

__all__ = ["SCHEMES", "StoreUnavailable", "preflight", "redact", "redact_file", "uri_problem"]


def redact_file(path: Path) -> None:
    """Rewrite the file at *path*, if there is one, without URI passwords (files Hydra writes,
    such as a sweep's ``multirun.yaml``)."""
    if path.is_file():
        text = path.read_text()
        if redact(text) != text:
            path.write_text(redact(text))


def redact_logging() -> None:
    """Remove URI passwords from every log record this process makes from now on.

    Installed as a log-record factory, so it survives the logging reconfiguration Hydra's
    launchers do before printing each job's overrides (``tracking.uri`` included).
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class StoreUnavailable(ConnectionError):
    """The tracking store cannot be reached or written; the message says which and why."""


def _sqlite_problem(path: Path) -> str | None:
    if path.is_dir():
        return f"{path} is a directory, not a database file"
    folder = path.parent if str(path.parent) else Path(".")
    if not path.exists():
        existing = next((p for p in [folder, *folder.parents] if p.exists()), Path("/"))
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"cannot create {path}: {existing} is not writable"
        return None  # the store (and any missing folders) will be created
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(folder, os.W_OK | os.X_OK):
        return f"{path} (or its folder) is read-only"
    return None


def _reachable(host: str, port: int, timeout: float) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{host}:{port} does not answer ({exc.strerror or exc})"


def preflight(uri: str, timeout: float = 3.0) -> None:
    """Raise :class:`StoreUnavailable` (one line, password redacted) if the store behind *uri*
    cannot be used: a sqlite path that is a directory or read-only, a server or database host
    that does not answer within *timeout* seconds."""
    scheme, shown = scheme_of(uri), redact(uri)
    problem = None
    if scheme == "sqlite":
        problem = _sqlite_problem(Path(uri[len("sqlite:///") :]))
    elif scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as reply:
                reason = None if reply.status == 200 else f"HTTP {reply.status} from /health"
        except (urllib.error.URLError, OSError) as exc:
            reason = str(getattr(exc, "reason", exc))
        if reason:
            raise StoreUnavailable(
                f"tracking server {shown} does not answer ({redact(reason)}): start it with "
                "`make server`, or point tracking.uri / MLFLOW_TRACKING_URI at a running one"
            )
    elif scheme in DEFAULT_PORTS:
        parts = urlsplit(uri)
        problem = _reachable(parts.hostname or "", parts.port or DEFAULT_PORTS[scheme], timeout)
    if problem:
        raise StoreUnavailable(f"tracking store {shown}: {problem}")
