"""The atlas's forest plot: its layout against hand computations, and what it draws."""

from __future__ import annotations

import pytest
from scipy import stats

from qml_entanglement.atlas.figures import forest, forest_rows
from qml_entanglement.atlas.tables import analyse
from tests.atlas.synthetic import dl_by_hand, synthetic_atlas

MARGINS = {"delta_meyer_wallach": 0.01}


@pytest.fixture(scope="module")
def tables():
    return analyse(synthetic_atlas(rise=0.03, comovement=0.5), MARGINS)


def test_each_qubit_count_is_pooled_by_hand_after_its_configurations(tables):
    table = tables.per_config
    rows = forest_rows("delta_meyer_wallach", table, tables.meta_by_arm)
    trained = table.query("metric == 'delta_meyer_wallach' and arm == 'trained'")
    z = stats.norm.ppf(0.975)
    for qubits, part in trained.groupby("qubits"):
        pooled, se, _, _ = dl_by_hand(part["effect"].to_numpy(), part["se"].to_numpy())
        row = rows[rows["label"] == f"n = {qubits}: pooled (k={len(part)})"].iloc[0]
        assert row["kind"] == "subgroup" and row["arm"] == "trained"
        assert row["effect"] == pytest.approx(pooled)
        assert (row["low"], row["high"]) == pytest.approx((pooled - z * se, pooled + z * se))
        above = rows[(rows["y"] < row["y"]) & (rows["y"] >= row["y"] - len(part))]
        assert list(above["kind"]) == ["config"] * len(part)  # its configurations, just above
        assert sorted(above["effect"]) == pytest.approx(sorted(part["effect"]))
    arm = rows[rows["kind"] == "arm"].set_index("arm").loc["trained"]
    want = tables.meta_by_arm.query("metric == 'delta_meyer_wallach' and arm == 'trained'")
    assert arm["effect"] == pytest.approx(want["pooled"].iloc[0])
    assert arm["y"] == rows[rows["arm"] == "trained"]["y"].max()  # the arm's last row


def test_configurations_that_changed_by_exactly_zero_are_one_row_not_a_column_of_dots(tables):
    """lr = 0 changes nothing: the arm is one labelled row; a qubit count of an arm whose
    configurations all changed by exactly 0 is one row among that arm's others."""
    table = tables.per_config.copy()
    untrained = table.query("metric == 'delta_meyer_wallach' and arm == 'untrained'")
    trained = (table["metric"] == "delta_meyer_wallach") & (table["arm"] == "trained")
    silent = trained & (table["qubits"] == table.loc[trained, "qubits"].min())
    table.loc[silent, ["effect", "se"]] = 0.0
    rows = forest_rows("delta_meyer_wallach", table, tables.meta_by_arm)
    mine = rows[rows["arm"] == "untrained"]
    assert list(mine["kind"]) == ["exact zero"]
    assert mine["label"].iloc[0] == f"untrained: {len(untrained)} configurations, all exactly 0"
    qubits = table.loc[silent, "qubits"].iloc[0]
    row = rows[rows["label"] == f"n = {qubits}: {silent.sum()} configurations, all exactly 0"]
    assert list(row["arm"]) == ["trained"]
    others = rows[(rows["arm"] == "trained") & (rows["kind"] == "config")]
    assert len(others) == trained.sum() - silent.sum()
    assert rows["y"].is_unique and rows["y"].is_monotonic_increasing


def test_the_drawn_plot_names_every_subgroup_and_arm(tables):
    rows = forest_rows("delta_meyer_wallach", tables.per_config, tables.meta_by_arm)
    svg = forest("delta_meyer_wallach", tables.per_config, tables.meta_by_arm).svg.decode()
    labels = rows.loc[rows["label"] != "", "label"]
    assert len(labels) >= 6
    for text in labels:
        assert text in svg
