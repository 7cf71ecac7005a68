"""Entangling runs against their no-entangler control, and against the feature map's own
entanglement (issue 10, point 6): numbers checked against scipy's Welch test and arithmetic
written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_testdata import NO_RUN, config, history, labels
from scipy import stats

from qml_entanglement.compare import build_report
from qml_entanglement.tracking.synthetic import RunSpec

BASELINE = 0.2  # the feature map's own Meyer-Wallach of the data
EPOCHS = np.arange(16)


def _runs(entanglement: str, rise: float, final_losses) -> list[RunSpec]:
    specs = []
    for seed, final in enumerate(final_losses):
        loss = np.linspace(1.0, final, len(EPOCHS)) + 0.01 * np.sin(EPOCHS * (seed + 2))
        mw = BASELINE + rise * (1 - np.exp(-EPOCHS / 4)) * (1 + 0.1 * seed)
        frame = history(loss, meyer_wallach=mw, von_neumann_entropy=0.5 * mw)
        frame["meyer_wallach_change"] = mw - BASELINE
        specs.append(
            RunSpec(
                frame,
                tags=labels(entanglement=entanglement, seed=seed),
                params=config(entanglement=entanglement, seed=seed),
            )
        )
    return specs


@pytest.fixture
def report(add_runs, settings_for):
    add_runs(_runs("linear", 0.4, [0.30, 0.35, 0.25, 0.32]))
    add_runs(_runs("none", 0.0, [0.50, 0.55, 0.45, 0.52]))
    result = build_report(settings_for(name="controls", mlflow=NO_RUN))
    read = lambda name: pd.read_csv(result.directory / name)  # noqa: E731
    return read("controls.csv"), read("trends.csv"), read("summary.csv")


def _final(specs_rise: float, seeds: int = 4) -> np.ndarray:
    return np.array(
        [BASELINE + specs_rise * (1 - np.exp(-15 / 4)) * (1 + 0.1 * s) for s in range(seeds)]
    )


def test_control_rows_are_welch_intervals_of_the_final_values(report):
    controls, _, _ = report
    row = controls.set_index("quantity").loc["final meyer_wallach"]
    assert "entanglement=linear" in row["group"] and "entanglement=none" in row["control_group"]
    ours, theirs = _final(0.4), _final(0.0)
    assert row["difference"] == pytest.approx(ours.mean() - theirs.mean())
    low, high = stats.ttest_ind(ours, theirs, equal_var=False).confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    loss = controls.set_index("quantity").loc["final loss"]
    assert loss["difference"] < 0 and loss["ci_high"] < 0  # the entangling runs learn better


def test_change_from_the_feature_maps_own_entanglement(report):
    controls, trends, summary = report
    mw = trends[trends["metric"] == "meyer_wallach"]
    assert np.allclose(mw["feature_map_baseline"], BASELINE)
    linear = mw[mw["group"].str.contains("linear")].sort_values("seed")
    assert np.allclose(linear["change_from_feature_map"], _final(0.4) - BASELINE)
    # the entropy is logged without a baseline: no number is made up for it
    assert trends[trends["metric"] == "von_neumann_entropy"]["feature_map_baseline"].isna().all()
    row = summary[(summary["metric"] == "meyer_wallach") & summary["group"].str.contains("linear")]
    assert row["change_from_feature_map_mean"].iloc[0] == pytest.approx(
        np.mean(_final(0.4) - BASELINE)
    )
    above = controls.set_index("quantity").loc["final meyer_wallach above the feature map's"]
    assert above["control_mean"] == pytest.approx(0.0, abs=1e-12)  # no entangler adds nothing
