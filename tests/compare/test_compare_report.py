"""Building a whole report from runs with known correlations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from compare_testdata import EXPERIMENT, NO_RUN, history, labels, make_known_runs
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH

from qml_entanglement.analysis.intervals import CISettings
from qml_entanglement.compare import (
    CompareSettings,
    NoRunsMatchError,
    SettingsError,
    build_report,
)
from qml_entanglement.tracking.report_run import RUN_IDS_ARTIFACT, log_report_run, run_ids_tag
from qml_entanglement.tracking.synthetic import RunSpec, create_runs

REQUIRED_COLUMNS = {
    "run_id",
    "group",
    "metric",
    "method",
    "series",
    "r",
    "p_value",
    "q_value",
    "n_epochs",
    "n_eff",
}
LINEAR = "entanglement=linear"
FULL = "entanglement=full"
CIRCULAR = "entanglement=circular"


@pytest.fixture(scope="module")
def built(tmp_path_factory, _empty_store):
    """One report over the known runs, shared by the read-only tests of this module."""
    root = tmp_path_factory.mktemp("report")
    db = root / "mlruns" / "mlflow.db"
    db.parent.mkdir()
    shutil.copyfile(_empty_store, db)
    uri = f"sqlite:///{db}"
    ids = make_known_runs(lambda specs: create_runs(uri, EXPERIMENT, specs))
    settings = CompareSettings(
        tracking={"uri": uri}, output_dir=str(root / "reports"), ci=CISettings(n_resamples=999)
    ).validate()
    return settings, build_report(settings), ids, uri


@pytest.fixture
def report(built):
    settings, result, _, _ = built
    return settings, result


def test_report_files_and_correlation_table(report):
    settings, result = report
    folder = result.directory
    assert folder == Path(settings.output_dir) / "default"
    for name in (
        "report.md",
        "report.html",
        "correlations.csv",
        "summary.csv",
        "trends.csv",
        "controls.csv",
    ):
        assert (folder / name).is_file(), name
    correlations = pd.read_csv(folder / "correlations.csv")
    assert set(correlations.columns) >= REQUIRED_COLUMNS
    assert set(correlations["method"]) == {"pearson", "spearman", "kendall"}
    assert set(correlations["series"]) == {"raw", "diff"}
    # 7 runs; 6 log two metrics and one logs only meyer_wallach: 13 run x metric pairs
    assert len(correlations) == 13 * 3 * 2
    assert (result.n_selected, result.n_used, result.n_groups) == (7, 7, 3)


def test_known_coefficients_come_out(report):
    _, result = report
    c = pd.read_csv(result.directory / "correlations.csv")
    linear_mw = c[(c["group"] == LINEAR) & (c["metric"] == "meyer_wallach")]
    assert len(linear_mw) == 3 * 3 * 2
    assert np.allclose(linear_mw["r"], 1.0)  # metric = 2 * loss + 1, raw and differenced

    full_mw = c[(c["group"] == FULL) & (c["metric"] == "meyer_wallach") & (c["series"] == "raw")]
    ranks = full_mw[full_mw["method"] != "pearson"]
    assert np.allclose(ranks["r"], -1.0)  # exp(-loss): perfectly anti-monotone
    assert (full_mw[full_mw["method"] == "pearson"]["r"] > -1.0).all()


def test_nan_and_short_run_are_counted(built):
    _, result, known_runs, _ = built
    c = pd.read_csv(result.directory / "correlations.csv")
    short = c[(c["run_id"] == known_runs["full"][2]) & (c["metric"] == "meyer_wallach")]
    raw, diff = short[short["series"] == "raw"], short[short["series"] == "diff"]
    assert set(raw["n_epochs"]) == {14} and set(raw["n_nan"]) == {1}  # 15 steps, one NaN
    assert set(diff["n_epochs"]) == {12} and set(diff["n_nan"]) == {2}


def test_summary_has_one_row_per_group_metric_method_series_and_keeps_the_single_run(report):
    _, result = report
    summary = pd.read_csv(result.directory / "summary.csv")
    assert not summary.duplicated(["group", "metric", "method", "series"]).any()
    assert len(summary) == 6 * 3 * 2
    assert {"group", "metric", "n_runs", "mean", "ci_low", "ci_high"} <= set(summary.columns)
    circular = summary[summary["group"] == CIRCULAR]
    assert set(circular["n_runs"]) == {1}
    spearman_raw = circular[(circular["method"] == "spearman") & (circular["series"] == "raw")]
    assert set(spearman_raw["ci_method"]) == {"single run"}
    assert spearman_raw["ci_low"].isna().all()

    linear = summary[
        (summary["group"] == LINEAR)
        & (summary["metric"] == "meyer_wallach")
        & (summary["method"] == "pearson")
        & (summary["series"] == "raw")
    ]
    row = linear.iloc[0]
    assert row["mean"] == pytest.approx(1.0)
    # meyer_wallach = 2 * loss + 1 is an identity, not a test: nothing significant counted
    assert row["relation"] == "identity" and row["n_tested"] == 0
    assert row["n_runs"] == 3 and row["n_seeds"] == 3
    assert set(summary["entanglement"]) == {"linear", "full", "circular"}


def test_data_quality_lists_every_irregularity(built):
    _, result, known_runs, _ = built
    quality = pd.read_csv(result.directory / "data_quality.csv")
    kinds = quality.groupby("kind")["run_id"].apply(set).to_dict()
    odd_run = known_runs["full"][2]
    assert odd_run in kinds["missing_metric"]
    assert odd_run in kinds["epoch_count_differs"]
    assert odd_run in kinds["nan_values"]
    assert known_runs["circular"][0] in kinds["single_run_group"]
    markdown = (result.directory / "report.md").read_text()
    for kind in ("missing_metric", "epoch_count_differs", "nan_values", "single_run_group"):
        assert kind in markdown
    identities = quality[quality["kind"] == "identity"]
    assert set(identities["group"]) == {LINEAR, FULL, CIRCULAR}


def test_html_is_self_contained_and_markdown_links_resolve(report):
    _, result = report
    page = (result.directory / "report.html").read_text()
    sources = re.findall(r'src="([^"]+)"', page)
    # heatmap + overlay by entanglement pattern + two figures per group
    assert len(sources) == 1 + 1 + 3 * 2
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<link" not in page
    for label in (LINEAR, FULL, CIRCULAR):
        assert label in page
    assert "first differences" in page and "Caveats" in page and "Answer:" in page
    markdown = (result.directory / "report.md").read_text()
    for link in re.findall(r"\]\((figures/[^)]+)\)", markdown):
        assert (result.directory / link).is_file(), link


def test_report_is_logged_to_the_comparison_experiment(built):
    _, result, known_runs, tracking_uri = built
    client = MlflowClient(tracking_uri)
    run = client.get_run(result.comparison_run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "comparison"
    assert run.info.status == "FINISHED"
    all_ids = sorted(i for ids in known_runs.values() for i in ids)
    assert sorted(run.data.tags["selected_run_ids"].split(",")) == all_ids
    assert run.data.tags["selected_run_count"] == "7"
    assert run.data.metrics["n_runs_used"] == 7
    key = "entanglement_linear/meyer_wallach/pearson_raw_mean"
    assert run.data.metrics[key] == pytest.approx(1.0)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "report.md", "summary.csv", RUN_IDS_ARTIFACT} <= artifacts


def test_a_second_build_keeps_the_first_and_points_at_the_newest(known_runs, settings_for):
    settings = settings_for(mlflow=NO_RUN)
    first = build_report(settings)
    (first.directory / "mine.txt").write_text("a note in the first report")
    again = build_report(settings)
    assert again.comparison_run_id is None
    assert first.folder != again.folder and first.folder.name.startswith("default-")
    assert (first.folder / "mine.txt").read_text() == "a note in the first report"  # kept
    assert again.directory.resolve() == again.folder and not (again.directory / "mine.txt").exists()
    names = sorted(p.name for p in Path(settings.output_dir).iterdir())  # no staging folder left
    assert names == sorted(["default", first.folder.name, again.folder.name])


def test_a_report_folder_from_before_is_kept_when_the_link_replaces_it(known_runs, settings_for):
    settings = settings_for(mlflow=NO_RUN)
    old = settings.report_dir
    old.mkdir(parents=True)
    (old / "report.md").write_text("an old report")
    result = build_report(settings)
    kept = [p for p in Path(settings.output_dir).iterdir() if p not in (old, result.folder)]
    assert len(kept) == 1 and (kept[0] / "report.md").read_text() == "an old report"
    assert old.is_symlink() and old.resolve() == result.folder


def test_no_match_writes_nothing(known_runs, settings_for):
    settings = settings_for(filter="tags.dataset = 'iris'", name="nothing")
    with pytest.raises(NoRunsMatchError, match="qml-entanglement.*tags.dataset = 'iris'"):
        build_report(settings)
    assert not Path(settings.output_dir).exists()


def test_malformed_filter_is_a_settings_error(known_runs, settings_for):
    settings = settings_for(filter="tags.dataset === 'moons'")
    with pytest.raises(SettingsError, match="filter="):
        build_report(settings)
    assert not Path(settings.output_dir).exists()


def test_missing_store_writes_nothing_and_creates_no_database(tmp_path: Path, settings_for):
    uri = f"sqlite:///{tmp_path}/absent/mlflow.db"
    settings = settings_for(tracking={"uri": uri})
    with pytest.raises(NoRunsMatchError, match="does not exist"):
        build_report(settings)
    assert not (tmp_path / "absent").exists()
    assert not Path(settings.output_dir).exists()


def test_many_run_ids_are_cut_in_the_tag_and_complete_in_the_artifact(
    tmp_path, tracking_uri, settings_for
):
    ids = [f"{i:032x}" for i in range(500)]  # 500 ids: 16,499 characters joined
    value, truncated = run_ids_tag(ids)
    assert truncated and len(value) <= MAX_TAG_VAL_LENGTH
    assert value.endswith(f"more, see {RUN_IDS_ARTIFACT})")
    folder = tmp_path / "fake_report"
    folder.mkdir()
    (folder / RUN_IDS_ARTIFACT).write_text("\n".join(ids))
    client = MlflowClient(tracking_uri)
    run_id = log_report_run(
        tracking_uri,
        "comparison",
        "default",
        folder,
        run_ids=ids,
        tags={"report_name": "default"},
        params={},
        metrics={"n_runs_used": 500.0},
    )
    tags = client.get_run(run_id).data.tags
    assert tags["selected_run_ids_truncated"] == "true"
    assert tags["selected_run_count"] == "500"
    local = client.download_artifacts(run_id, RUN_IDS_ARTIFACT, str(tmp_path))
    assert Path(local).read_text().split() == ids


def _primary_raw(summary: pd.DataFrame) -> pd.DataFrame:
    chosen = summary[(summary["method"] == "spearman") & (summary["series"] == "raw")]
    return chosen.set_index("metric")


@pytest.mark.parametrize("noise", [0.0, 1e-16])
def test_constant_metric_is_undefined_raw_and_differenced_and_gets_no_trend(
    add_runs, settings_for, noise
):
    # No entangling gates: Meyer-Wallach stays 0.3 up to rounding whatever the loss does.
    rng = np.random.default_rng(0)
    loss = 1.0 / (1.0 + np.arange(12)) + 0.01 * rng.standard_normal(12)
    add_runs(
        [
            RunSpec(
                history(
                    loss,
                    meyer_wallach=0.3 + noise * rng.standard_normal(12),
                    purity=0.5 + 0.1 * rng.standard_normal(12),
                ),
                tags=labels(entanglement="none", seed=seed, metrics="meyer_wallach,purity"),
            )
            for seed in range(2)
        ]
    )
    result = build_report(settings_for(mlflow=NO_RUN))
    summary = pd.read_csv(result.directory / "summary.csv")
    raw = _primary_raw(summary)
    assert np.isnan(raw.loc["meyer_wallach", "mean"])
    assert raw.loc["meyer_wallach", "ci_method"] == "no defined correlation"
    assert np.isfinite(raw.loc["purity", "mean"])
    mw = summary[summary["metric"] == "meyer_wallach"]
    assert mw["mean"].isna().all() and mw["ci_low"].isna().all()  # diff too: rounding noise
    correlations = pd.read_csv(result.directory / "correlations.csv")
    mw_rows = correlations[correlations["metric"] == "meyer_wallach"]
    assert mw_rows["r"].isna().all() and mw_rows["p_value"].isna().all()
    quality = pd.read_csv(result.directory / "data_quality.csv")
    undefined = quality[quality["kind"] == "undefined_correlation"]
    assert len(undefined) == 2 * 2  # two runs x (raw, diff) of meyer_wallach
    assert undefined["detail"].str.contains("constant series").all()
    trends = pd.read_csv(result.directory / "trends.csv")
    mw_trends = trends[trends["metric"] == "meyer_wallach"]
    assert mw_trends["rises_then_falls"].isna().all() and mw_trends["epoch_of_max"].isna().all()
    assert np.isnan(raw.loc["meyer_wallach", "rises_then_falls_share"])
    assert "undefined in every run" in (result.directory / "report.md").read_text()


def test_bell_toy_identity_is_reported_and_left_out_of_the_test_family(add_runs, settings_for):
    # The Bell toy: Meyer-Wallach of the output state is exactly 1 - loss.
    specs = []
    for seed in range(3):
        theta = np.linspace(0.1, 1.5, 30) + 0.05 * seed
        loss = np.cos(theta) ** 2
        specs.append(
            RunSpec(
                history(loss, meyer_wallach=1.0 - loss),
                tags=labels(seed=seed, metrics="meyer_wallach"),
                params={"seed": str(seed), "model.name": "bell_toy"},
            )
        )
    add_runs(specs)
    result = build_report(settings_for(mlflow=NO_RUN))
    correlations = pd.read_csv(result.directory / "correlations.csv")
    assert np.allclose(correlations[correlations["series"] == "raw"]["r"], -1.0)
    assert correlations["p_value"].isna().all() and correlations["q_value"].isna().all()
    assert result.n_tests == 0 and result.n_significant == 0
    assert correlations["relation"].str.startswith("identity").all()
    quality = pd.read_csv(result.directory / "data_quality.csv")
    assert (quality["kind"] == "identity").sum() == 1
    markdown = (result.directory / "report.md").read_text()
    assert "identity, not evidence" in markdown
    assert "significant" not in markdown.split("## Summary")[0].split("Answer:")[1].split("\n")[0]


def test_two_qubit_entropy_is_redundant_with_meyer_wallach(add_runs, settings_for):
    rng = np.random.default_rng(3)
    specs = []
    for seed in range(3):
        loss = 0.7 * np.exp(-np.arange(40) / 10) + 0.02 * rng.standard_normal(40)
        mw = 0.2 + 0.3 * np.exp(-np.arange(40) / 15) + 0.02 * rng.standard_normal(40)
        entropy = 0.8 * mw + 0.05 * rng.standard_normal(40)  # not an exact function of mw
        specs.append(
            RunSpec(
                history(loss, meyer_wallach=mw, von_neumann_entropy=entropy),
                tags=labels(seed=seed),
                params={"seed": str(seed), "model.num_qubits": "2"},
            )
        )
    add_runs(specs)
    result = build_report(settings_for(mlflow=NO_RUN))
    correlations = pd.read_csv(result.directory / "correlations.csv")
    entropy = correlations[correlations["metric"] == "von_neumann_entropy"]
    mw = correlations[correlations["metric"] == "meyer_wallach"]
    assert entropy["relation"].str.startswith("redundant").all()
    assert entropy["q_value"].isna().all() and entropy["p_value"].notna().all()
    assert mw["q_value"].notna().all()
    # the family holds only Meyer-Wallach: BH over 3 runs, not 6
    family = mw[(mw["method"] == "spearman") & (mw["series"] == "raw")]
    ranked = np.sort(family["p_value"].to_numpy())
    assert family["q_value"].max() <= max(ranked * 3 / np.arange(1, 4)) + 1e-12
