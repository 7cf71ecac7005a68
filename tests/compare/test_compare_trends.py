"""Trend descriptors and mean curves on series with a known shape."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qml_entanglement.analysis.trends import describe, mean_curve


def test_bump_rises_then_falls_with_its_peak_epoch():
    epochs = np.arange(11)
    values = 1.0 - ((epochs - 4) / 4.0) ** 2
    trend = describe(epochs, values)
    assert trend.rises_then_falls
    assert trend.epoch_of_max == 4
    assert trend.start == pytest.approx(0.0)
    assert trend.end == pytest.approx(1.0 - (6 / 4) ** 2)
    assert trend.change == pytest.approx(trend.end - trend.start)


@pytest.mark.parametrize(
    "values",
    [
        np.linspace(0, 1, 10),  # monotone rise: peak at the end
        np.linspace(1, 0, 10),  # monotone fall: peak at the start
        np.r_[np.linspace(0, 1, 9), 0.95],  # dips by 5% of the range only: below tolerance
    ],
)
def test_no_rise_then_fall(values):
    assert not describe(np.arange(len(values)), values, tolerance=0.1).rises_then_falls


def test_nan_epochs_are_ignored():
    values = np.array([np.nan, 0.2, 0.8, np.nan, 0.1])
    trend = describe(np.arange(5), values)
    assert trend.n_epochs == 3
    assert (trend.start, trend.end, trend.epoch_of_max) == (0.2, 0.1, 2)
    assert trend.rises_then_falls


def test_all_nan_series_is_empty():
    trend = describe([0, 1], [np.nan, np.nan])
    assert trend.n_epochs == 0 and math.isnan(trend.start) and not trend.rises_then_falls


def _frame(values) -> pd.DataFrame:
    return pd.DataFrame({"m": values}, index=pd.RangeIndex(len(values), name="epoch"))


def test_mean_curve_averages_what_each_epoch_has():
    curve = mean_curve([_frame([1.0, 2.0, 3.0]), _frame([3.0, 4.0])], "m")
    assert curve["mean"].tolist() == [2.0, 3.0, 3.0]
    assert curve["n"].tolist() == [2, 2, 1]
    assert curve["std"].iloc[0] == pytest.approx(math.sqrt(2))
    assert math.isnan(curve["std"].iloc[2])
