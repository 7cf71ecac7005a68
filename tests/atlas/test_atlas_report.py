"""The atlas's analysis and report on a synthetic atlas with known truth (no training)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from qml_entanglement.atlas.quantities import FACTORS, run_quantities
from qml_entanglement.atlas.stage import AtlasSettings, publish_atlas
from qml_entanglement.atlas.tables import analyse
from qml_entanglement.atlas.words import page
from tests.atlas.synthetic import dl_by_hand, synthetic_atlas

MARGINS = {"delta_meyer_wallach": 0.01, "q_loss_comovement": 0.2}


@pytest.fixture(scope="module")
def planted():
    runs = synthetic_atlas(rise=0.03, comovement=0.5)
    return runs, analyse(runs, MARGINS)


@pytest.fixture(scope="module")
def null():
    runs = synthetic_atlas(rise=0.0, comovement=0.0, seed=1)
    return runs, analyse(runs, MARGINS)


def test_per_config_effect_is_the_mean_over_seeds_with_its_standard_error(planted):
    runs, tables = planted
    row = tables.per_config.query(
        "metric == 'delta_meyer_wallach' and qubits == 6 and entanglement == 'full' "
        "and reps == 3 and data == 'blobs' and control == 'trained'"
    ).iloc[0]
    seeds = runs.query(
        "qubits == 6 and entanglement == 'full' and reps == 3 and data == 'blobs' "
        "and control == 'trained'"
    )["delta_meyer_wallach"].to_numpy()
    assert row["n_seeds"] == len(seeds) == 6
    assert row["effect"] == pytest.approx(sum(seeds) / 6)
    by_hand = math.sqrt(sum((v - sum(seeds) / 6) ** 2 for v in seeds) / 5) / math.sqrt(6)
    assert row["se"] == pytest.approx(by_hand)


def test_pooling_matches_a_hand_computation(planted):
    _, tables = planted
    arm = tables.per_config.query("metric == 'delta_meyer_wallach' and arm == 'trained'")
    pooled, se, tau2, i2 = dl_by_hand(arm["effect"].to_numpy(), arm["se"].to_numpy())
    row = tables.meta.set_index("metric").loc["delta_meyer_wallach"]
    assert row["k"] == len(arm) == 24
    assert row["pooled"] == pytest.approx(pooled)
    assert row["tau2"] == pytest.approx(tau2)
    assert row["i2"] == pytest.approx(i2)
    z = stats.norm.ppf(0.975)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((pooled - z * se, pooled + z * se))
    half = stats.t.ppf(0.975, 22) * math.sqrt(tau2 + se**2)
    assert (row["pi_low"], row["pi_high"]) == pytest.approx((pooled - half, pooled + half))


def test_a_planted_rise_is_found_where_it_was_planted_and_nowhere_else(planted):
    _, tables = planted
    v = tables.verdicts.query("metric == 'delta_meyer_wallach'")
    assert set(v.query("arm == 'trained'")["verdict"]) == {"rises"}
    assert "rises" not in set(v.query("arm != 'trained'")["verdict"])
    meta = tables.meta.set_index("metric").loc["delta_meyer_wallach"]
    assert meta["ci_low"] < 0.03 < meta["ci_high"] and meta["ci_low"] > 0
    arms = tables.meta_by_arm.query("metric == 'delta_meyer_wallach'").set_index("arm")
    assert arms.loc["feature map only", "ci_low"] < 0 < arms.loc["feature map only", "ci_high"]
    reg = tables.regression.query("metric == 'delta_meyer_wallach'").set_index("term")
    for term in ("entanglement=linear", "entanglement=full"):
        assert reg.loc[term, "ci_low"] < 0.03 < reg.loc[term, "ci_high"]
        assert reg.loc[term, "p_value"] < 1e-6
    assert reg.loc["qubits (per unit)", "p_value"] > 0.01  # no planted qubit trend


def test_no_effect_is_not_found_and_is_called_equivalent(null):
    _, tables = null
    v = tables.verdicts.query("metric == 'delta_meyer_wallach'")
    assert not set(v["verdict"]) & {"rises", "falls"}
    trained = v.query("arm == 'trained'")
    assert (trained["verdict"] == "equivalent to zero").mean() >= 0.8
    # what "no effect" could have detected: about (t + z) sd / sqrt(n) = 3.6 x 0.005 / 2.45
    assert trained["mde"].notna().all() and 0.004 < trained["mde"].median() < 0.01
    meta = tables.meta.set_index("metric").loc["delta_meyer_wallach"]
    assert meta["ci_low"] < 0 < meta["ci_high"]


def test_co_movement_beyond_the_controls_is_a_control_term_of_the_regression(planted, null):
    _, with_effect = planted
    reg = with_effect.regression.query("metric == 'q_loss_comovement'").set_index("term")
    assert reg.loc["control=shuffled_labels", "ci_high"] < 0
    _, without = null
    reg0 = without.regression.query("metric == 'q_loss_comovement'").set_index("term")
    assert (
        reg0.loc["control=shuffled_labels", "ci_low"]
        < 0
        < reg0.loc["control=shuffled_labels", "ci_high"]
    )


def test_untrained_configurations_are_left_out_of_pooling_not_divided_by_zero(planted):
    _, tables = planted
    assert tables.zero_se["delta_meyer_wallach | untrained"] == 6
    pooled_arms = tables.meta_by_arm.query("metric == 'delta_meyer_wallach'")["arm"]
    assert "untrained" not in set(pooled_arms)
    v = tables.verdicts.query("metric == 'delta_meyer_wallach' and arm == 'untrained'")
    assert set(v["verdict"]) == {"equivalent to zero"}


def test_the_published_report_has_the_issues_files_and_columns(planted, tmp_path):
    runs, _ = planted
    settings = AtlasSettings(output_dir=tmp_path / "atlas", margins=MARGINS, dpi=40)
    result = publish_atlas(runs, settings, uri=None, source="a synthetic atlas")
    folder = result.published.folder
    per_config = pd.read_csv(folder / "per_config.csv")
    assert list(per_config.columns) == [
        "config",
        "metric",
        "effect",
        "se",
        "n_seeds",
        "qubits",
        "ansatz",
        "entanglement",
        "reps",
        "data",
        "control",
    ]
    meta = pd.read_csv(folder / "meta.csv")
    assert list(meta.columns) == [
        "metric",
        "pooled",
        "ci_low",
        "ci_high",
        "tau2",
        "i2",
        "pi_low",
        "pi_high",
        "k",
    ]
    for fmt in ("svg", "pdf", "png"):
        assert (folder / "figures" / f"forest_delta_meyer_wallach.{fmt}").stat().st_size > 0
    words = (folder / "report.md").read_text()
    assert "24 rises" in words and "Does Q track the loss beyond the controls" in words
    assert (tmp_path / "atlas").resolve() == folder.resolve()


def test_run_quantities_are_changes_from_the_first_to_the_last_step():
    t = np.arange(41.0)
    rng = np.random.default_rng(0)
    shared = rng.normal(size=41)
    frame = pd.DataFrame(
        {
            "meyer_wallach": 0.3 + 0.001 * t + 0.01 * shared,
            "loss": 0.7 - 0.002 * t + 0.01 * shared,
            "half_cut_entropy": np.linspace(1.0, 1.2, 41),
            "test_accuracy": np.linspace(0.5, 0.75, 41),
        }
    )
    out = run_quantities(frame, {"init_grad_variance": 1e-3})
    assert out["delta_half_cut_entropy"] == pytest.approx(0.2)
    assert out["final_test_accuracy"] == pytest.approx(0.75)
    assert out["log10_init_grad_variance"] == pytest.approx(-3.0)
    assert math.isnan(out["delta_tripartite_information"])  # not measured
    assert out["q_loss_comovement"] > 0.8  # the shared steps, trends removed
    rounding = run_quantities(frame.assign(half_cut_entropy=1.0 + 1e-16 * t), {})
    assert rounding["delta_half_cut_entropy"] == 0.0  # rounding noise is no change
    flat = run_quantities(frame.assign(meyer_wallach=0.3), {})
    assert math.isnan(flat["q_loss_comovement"])


def test_the_page_says_first_whether_the_classifiers_learned_by_qubit_count():
    """Trained runs at 4 qubits planted at accuracy 0.8, all else at 0.5: the first paragraph
    gives each qubit count's pooled accuracy, computed here by hand."""
    runs = synthetic_atlas(rise=0.0, comovement=0.0, seed=2)
    learned = (runs["control"] == "trained") & (runs["qubits"] == runs["qubits"].min())
    runs.loc[learned, "final_test_accuracy"] += 0.3
    tables = analyse(runs, MARGINS)
    first = page(tables, tables.per_config[["config", *FACTORS]].drop_duplicates(), 0.05)[0]
    assert first.startswith("Did the classifiers learn?")
    table = tables.per_config.query("metric == 'final_test_accuracy' and arm == 'trained'")
    for qubits, part in table.groupby("qubits"):
        pooled = dl_by_hand(part["effect"].to_numpy(), part["se"].to_numpy())[0]
        assert f"{qubits}: {pooled:.3f}" in first
        assert (pooled > 0.7) == (qubits == runs["qubits"].min())
