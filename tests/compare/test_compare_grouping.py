"""Runs are pooled only when their configurations are identical except for the seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from compare_testdata import NO_RUN, config, history, labels

from qml_entanglement.analysis.grouping import build_groups, is_config_key, short_names
from qml_entanglement.analysis.histories import RunHistory
from qml_entanglement.analysis.selection import SelectedRun
from qml_entanglement.compare import build_report
from qml_entanglement.tracking.synthetic import RunSpec


def _history(run_id: str, params: dict[str, str]) -> RunHistory:
    run = SelectedRun(
        run_id=run_id,
        run_name="vqc-blobs",
        experiment_name="qml-entanglement",
        status="FINISHED",
        artifact_uri="",
        tags={"seed": params.get("seed", "0")},
        params=params,
        metric_keys=frozenset(),
    )
    frame = pd.DataFrame({"loss": [1.0, 0.5, 0.2], "meyer_wallach": [0.1, 0.3, 0.2]})
    return RunHistory(run, frame, ("meyer_wallach",), (), "test")


def test_seeds_and_bookkeeping_are_not_configuration():
    assert not any(
        is_config_key(k)
        for k in (
            "seed",
            "dataset.seed",
            "init_seed",
            "tracking.uri",
            "sweep.id",
            "force",
            "run_name",
        )
    )
    assert all(
        is_config_key(k)
        for k in ("dataset.cluster_std", "model.ansatz.reps", "trainer.epochs", "simulator.name")
    )


def test_every_differing_setting_splits_groups_and_only_seeds_are_pooled():
    histories = []
    variants = [
        {},
        {"dataset.cluster_std": "2.0"},
        {"model.ansatz.reps": "3"},
        {"trainer.epochs": "10"},
        {"simulator.name": "aer"},
    ]
    for index, variant in enumerate(variants):
        for seed in range(3):
            params = config(
                dataset="blobs",
                seed=seed,
                **{
                    "dataset.cluster_std": "1.0",
                    "model.ansatz.reps": "1",
                    "trainer.epochs": "100",
                    "simulator.name": "statevector",
                },
            )
            params.update(variant)
            params["tracking.uri"] = f"sqlite:///store{seed}.db"  # bookkeeping: ignored
            params["sweep.id"] = f"sweep{index}"
            histories.append(_history(f"run{index}-{seed}", params))
    grouping = build_groups(histories, None)
    assert len(grouping.groups) == len(variants)
    assert all(g.n_runs == 3 and sorted(g.seeds) == ["0", "1", "2"] for g in grouping.groups)
    assert all(not g.pooled for g in grouping.groups)
    assert set(grouping.keys) == {
        "dataset.cluster_std",
        "model.ansatz.reps",
        "trainer.epochs",
        "simulator.name",
    }
    labels_ = {g.label for g in grouping.groups}
    assert any("cluster_std=2.0" in label for label in labels_)
    assert any("simulator=aer" in label for label in labels_)
    assert len(labels_) == len(variants)


def test_a_user_grouping_that_pools_configurations_names_what_differs(add_runs, settings_for):
    rng = np.random.default_rng(0)
    specs = []
    for std in ("0.5", "1.0", "2.0"):
        for seed in range(2):
            loss = np.exp(-np.arange(30) / 10) + 0.05 * rng.standard_normal(30)
            mw = 0.3 + 0.1 * rng.standard_normal(30)
            specs.append(
                RunSpec(
                    history(loss, meyer_wallach=mw, von_neumann_entropy=mw**2 + 0.1),
                    tags=labels(dataset="blobs", seed=seed),
                    params=config(dataset="blobs", seed=seed, **{"dataset.cluster_std": std}),
                )
            )
    add_runs(specs)
    pooled = build_report(settings_for(mlflow=NO_RUN, group_by=["dataset"], name="p"))
    quality = pd.read_csv(pooled.directory / "data_quality.csv")
    finding = quality[quality["kind"] == "pooled_configs"]
    assert len(finding) == 1
    assert "dataset.cluster_std in {0.5, 1.0, 2.0}" in finding["detail"].iloc[0]
    assert "pools different configurations" in (pooled.directory / "report.md").read_text()
    summary = pd.read_csv(pooled.directory / "summary.csv")
    assert summary["pooled_keys"].str.contains("cluster_std").all()

    auto = build_report(settings_for(mlflow=NO_RUN, name="auto"))
    assert auto.n_groups == 3
    summary = pd.read_csv(auto.directory / "summary.csv")
    assert set(summary["group"]) == {"cluster_std=0.5", "cluster_std=1.0", "cluster_std=2.0"}
    assert summary["pooled_keys"].isna().all()
    assert set(summary["n_runs"]) == {2}
    # cluster_std is numeric: the correlation-vs-key figure exists, in every format
    figures = {p.name for p in (auto.directory / "figures").iterdir()}
    stems = {name.rsplit(".", 1)[0] for name in figures}
    assert "loss_correlation_vs_cluster_std" in stems and "by_cluster_std" in stems
    # figures are named by what they show: each group's curves by its label
    assert {"curves_cluster_std_0_5", "vs_loss_cluster_std_2_0"} <= stems
    for stem in stems:
        assert {f"{stem}.png", f"{stem}.svg", f"{stem}.pdf"} <= figures


def test_short_names_are_unique():
    keys = ["model.ansatz.reps", "model.feature_map.reps", "dataset.name", "optimizer.lr"]
    names = short_names(keys)
    assert len(set(names.values())) == len(keys)
    assert names["dataset.name"] == "dataset" and names["optimizer.lr"] == "lr"
