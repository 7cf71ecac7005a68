"""The prose says what the intervals say: no strength words when an interval spans zero."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qml_entanglement.compare.narrative import headline, metric_sentences
from qml_entanglement.compare.settings import CompareSettings

SETTINGS = CompareSettings()


def _rows(raw, raw_ci, diff, diff_ci, n_runs=5, relation="", group="g") -> pd.DataFrame:
    rows = []
    for series, mean, (low, high) in (("raw", raw, raw_ci), ("diff", diff, diff_ci)):
        rows.append(
            {
                "group": group,
                "metric": "meyer_wallach",
                "method": "spearman",
                "series": series,
                "n_runs": n_runs,
                "n_defined": n_runs,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "ci_half_width": (high - low) / 2,
                "ci_method": "fisher-z" if n_runs > 1 else "single run",
                "seeds_for_target": 40.0,
                "relation": relation,
                "related_to": "loss" if relation else "",
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (_rows(0.8, (0.6, 0.9), 0.5, (0.2, 0.7)), "related the same way"),
        (_rows(0.8, (0.6, 0.9), -0.4, (-0.6, -0.1)), "related the opposite way"),
        (_rows(0.8, (0.6, 0.9), 0.05, (-0.2, 0.3)), "common trend"),
        (_rows(0.1, (-0.3, 0.5), 0.5, (0.2, 0.7)), "reacts to each update"),
        (_rows(0.7, (math.nan, math.nan), 0.2, (math.nan, math.nan), 1), "anecdotal"),
    ],
)
def test_interpretation_follows_the_intervals(rows, expected):
    assert expected in metric_sentences(rows, SETTINGS)


def test_an_interval_spanning_zero_gets_no_strength_word():
    text = metric_sentences(_rows(-0.53, (-0.9, 0.2), 0.05, (-0.2, 0.3)), SETTINGS)
    assert "no evidence of an association across seeds" in text
    for word in ("strong", "moderate", "weak"):
        assert word not in text


def test_strength_words_only_with_an_interval_excluding_zero():
    text = metric_sentences(_rows(0.8, (0.6, 0.9), 0.1, (-0.1, 0.3)), SETTINGS)
    assert "very strong positive association across seeds" in text
    assert "falls as the loss falls" in text
    text = metric_sentences(_rows(-0.4, (-0.6, -0.2), -0.1, (-0.3, 0.1)), SETTINGS)
    assert "moderate negative association" in text and "rises as the loss falls" in text


def test_precision_and_seeds_needed_are_stated():
    text = metric_sentences(_rows(0.3, (-0.1, 0.6), 0.0, (-0.2, 0.2)), SETTINGS)
    assert "±0.35 wide" in text and "about 40 seeds would narrow it to ±0.1" in text


def test_identity_is_not_evidence():
    text = metric_sentences(_rows(-1.0, (-1, -1), -1.0, (-1, -1), relation="identity"), SETTINGS)
    assert "identity, not evidence" in text and "strong" not in text


def test_undefined_correlation_is_said_so():
    rows = _rows(math.nan, (math.nan, math.nan), math.nan, (math.nan, math.nan))
    assert "undefined" in metric_sentences(rows, SETTINGS)


def test_headline_counts_configurations_whose_interval_excludes_zero():
    summary = pd.concat(
        [
            _rows(0.8, (0.6, 0.9), 0.5, (0.2, 0.7), group="a"),
            _rows(0.2, (-0.3, 0.6), 0.1, (-0.2, 0.3), group="b"),
            _rows(-1.0, (-1, -1), -1.0, (-1, -1), relation="identity", group="c"),
        ]
    )
    text = headline(summary, SETTINGS)
    assert text.startswith("Answer: ")
    assert "clearly positive (metric falls with the loss) in 1 of 2 configuration(s)" in text
    assert "in 1 of 2 on epoch-to-epoch changes" in text
    assert "no evidence either way in the other 1" in text
    assert "1 group x metric pair(s) are identities" in text
