"""Job outcome records, the summary, the compare command and the skip check, in process."""

from __future__ import annotations

import json

import pytest
from hydra.core.utils import JobReturn, JobStatus
from mlflow.tracking import MlflowClient

from qml_entanglement.config import ConfigError
from qml_entanglement.sweeps import comparison, hydra_callback, outcomes
from qml_entanglement.sweeps.job import run_sweep_job
from qml_entanglement.tracking import membership
from qml_entanglement.tracking.run_identity import config_hash


def test_outcomes_round_trip_and_count(tmp_path):
    outcomes.JobOutcome("FINISHED", ["seed=0"], run_id="a", loss=0.1).write(tmp_path / "0")
    outcomes.JobOutcome("SKIPPED", ["seed=1"], run_id="b").write(tmp_path / "1")
    outcomes.JobOutcome("FAILED", ["seed=2"], error="boom").write(tmp_path / "10")
    (tmp_path / "2").mkdir()
    (tmp_path / "2" / outcomes.OUTCOME_FILE).write_text("{torn")
    read = outcomes.read_outcomes(tmp_path)
    assert [o.overrides for o in read] == [["seed=0"], ["seed=1"], ["seed=2"]]  # job order
    counts = outcomes.count(read, expected=4)
    assert counts == {"finished": 1, "skipped": 1, "failed": 1, "missing": 1, "total": 4}
    text = outcomes.format_summary(
        "s-1", counts, read, wall_seconds=2.0, parent_run_id="p", tracking_uri="u"
    )
    assert "4 jobs in 2.0 s: 1 finished, 1 skipped (already finished), 1 failed, 1 missing" in text
    assert "  FAILED seed=2: boom" in text
    outcomes.clear_outcomes(tmp_path)
    assert outcomes.read_outcomes(tmp_path) == []


def test_hydra_failures_become_failed_records():
    ret = JobReturn(overrides=["seed=3"], status=JobStatus.FAILED, _return_value=KeyError("x"))
    outcome = hydra_callback._outcome_of(ret)
    assert outcome.status == "FAILED" and outcome.error == "KeyError: 'x'"
    done = outcomes.JobOutcome("SKIPPED", ["seed=1"], run_id="r").as_dict()
    ret = JobReturn(overrides=["seed=1"], status=JobStatus.COMPLETED, _return_value=done)
    assert hydra_callback._outcome_of(ret).run_id == "r"


def test_compare_command_selects_the_sweeps_finished_runs():
    record = {"sweep_id": "study-12345678", "experiment": "exp", "tracking_uri": "sqlite:///a.db"}
    command = comparison.compare_command(record, ["output_dir=/tmp/r"])
    assert command[2:] == [
        "experiments=[exp]",
        "filter=\"tags.sweeps LIKE '%|study-12345678|%' and attributes.status = 'FINISHED'\"",
        "name=sweep-study-12345678",
        "tracking.uri='sqlite:///a.db'",
        "output_dir=/tmp/r",
    ]
    grouped = comparison.compare_command({**record, "group_by": ["dataset", "dataset.cluster_std"]})
    assert grouped[-1] == "group_by=[dataset,dataset.cluster_std]"


def test_report_without_a_record_says_so(tmp_path, capsys):
    assert comparison.main([str(tmp_path)]) == 1
    assert "sweep.json not found" in capsys.readouterr().out


def test_force_must_be_a_boolean(compose_cfg):
    with pytest.raises(ConfigError, match="force='yes' must be true or false"):
        membership.wants_skip_check(compose_cfg("force=yes", "sweep.id=s"))
    assert not membership.wants_skip_check(compose_cfg())  # single runs always train
    assert membership.wants_skip_check(compose_cfg("sweep.id=s"))
    assert not membership.wants_skip_check(compose_cfg("sweep.id=s", "force=true"))


def test_a_sweep_job_skips_a_finished_config_and_joins_it_to_its_sweep(
    compose_cfg, store_uri, tmp_path
):
    tiny = ("trainer.epochs=1", "dataset.training_size=4", "dataset.test_size=2")
    first = compose_cfg(
        *tiny, "sweep.id=one", "sweep.parent_run_id=p1", f"tracking.uri={store_uri}"
    )
    done = run_sweep_job(first, ["seed=0"])
    assert done["status"] == "FINISHED" and set(done["timings"]) >= {"train", "artifacts"}
    second = compose_cfg(*tiny, "sweep.id=two", f"tracking.uri={store_uri}")
    skipped = run_sweep_job(second, ["seed=0"])
    assert skipped["status"] == "SKIPPED" and skipped["run_id"] == done["run_id"]
    assert skipped["loss"] == pytest.approx(done["loss"])
    run = MlflowClient(store_uri).get_run(done["run_id"])
    assert run.data.tags["sweeps"] == "|one|two|"
    assert run.data.tags["sweep_id"] == "one" and run.data.tags["mlflow.parentRunId"] == "p1"
    assert run.data.tags["config_hash"] == config_hash(second)
    forced = run_sweep_job(
        compose_cfg(*tiny, "sweep.id=two", "force=true", f"tracking.uri={store_uri}"), ["seed=0"]
    )
    assert forced["status"] == "FINISHED" and forced["run_id"] != done["run_id"]
    failed = run_sweep_job(compose_cfg(*tiny, "trainer.epochs=0", "sweep.id=two"), ["x=1"])
    assert failed["status"] == "FAILED" and "trainer.epochs=0" in failed["error"]
    json.dumps(failed)  # crosses process boundaries as plain data
