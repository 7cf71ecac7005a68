"""The prose says what the numbers say: direction, trend versus changes, single runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qml_entanglement.compare.narrative import group_paragraph, metric_sentences
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.compare.summary import column

SETTINGS = CompareSettings()


def _row(raw, raw_ci, diff, diff_ci, n_runs=5, method="fisher-z") -> pd.Series:
    values = {"metric": "meyer_wallach", "n_runs": n_runs}
    for series, mean, (low, high) in (("raw", raw, raw_ci), ("diff", diff, diff_ci)):
        values.update(
            {
                column("spearman", series, "mean"): mean,
                column("spearman", series, "ci_low"): low,
                column("spearman", series, "ci_high"): high,
                column("spearman", series, "ci_method"): method,
                column("spearman", series, "n"): float(n_runs),
                column("spearman", series, "n_significant"): 2.0,
                column("spearman", series, "n_significant_positive"): 1.0,
            }
        )
    return pd.Series(values)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(0.8, (0.6, 0.9), 0.5, (0.2, 0.7)), "related the same way"),
        (_row(0.8, (0.6, 0.9), -0.4, (-0.6, -0.1)), "related the opposite way"),
        (_row(0.8, (0.6, 0.9), 0.05, (-0.2, 0.3)), "common trend"),
        (_row(0.1, (-0.3, 0.5), 0.5, (0.2, 0.7)), "reacts to each update"),
        (_row(0.1, (-0.3, 0.5), 0.0, (-0.2, 0.2)), "no consistent relation"),
        (_row(0.7, (math.nan, math.nan), 0.2, (math.nan, math.nan), 1, "single run"), "anecdotal"),
    ],
)
def test_interpretation_follows_the_intervals(row, expected):
    assert expected in metric_sentences(row, SETTINGS)


def test_sign_is_explained_in_words():
    assert "tends to fall as the loss falls" in metric_sentences(
        _row(0.8, (0.6, 0.9), 0.1, (-0.1, 0.3)), SETTINGS
    )
    assert "tends to rise as the loss falls" in metric_sentences(
        _row(-0.8, (-0.9, -0.6), -0.1, (-0.3, 0.1)), SETTINGS
    )


def test_significant_runs_of_both_signs_are_split():
    text = metric_sentences(_row(0.1, (-0.3, 0.5), 0.0, (-0.2, 0.2)), SETTINGS)
    assert "2 of 5 (1 positive, 1 negative) runs on the raw series" in text


def test_undefined_correlation_is_said_so():
    row = _row(math.nan, (math.nan, math.nan), math.nan, (math.nan, math.nan))
    assert "undefined" in metric_sentences(row, SETTINGS)


def test_group_prose_names_runs_and_caveats():
    rows = pd.DataFrame([_row(0.8, (0.6, 0.9), 0.1, (-0.1, 0.3), method="bootstrap-bca")])
    loss = pd.DataFrame({"start": [0.7, 0.9], "end": [0.3, 0.5]})
    prose = group_paragraph("g", rows, loss, ["0", "1"], SETTINGS)
    assert (
        prose.intro == "2 runs (seeds 0, 1); the training loss goes from 0.800 to 0.400 on average."
    )
    assert len(prose.items) == 1
    assert "2 seeds is few" in prose.caveats and "too narrow" in prose.caveats
    assert "independent" in prose.caveats
