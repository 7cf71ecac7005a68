"""Report figures: one per swept key that no other swept key determines, grids without empty
panels, captions that match what is drawn, and the loss axis naming the loss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qml_entanglement.analysis.grouping import Group, Grouping, determines, figure_keys
from qml_entanglement.compare import figures


def _grouping(rows: list[dict[str, str]]) -> Grouping:
    keys = tuple(rows[0])
    return Grouping(tuple(Group(str(i), row, ()) for i, row in enumerate(rows)), keys, True)


def _function_of(rows, a, b) -> bool:
    """Independent check: b is a function of a when no two rows share a and differ in b."""
    return all(r[b] == s[b] for r in rows for s in rows if r[a] == s[a])


def test_optimizer_internals_add_no_figure():
    rows = [
        {
            "optimizer.name": "adam",
            "optimizer.lr": "0.01",
            "optimizer.beta1": "0.9",
            "optimizer.alpha": "n/a",
        },
        {
            "optimizer.name": "sgd",
            "optimizer.lr": "0.1",
            "optimizer.beta1": "n/a",
            "optimizer.alpha": "n/a",
        },
        {
            "optimizer.name": "spsa",
            "optimizer.lr": "0.2",
            "optimizer.beta1": "n/a",
            "optimizer.alpha": "0.602",
        },
    ]
    grouping = _grouping(rows)
    for a in rows[0]:
        for b in rows[0]:
            assert determines(grouping.groups, a, b) == _function_of(rows, a, b)
    assert figure_keys(grouping) == ["optimizer.name"]


def test_dataset_internals_add_no_figure_and_swept_settings_keep_theirs():
    rows = [
        {
            "dataset.name": d,
            "model.ansatz.entanglement": e,
            "dataset.cluster_std": s,
            "dataset.gap": g,
        }
        for d, s, g in [("ad_hoc", "n/a", "0.3"), ("blobs", "0.5", "n/a"), ("blobs", "2.0", "n/a")]
        for e in ("linear", "none")
    ]
    # the data set and its gap are functions of cluster_std (n/a = ad hoc); entanglement is free
    assert figure_keys(_grouping(rows)) == ["model.ansatz.entanglement", "dataset.cluster_std"]


@pytest.mark.parametrize(
    ("n", "columns"), [(1, 1), (3, 3), (4, 4), (5, 3), (6, 3), (7, 4), (8, 4), (9, 3)]
)
def test_grids_have_no_empty_panel_and_centre_a_short_last_row(n, columns):
    assert figures._columns(n) == columns
    figure, axes = figures._grid(n)
    assert len(figure.axes) == n == len(axes)  # no hidden or empty axes
    boxes = [a.get_position() for a in axes]
    centre = lambda row: np.mean([(b.x0 + b.x1) / 2 for b in row])  # noqa: E731
    first, last = boxes[:columns], boxes[(n - 1) // columns * columns :]
    assert centre(last) == pytest.approx(centre(first))
    assert len({round(b.width, 6) for b in boxes}) == 1  # every panel the same size


def _frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    epochs = pd.Index(range(6), name="epoch")
    return pd.DataFrame(
        {
            "loss": np.linspace(1, 0.2, 6) + 0.01 * rng.standard_normal(6),
            "meyer_wallach": rng.random(6),
        },
        index=epochs,
    )


def test_captions_promise_a_band_only_when_one_is_drawn_and_the_loss_is_named():
    one = figures.trajectories([_frame(0)], ("meyer_wallach",), "loss", "g", 40, "sigmoid estimate")
    svg = one.svg.decode()
    assert "no band" in svg and "s.d." not in svg
    assert "training loss (sigmoid estimate)" in svg
    three = figures.trajectories([_frame(s) for s in range(3)], ("meyer_wallach",), "loss", "g", 40)
    assert "±1 s.d. (band)" in three.svg.decode()
    single = {"linear": [_frame(0)], "none": [_frame(1)]}
    overlay = figures.overlay_by_value(single, ["loss"], "entanglement", 40, loss_name="mse").svg
    assert "no band" in overlay.decode() and "s.e." not in overlay.decode()
    assert "training loss (mse)" in overlay.decode()
    mixed = {"linear": [_frame(0), _frame(2)], "none": [_frame(1)]}
    text = figures.overlay_by_value(mixed, ["loss"], "entanglement", 40).svg.decode()
    assert "±1 s.e. (band, where n &gt; 1)" in text or "±1 s.e. (band, where n > 1)" in text


def test_a_missing_value_says_what_it_stands_for():
    from qml_entanglement.analysis.grouping import short_names
    from qml_entanglement.compare.figure_set import value_labels as _value_labels

    rows = [
        {"dataset.name": "ad_hoc", "dataset.cluster_std": "n/a"},
        {"dataset.name": "blobs", "dataset.cluster_std": "0.5"},
        {"dataset.name": "blobs", "dataset.cluster_std": "2.0"},
    ]
    grouping = _grouping(rows)
    labels = _value_labels(grouping, "dataset.cluster_std", short_names(grouping.keys))
    assert labels == {"n/a": "n/a (dataset=ad_hoc)", "0.5": "0.5", "2.0": "2.0"}
