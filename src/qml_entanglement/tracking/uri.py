"""Tracking URIs: their syntax, their secrets, and whether the store behind one can be used.

Nothing here imports MLflow: the checks run before any client exists, so a wrong URI costs a
second and one line instead of minutes of MLflow's retries and a traceback.

* :func:`uri_problem`: what is wrong with a URI's *form* (a config mistake, exit 2), and
  :func:`redact`: the same text with every URI password replaced by ``***`` (user and host
  stay), for everything that is logged, printed or stored (both from
  :mod:`qml_entanglement.config.uris`: the config checks the form before any run);
* :func:`credentials_to_environment`: an http(s) URI's ``user:password@`` moved to where
  MLflow's REST client reads them;
* :func:`preflight`: whether the store can be reached and written (an environment problem,
  :class:`StoreUnavailable`, exit 3), decided within ``timeout`` seconds.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from ..config.uris import DEFAULT_PORTS, SCHEMES, redact, scheme_of, uri_problem

__all__ = ["SCHEMES", "StoreUnavailable", "preflight", "redact", "redact_file", "uri_problem"]
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database file
USER_VARIABLE, PASSWORD_VARIABLE = "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"


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


def error_summary(error: BaseException) -> str:
    r"""One line (at most 500 characters, passwords redacted) saying why a store call failed:
    SQLAlchemy puts its boilerplate first, so its driver's ``(module.Error) what`` line is
    preferred; else the error's first line; the last cause of a chain of retries (requests'
    ``Max retries exceeded ... Connection refused``) is shortened to that cause.

    >>> error_summary(OSError("(sqlite3.DatabaseError) file is not a database\n[SQL: x]"))
    'OSError: (sqlite3.DatabaseError) file is not a database'
    """
    lines = [x.strip() for x in str(error).strip().splitlines() if x.strip()]
    cause = next((x for x in lines if x.startswith("(") and "Error)" in x), None)
    text = cause or (lines[0] if lines else "")
    refused = re.search(r"\[Errno -?\d+\] [^'\")]+", text)
    if "Max retries exceeded" in text and refused:
        text = refused.group(0)
    return redact(f"{type(error).__name__}: {text}")[:500]


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
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:  # (an empty file is a new database to sqlite)
        return (
            f"{path} is not an SQLite database (it does not start with 'SQLite format 3'): "
            "corrupted or another kind of file; it was left as it is"
        )
    return None


def credentials_to_environment(uri: str) -> str:
    """*uri* without the ``user:password@`` of an http(s) URI, which go where MLflow expects
    them: ``MLFLOW_TRACKING_USERNAME`` and ``MLFLOW_TRACKING_PASSWORD`` (read by MLflow's REST
    client at every request and sent as HTTP basic auth; inherited by the processes this one
    starts). Percent-escapes (``%40`` for ``@``) are decoded. Other URIs are returned unchanged:
    database URIs keep their credentials, where SQLAlchemy reads them.

    >>> import os
    >>> credentials_to_environment("http://ann:p%40ss@127.0.0.1:5000/")
    'http://127.0.0.1:5000/'
    >>> os.environ["MLFLOW_TRACKING_USERNAME"], os.environ.pop("MLFLOW_TRACKING_PASSWORD")
    ('ann', 'p@ss')
    """
    parts = urlsplit(uri)
    if scheme_of(uri) not in ("http", "https") or "@" not in parts.netloc:
        return uri
    user_info, host = parts.netloc.rsplit("@", 1)
    user, _, password = user_info.partition(":")
    os.environ[USER_VARIABLE] = unquote(user)
    if password:
        os.environ[PASSWORD_VARIABLE] = unquote(password)
    return urlunsplit(parts._replace(netloc=host))


def tracking_credentials() -> dict[str, str]:
    """MLflow's tracking credentials in this process's environment (for a child process)."""
    return {k: os.environ[k] for k in (USER_VARIABLE, PASSWORD_VARIABLE) if k in os.environ}


def _health(uri: str, timeout: float) -> str | None:
    """Why the tracking server at *uri* does not answer ``/health``, or None (with MLflow's
    basic-auth credentials, if any, as its REST client would send them)."""
    request = urllib.request.Request(f"{uri.rstrip('/')}/health")
    credentials = tracking_credentials()
    if USER_VARIABLE in credentials:
        token = f"{credentials[USER_VARIABLE]}:{credentials.get(PASSWORD_VARIABLE, '')}"
        request.add_header("Authorization", f"Basic {base64.b64encode(token.encode()).decode()}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return None if reply.status == 200 else f"HTTP {reply.status} from /health"
    except (urllib.error.URLError, OSError) as exc:
        return str(getattr(exc, "reason", exc))


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
        if reason := _health(uri, timeout):
            raise StoreUnavailable(
                f"tracking server {shown} does not answer ({redact(reason)}): start it with "
                "`make server`, or point tracking.uri / MLFLOW_TRACKING_URI at a running one"
            )
    elif scheme in DEFAULT_PORTS:
        parts = urlsplit(uri)
        problem = _reachable(parts.hostname or "", parts.port or DEFAULT_PORTS[scheme], timeout)
    if problem:
        raise StoreUnavailable(f"tracking store {shown}: {problem}")
