"""Trainability next to entanglement across configurations (issue 16): trainability.csv and
its association, checked against scipy and arithmetic written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_testdata import NO_RUN, config, history, labels
from scipy import stats

from qml_entanglement.compare import build_report
from qml_entanglement.tracking.synthetic import RunSpec

EPOCHS = np.arange(12)
# four depths: deeper circuits reach more of the Page value and have flatter gradients
DEPTHS = {1: (0.30, 1e-2), 2: (0.55, 4e-3), 3: (0.80, 1e-3), 4: (0.95, 2e-4)}


def _specs() -> list[RunSpec]:
    specs = []
    for reps, (page, variance) in DEPTHS.items():
        for seed in range(3):
            loss = 1.0 / (1 + EPOCHS) + 0.01 * np.cos(EPOCHS + seed)
            fraction = page * (1 - np.exp(-(EPOCHS + 1) / 3)) + 0.01 * seed
            frame = history(loss, meyer_wallach=0.5 * fraction, half_cut_page_fraction=fraction)
            specs.append(
                RunSpec(
                    frame,
                    tags=labels(seed=seed, metrics="meyer_wallach"),
                    params=config(seed=seed, **{"model.ansatz.reps": reps}),
                    once={"init_grad_variance": variance * (1 + 0.1 * seed)},
                )
            )
    return specs


def test_trainability_table_and_association(add_runs, settings_for):
    add_runs(_specs())
    result = build_report(settings_for(name="trainability", mlflow=NO_RUN))
    table = pd.read_csv(result.directory / "trainability.csv").sort_values(
        "final_half_cut_page_fraction"
    )
    assert len(table) == 4 and list(table["n_runs"]) == [3, 3, 3, 3]
    for row, (page, variance) in zip(table.itertuples(), DEPTHS.values(), strict=True):
        values = variance * (1 + 0.1 * np.arange(3))
        assert row.init_grad_variance == pytest.approx(values.mean())
        half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
        assert row.init_grad_variance_ci_high == pytest.approx(values.mean() + half)
        final = page * (1 - np.exp(-12 / 3)) + 0.01 * np.arange(3)
        assert row.final_half_cut_page_fraction == pytest.approx(final.mean())
    text = (result.directory / "report.md").read_text()
    assert "Spearman's rho with the final half-cut Page fraction is -1.00" in text
    assert "4 configurations" in text


def test_no_trainability_data_gives_an_empty_table(known_runs, settings_for):
    result = build_report(settings_for(name="none", mlflow=NO_RUN))
    assert pd.read_csv(result.directory / "trainability.csv").empty
    assert "Trainability" not in (result.directory / "report.md").read_text()
