"""``hydra/sweeper=signature``: a sweep is validated by composing one job per composition
signature, and a job that cannot compose still stops the sweep before any job runs."""

from __future__ import annotations

from collections import Counter

import pytest
from hydra import compose, initialize_config_dir
from hydra._internal.callbacks import Callbacks
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.types import HydraContext
from hydra.utils import get_class
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf

from hydra_plugins.signature_sweeper.sweeper import signature, values_that_matter
from qml_entanglement.sweeps.parent import sweep_arguments
from tests.conftest import CONF
from tests.sweeps.conftest import run_sweep, sweep_record, sweep_runs

SIGNATURE = "hydra_plugins.signature_sweeper.sweeper.SignatureSweeper"
BASIC = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
STUDY_DATA = [f"sweep/data={d}" for d in ("ad_hoc", "blobs_std0.5", "blobs_std1.0", "blobs_std2.0")]


@pytest.fixture
def master():
    """``master(*overrides)``: the config of ``pipelines/train.py -m <overrides>`` for its
    sweeper (no Hydra command-line overrides), in a Hydra context lasting the whole test."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        yield lambda *overrides: compose("train", list(overrides), return_hydra_config=True)


def parse(job: list[str]):
    return OverridesParser.create().parse_overrides(job)


def jobs_of(config) -> list[list[str]]:
    """The jobs Hydra's basic sweeper makes of a master config (all in one batch)."""
    (batch,) = get_class(BASIC).split_arguments(parse(sweep_arguments(config)), None)
    return batch


def validate(config, batch, monkeypatch, sweeper: str = SIGNATURE) -> list[list[str]]:
    """Run ``sweeper``'s ``validate_batch_is_legal`` as a multirun would; the jobs it composed.

    The class is looked up after Hydra's plugin scan, which re-executes plugin modules: a class
    imported before it is a stale copy."""
    loader = GlobalHydra.instance().config_loader()
    compose_job, composed = loader.load_sweep_config, []

    def load_sweep_config(master_config, sweep_overrides):
        composed.append(list(sweep_overrides))
        return compose_job(master_config=master_config, sweep_overrides=sweep_overrides)

    monkeypatch.setattr(loader, "load_sweep_config", load_sweep_config)
    instance = get_class(sweeper)(max_batch_size=None)
    instance.hydra_context = HydraContext(config_loader=loader, callbacks=Callbacks())
    instance.config = config
    instance.validate_batch_is_legal(batch)
    return composed


@pytest.mark.parametrize("overrides", [(), ("sweep=study",)])
def test_train_multiruns_use_the_signature_sweeper(master, overrides):
    config = master(*overrides)
    sweeper = Plugins.instance().instantiate_sweeper(
        config=config,
        hydra_context=HydraContext(
            config_loader=GlobalHydra.instance().config_loader(), callbacks=Callbacks()
        ),
        task_function=lambda cfg: None,
    )
    assert f"{type(sweeper).__module__}.{type(sweeper).__name__}" == SIGNATURE
    assert isinstance(sweeper, get_class(BASIC))
    assert sweeper.params == (config.hydra.sweeper.params or {})  # conf/sweep/*.yaml still apply


def test_signature_keeps_what_can_fail_and_drops_plain_values(master):
    job = [
        "sweep/data=blobs_std1.0",  # config group option: picks configs that may not exist
        "model.ansatz.entanglement=none",  # a plain value its typed field takes
        "seed=3",  # a plain value on an untyped node
        "+extra.flag=1",  # a new key: only its key matters
        "~force",  # a deletion checks its value
        "dataset.feature_range=[0,1]",  # a list (a typed node too) merges into what is there
        "run_name='${seed}-x'",  # an interpolation is parsed when set
        "hydra.job.chdir=true",  # a typed (structured config) node
    ]
    matters = values_that_matter(parse(job), master(*job))
    assert matters == (True, str, False, False, True, True, True, bool | None)  # typed fields
    assert signature(parse(job), matters) == (
        "sweep/data=blobs_std1.0",
        "model.ansatz.entanglement",
        "seed",
        "+extra.flag",
        "~force",
        "dataset.feature_range=[0,1]",
        "run_name='${seed}-x'",
        "hydra.job.chdir",  # a value its typed field takes
    )
    wrong_type = parse([*job[:-1], "hydra.job.chdir=maybe"])
    assert signature(wrong_type, matters)[-1] == "hydra.job.chdir=maybe"  # may fail: composed
    overlapping = ["+extra={a:1}", "extra.a=2"]  # one override sets the node the other changes
    assert values_that_matter(parse(overlapping), master(*overlapping)) == (True, True)


def test_the_study_groups_into_its_four_data_sets_and_composes_one_job_of_each(master, monkeypatch):
    config = master("sweep=study")
    batch = jobs_of(config)
    matters = values_that_matter(parse(batch[0]), master(*batch[0]))
    groups = Counter(signature(parse(job), matters) for job in batch)
    assert sorted(groups.items()) == [
        ((data, "model.ansatz.entanglement", "seed", "sweep=study"), 20) for data in STUDY_DATA
    ]
    composed = validate(config, batch, monkeypatch)
    assert composed == [next(job for job in batch if job[0] == data) for data in STUDY_DATA]


# a first job that composes, then one that does not (and Hydra's message naming it)
LATER_JOB_FAILS = {
    "unknown group option": (
        [["sweep/data=ad_hoc", "seed=0"], ["sweep/data=ad_hoc", "seed=1"], ["sweep/data=nope"]],
        "Could not find 'sweep/data/nope'",
    ),
    "key unknown in that job's data set": (
        [
            ["sweep/data=blobs_std1.0", "dataset.cluster_std=3.0"],
            ["sweep/data=ad_hoc", "dataset.cluster_std=3.0"],
        ],
        "Could not override 'dataset.cluster_std'",
    ),
    "value a typed node rejects": (
        [["hydra.job.chdir=false"], ["hydra.job.chdir=maybe"]],
        "Error merging override hydra.job.chdir=maybe",
    ),
    "deletion of another value": (
        [["~force=false"], ["~force=true"]],
        "The value of 'force' is False and not True",
    ),
    "dict merged into a list": (
        [
            ["experiment=vqc_blobs", "dataset.feature_range=[0,1]"],
            ["experiment=vqc_blobs", "dataset.feature_range={a:1}"],
        ],
        "Error merging override dataset.feature_range={a:1}",
    ),
    "broken interpolation": (
        [["run_name=plain"], ["run_name='${oops'"]],
        "Error merging override run_name='${oops'",
    ),
}


@pytest.mark.parametrize("case", LATER_JOB_FAILS, ids=list(LATER_JOB_FAILS))
def test_a_later_job_that_cannot_compose_fails_validation_like_the_basic_sweeper(
    master, monkeypatch, case
):
    batch, message = LATER_JOB_FAILS[case]
    config = master()
    assert validate(config, batch[:1], monkeypatch) == batch[:1]  # the first job composes
    for sweeper in (SIGNATURE, BASIC):
        with pytest.raises(Exception) as failure:
            validate(config, batch, monkeypatch, sweeper)
        assert message in str(failure.value), sweeper


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        (
            ("sweep/data=ad_hoc,blobs_std1.0,nope", "seed=0,1"),
            "error: invalid config: sweep/data='nope' is not an option",
        ),
        (
            ("sweep/data=blobs_std1.0,ad_hoc", "dataset.cluster_std=3.0,4.0"),
            "error: invalid config: unknown key 'dataset.cluster_std'",
        ),
    ],
    ids=["unknown group option", "unknown key"],
)
def test_a_sweep_whose_later_job_cannot_compose_stops_before_any_job_runs(
    store_uri, tmp_path, jobs, message
):
    sweep_dir = tmp_path / "sweep"
    proc = run_sweep(
        *jobs,
        f"tracking.uri={store_uri}",
        "++hydra.callbacks.sweep.prewarm=false",  # start no workers
        sweep_dir=sweep_dir,
        n_jobs=1,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr  # a config mistake, one line
    assert message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    multirun = OmegaConf.load(sweep_dir / "multirun.yaml")
    assert multirun.hydra.sweeper._target_ == SIGNATURE
    assert not list(sweep_dir.glob("*/outcome.json"))  # no job ran
    record = sweep_record(sweep_dir)
    assert record["counts"]["finished"] == record["counts"]["failed"] == 0
    # the callback opened the sweep's parent run before Hydra made the sweeper (Hydra 1.3
    # calls on_multirun_start first) and closed it FAILED; no job's run exists
    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "FAILED" and children == []
    experiment = MlflowClient(store_uri).get_experiment_by_name("qml-entanglement")
    runs = MlflowClient(store_uri).search_runs([experiment.experiment_id])
    assert [r.info.run_id for r in runs] == [parent.info.run_id]
