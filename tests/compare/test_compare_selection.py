"""Selecting runs from the store, grouping them, and refusing clearly when nothing matches."""

from __future__ import annotations

import numpy as np
import pytest
from compare_testdata import EXPERIMENT, history, labels
from mlflow.tracking import MlflowClient

from qml_entanglement.analysis.selection import (
    NoRunsMatchError,
    resolve_key,
    select_runs,
)
from qml_entanglement.tracking.synthetic import RunSpec

FINISHED = "attributes.status = 'FINISHED'"


def _spec(seed=0, status="FINISHED", **tag_overrides):
    tags = labels(seed=seed)
    tags.update(tag_overrides)
    loss = np.linspace(1, 0, 5)
    return RunSpec(
        history(loss, meyer_wallach=loss),
        tags=tags,
        params={"seed": str(seed), "model.ansatz.reps": str(seed % 2 + 1), "optimizer": "adam"},
        status=status,
    )


def test_resolve_key_prefers_tags_then_params_and_honours_prefixes():
    tags, params = {"optimizer": "tag-adam"}, {"optimizer": "param-adam", "reps": "2"}
    assert resolve_key(tags, params, "optimizer") == "tag-adam"
    assert resolve_key(tags, params, "params.optimizer") == "param-adam"
    assert resolve_key(tags, params, "tags.optimizer") == "tag-adam"
    assert resolve_key(tags, params, "reps") == "2"
    assert resolve_key(tags, params, "tags.reps") is None


def test_select_finds_every_finished_run_across_pages(add_runs, tracking_uri):
    ids = add_runs([_spec(seed=s) for s in range(5)])
    add_runs([_spec(seed=9, status="FAILED")])
    client = MlflowClient(tracking_uri)
    runs, missing, excluded = select_runs(client, tracking_uri, [EXPERIMENT], FINISHED, page_size=2)
    assert missing == [] and excluded == []
    assert sorted(r.run_id for r in runs) == sorted(ids)
    assert [r.seed for r in runs] == ["0", "1", "2", "3", "4"]


def test_sweep_parent_and_comparison_runs_are_never_training_runs(add_runs, tracking_uri):
    ids = add_runs([_spec(seed=s) for s in range(2)])
    parent = add_runs([_spec(seed=0, sweep_role="parent", sweep_id="s1")])
    comparison = add_runs([_spec(seed=0, report_name="default")])
    runs, _, excluded = select_runs(MlflowClient(tracking_uri), tracking_uri, [EXPERIMENT], "")
    assert sorted(r.run_id for r in runs) == sorted(ids)
    reasons = {run.run_id: why for run, why in excluded}
    assert set(reasons) == {*parent, *comparison}
    assert "sweep parent" in reasons[parent[0]] and "comparison" in reasons[comparison[0]]


def test_filter_string_is_applied(add_runs, tracking_uri):
    add_runs([_spec(seed=0), _spec(seed=1, dataset="circles")])
    runs, _, _ = select_runs(
        MlflowClient(tracking_uri), tracking_uri, [EXPERIMENT], "tags.dataset = 'circles'"
    )
    assert [r.tags["dataset"] for r in runs] == ["circles"]


def test_no_matching_run_names_experiment_and_filter(add_runs, tracking_uri):
    add_runs([_spec()])
    with pytest.raises(NoRunsMatchError) as error:
        select_runs(MlflowClient(tracking_uri), tracking_uri, [EXPERIMENT], "tags.dataset = 'iris'")
    assert EXPERIMENT in str(error.value) and "tags.dataset = 'iris'" in str(error.value)


def test_unknown_experiment_is_reported(add_runs, tracking_uri):
    add_runs([_spec()])
    client = MlflowClient(tracking_uri)
    with pytest.raises(NoRunsMatchError, match="no-such-experiment.*no such experiment"):
        select_runs(client, tracking_uri, ["no-such-experiment"], FINISHED)
    runs, missing, _ = select_runs(client, tracking_uri, [EXPERIMENT, "gone"], FINISHED)
    assert len(runs) == 1 and missing == ["gone"]
