"""The default store is the project's (``<root>/mlruns/mlflow.db``) from any folder; a new sqlite
store is announced; every other store's hint is the exact ``make ui STORE_URI=...``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qml_entanglement.project_root import ROOT_VARIABLE, project_root
from qml_entanglement.tracking import ensure_store, resolve_tracking_uri, ui_links
from tests.conftest import ROOT


def test_the_default_store_is_the_projects_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv(ROOT_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)  # a folder outside the project
    assert project_root() == ROOT  # the editable install's folder, found by its marker
    assert resolve_tracking_uri() == f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"
    assert not (tmp_path / "mlruns").exists()


def test_the_tracking_config_resolves_to_the_projects_store(compose_cfg, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert compose_cfg().tracking.uri == f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///elsewhere.db")  # the user's wins
    assert compose_cfg().tracking.uri == "sqlite:///elsewhere.db"


def test_a_new_store_is_announced_with_the_make_ui_that_serves_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(ui_links.PORT_VARIABLE, raising=False)
    monkeypatch.chdir(ROOT)
    db = tmp_path / "new" / "mlflow.db"
    ensure_store(f"sqlite:///{db}")
    out = capsys.readouterr().out.splitlines()
    assert out == [f"new tracking store {db} (view it: make ui STORE_URI=sqlite:///{db})"]
    ensure_store(f"sqlite:///{db}")  # an existing store: nothing said
    assert capsys.readouterr().out == ""
    # MLflow's empty Default experiment is deleted: the UI lists the project's only
    with sqlite3.connect(db) as con:
        rows = con.execute("select name, lifecycle_stage from experiments").fetchall()
    assert rows == [("Default", "deleted")]


def test_the_hint_names_the_store_when_make_ui_would_not_serve_it(tmp_path, monkeypatch):
    monkeypatch.delenv(ui_links.PORT_VARIABLE, raising=False)
    monkeypatch.chdir(ROOT)
    project = f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}"
    assert ui_links.view_hint(project) == "make ui, then open"
    assert ui_links.view_hint("sqlite:///mlruns/mlflow.db") == "make ui, then open"  # same file
    other = f"sqlite:///{tmp_path / 'x.db'}"
    assert ui_links.view_hint(other) == f"make ui STORE_URI={other}, then open"
    monkeypatch.setenv(ui_links.PORT_VARIABLE, "5123")
    monkeypatch.chdir(tmp_path)  # outside the project: make -C <root>
    hint = ui_links.ui_command("sqlite:///rel/x.db")
    assert hint == f"make -C {ROOT} ui STORE_URI=sqlite:///{Path(tmp_path, 'rel/x.db')} PORT=5123"
    assert "s3cret" not in ui_links.ui_command("postgresql://me:s3cret@db/mlflow")
