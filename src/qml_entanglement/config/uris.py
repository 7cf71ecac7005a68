"""The form of a tracking URI (a config value): which schemes, and how a password is hidden.

:func:`uri_problem` says what is wrong with a URI's *form* (a config mistake, exit 2) and
:func:`redact` gives text with every URI password replaced by ``***`` (user and host stay), for
everything that is logged, printed or stored. Whether the store behind a URI can be used is
:mod:`qml_entanglement.tracking.uri`'s business.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

SCHEMES = ("sqlite", "http", "https", "postgresql", "mysql", "mssql", "file", "databricks")
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}
# scheme://user:password@ -- also with ":" escaped as Hydra prints overrides ("\:"), and that
# escape escaped again in JSON ("\\:")
_SECRET = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*\\*://[^:/@\s'\"\\]+\\*:)[^@\s'\"]+(?=@)")


def redact(text: str) -> str:
    r"""*text* with the password of every ``scheme://user:password@host`` replaced by ``***``.

    >>> redact("postgresql://me:s3cret@db:5432/mlflow and http://h:5000")
    'postgresql://me:***@db:5432/mlflow and http://h:5000'
    >>> print(redact(r"tracking.uri=postgresql\://me\:s3cret@db\:5432/mlflow"))  # Hydra's escaping
    tracking.uri=postgresql\://me\:***@db\:5432/mlflow
    """
    return _SECRET.sub(r"\g<head>***", text)


def scheme_of(uri: str) -> str:
    """The scheme of *uri* in lower case, without its driver (``postgresql+psycopg2``)."""
    return uri.split("://", 1)[0].split("+", 1)[0].lower() if "://" in uri else ""


def uri_problem(uri: str) -> str | None:
    """Why *uri* cannot be a tracking URI, or None.

    >>> uri_problem("sqlite:///mlruns/mlflow.db") is None
    True
    >>> uri_problem("not-a-uri")
    "'not-a-uri' has no scheme; use sqlite:///path/to/mlflow.db, http(s)://host:port, or postgresql://user@host/db"
    """
    scheme = scheme_of(uri)
    hint = "use sqlite:///path/to/mlflow.db, http(s)://host:port, or postgresql://user@host/db"
    if not scheme:
        return f"{redact(uri)!r} has no scheme; {hint}"
    if scheme not in SCHEMES:
        return f"{redact(uri)!r} has scheme {scheme!r}, not one of {', '.join(SCHEMES)}; {hint}"
    if scheme == "file" and os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() != "true":
        return (
            f"{redact(uri)!r}: MLflow 3 refuses its file store (maintenance mode); use "
            "sqlite:///path/to/mlflow.db (`mlflow migrate-filestore` converts an existing one)"
        )
    if scheme == "sqlite" and not uri.startswith("sqlite:///"):
        return f"{uri!r} must start with sqlite:/// (three slashes, then the file's path)"
    if scheme in ("http", "https", *DEFAULT_PORTS) and not urlsplit(uri).hostname:
        return f"{redact(uri)!r} names no host"
    return None
