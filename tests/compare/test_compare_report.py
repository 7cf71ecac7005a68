"""Building a whole report from runs with known correlations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from compare_testdata import EXPERIMENT, history, labels, make_known_runs
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import MAX_TAG_VAL_LENGTH

from qml_entanglement.compare import (
    CompareSettings,
    NoRunsMatchError,
    SettingsError,
    build_report,
)
from qml_entanglement.compare.publish import RUN_IDS_ARTIFACT, publish, run_ids_tag
from qml_entanglement.compare.settings import CISettings
from qml_entanglement.compare.synthetic import RunSpec, create_runs

REQUIRED_COLUMNS = {
    "run_id",
    "group",
    "metric",
    "method",
    "series",
    "r",
    "p_value",
    "n_epochs",
}
LINEAR = "dataset=moons, ansatz=real_amplitudes, entanglement=linear"
FULL = "dataset=moons, ansatz=real_amplitudes, entanglement=full"
CIRCULAR = "dataset=moons, ansatz=real_amplitudes, entanglement=circular"


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
        tracking_uri=uri, output_dir=root / "reports", ci=CISettings(n_resamples=999)
    )
    return settings, build_report(settings), ids, uri


@pytest.fixture
def report(built):
    settings, result, _, _ = built
    return settings, result


def test_report_files_and_correlation_table(report):
    settings, result = report
    folder = result.directory
    assert folder == settings.output_dir / "default"
    for name in ("report.md", "report.html", "correlations.csv", "summary.csv", "trends.csv"):
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


def test_summary_has_one_row_per_group_and_metric_and_keeps_the_single_run(report):
    _, result = report
    summary = pd.read_csv(result.directory / "summary.csv")
    assert not summary.duplicated(["group", "metric"]).any()
    assert len(summary) == 6
    circular = summary[summary["group"] == CIRCULAR]
    assert set(circular["n_runs"]) == {1}
    assert set(circular["spearman_raw_ci_method"]) == {"single run"}
    assert circular["spearman_raw_ci_low"].isna().all()

    linear = summary[(summary["group"] == LINEAR) & (summary["metric"] == "meyer_wallach")]
    row = linear.iloc[0]
    assert row["pearson_raw_mean"] == pytest.approx(1.0)
    assert row["pearson_raw_sig_share"] == pytest.approx(1.0)
    assert row["n_runs"] == 3 and row["n_seeds"] == 3
    assert {"dataset", "ansatz", "entanglement"} <= set(summary.columns)


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


def test_html_is_self_contained_and_markdown_links_resolve(report):
    _, result = report
    page = (result.directory / "report.html").read_text()
    sources = re.findall(r'src="([^"]+)"', page)
    assert len(sources) == 1 + 3 * 2  # heatmap + two figures per group
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<link" not in page
    for label in (LINEAR, FULL, CIRCULAR):
        assert label in page
    assert "first differences" in page and "Caveats:" in page
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
    key = "dataset_moons_ansatz_real_amplitudes_entanglement_linear/meyer_wallach/pearson_raw_mean"
    assert run.data.metrics[key] == pytest.approx(1.0)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "report.md", "summary.csv", RUN_IDS_ARTIFACT} <= artifacts


def test_rebuilding_replaces_the_report_and_leaves_no_staging(known_runs, settings_for):
    settings = settings_for(log_to_mlflow=False)
    first = build_report(settings)
    (first.directory / "stale.txt").write_text("old")
    again = build_report(settings)
    assert again.comparison_run_id is None
    assert not (again.directory / "stale.txt").exists()
    assert sorted(p.name for p in settings.output_dir.iterdir()) == ["default"]


def test_no_match_writes_nothing(known_runs, settings_for):
    settings = settings_for(filter="tags.dataset = 'iris'", name="nothing")
    with pytest.raises(NoRunsMatchError, match="qml-entanglement.*tags.dataset = 'iris'"):
        build_report(settings)
    assert not settings.output_dir.exists()


def test_malformed_filter_is_a_settings_error(known_runs, settings_for):
    settings = settings_for(filter="tags.dataset === 'moons'")
    with pytest.raises(SettingsError, match="filter="):
        build_report(settings)
    assert not settings.output_dir.exists()


def test_missing_store_writes_nothing_and_creates_no_database(tmp_path: Path, settings_for):
    uri = f"sqlite:///{tmp_path}/absent/mlflow.db"
    settings = settings_for(tracking_uri=uri)
    with pytest.raises(NoRunsMatchError, match="does not exist"):
        build_report(settings)
    assert not (tmp_path / "absent").exists()
    assert not settings.output_dir.exists()


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
    run_id = publish(
        client, tracking_uri, settings_for(), folder, pd.DataFrame(), ids, {"n_runs_used": 500.0}
    )
    tags = client.get_run(run_id).data.tags
    assert tags["selected_run_ids_truncated"] == "true"
    assert tags["selected_run_count"] == "500"
    local = client.download_artifacts(run_id, RUN_IDS_ARTIFACT, str(tmp_path))
    assert Path(local).read_text().split() == ids


def test_constant_metric_is_undefined_and_listed(add_runs, settings_for):
    # No entangling gates: Meyer-Wallach stays 0 whatever the loss does.
    loss = 1.0 / (1.0 + np.arange(12))
    add_runs(
        [
            RunSpec(
                history(loss, meyer_wallach=np.zeros(12), purity=loss**2),
                tags=labels(entanglement="none", seed=seed, metrics="meyer_wallach,purity"),
            )
            for seed in range(2)
        ]
    )
    result = build_report(settings_for(log_to_mlflow=False))
    summary = pd.read_csv(result.directory / "summary.csv").set_index("metric")
    assert np.isnan(summary.loc["meyer_wallach", "spearman_raw_mean"])
    assert summary.loc["meyer_wallach", "spearman_raw_ci_method"] == "no defined correlation"
    assert np.isfinite(summary.loc["purity", "spearman_raw_mean"])
    quality = pd.read_csv(result.directory / "data_quality.csv")
    undefined = quality[quality["kind"] == "undefined_correlation"]
    assert len(undefined) == 2 * 2  # two runs x (raw, diff) of meyer_wallach
    assert undefined["detail"].str.contains("constant series").all()
    assert "undefined in every run" in (result.directory / "report.md").read_text()
