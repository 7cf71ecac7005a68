"""claims.csv verdicts come from data: synthetic runs whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats

from qml_entanglement.study.claims import (
    ARTEFACT,
    CLAIMS,
    COLUMNS,
    EQUIVALENT,
    IDENTITY,
    INCONCLUSIVE,
    NOT_SUPPORTED,
    PUBLISHED_PAIRS,
    SUPPORTED,
    Finding,
    StudySettings,
    evaluate_claims,
    published_pairing,
    verdict,
)

SETTINGS = StudySettings(n_sim=99, seed=1)
EPOCHS = np.arange(51)


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-300, 1.0)
    q = np.clip(1 - p, 1e-300, 1.0)
    return -(p * np.log2(p) + q * np.log2(q))


def _faithful_toy() -> list[pd.DataFrame]:
    """The write-up's toy, computed here: theta <- theta - 1.29 deg * cos^2(theta)."""
    theta, rows = 0.0, []
    rng = np.random.default_rng(0)
    for epoch in range(500):
        loss = np.cos(theta) ** 2
        vn = _binary_entropy(np.array([np.cos(theta / 2) ** 2]))[0]
        rows.append(
            {
                "epoch": epoch,
                "loss": loss,
                "von_neumann_entropy": vn,
                "published_von_neumann_entropy": abs(rng.normal(0, 3e-15)),
            }
        )
        theta -= np.radians(1.29) * loss
    return [pd.DataFrame(rows).set_index("epoch")]


def _red(rng, phi=0.6, scale=0.002) -> np.ndarray:
    noise = rng.standard_normal(len(EPOCHS) + 50)
    return scale * signal.lfilter([1.0], [1.0, -phi], noise)[50:]


def _vqc(
    mw_slope: float,
    *,
    published_slope: float | None = None,
    vn_period: float | None = None,
    mw_follows_loss: float = 0.0,
    seeds: int = 10,
) -> list[pd.DataFrame]:
    """Ten seeds of a VQC-like run; the MW trend, periodicity and co-movement (MW = 0.4 +
    ``mw_follows_loss`` x (loss - 0.5) + noise, loss and all) are set here."""
    rng = np.random.default_rng(42)
    frames = []
    for _ in range(seeds):
        loss = 0.5 - 0.1 * (1 - np.exp(-EPOCHS / 20)) + _red(rng)
        if mw_follows_loss:
            mw = 0.4 + mw_follows_loss * (loss - 0.5) + _red(rng, scale=0.001)
        else:
            mw = 0.45 + mw_slope * EPOCHS + _red(rng)
        vn = 0.5 + 0.3 * (mw - 0.45) + _red(rng)
        if vn_period:
            vn = vn + 0.02 * np.sin(2 * np.pi * EPOCHS / vn_period)
        frame = pd.DataFrame(
            {"loss": loss, "meyer_wallach": mw, "von_neumann_entropy": vn}, index=EPOCHS
        )
        frame["published_von_neumann_entropy"] = np.abs(rng.normal(0, 3e-15, len(EPOCHS)))
        if published_slope is not None:
            published = 0.95 + published_slope * EPOCHS + _red(rng, scale=0.0005)
            frame["published_meyer_wallach"] = published
            frame.loc[0, "published_meyer_wallach"] = np.nan  # no m_t before the first update
        frames.append(frame)
    return frames


def _verdicts(runs) -> dict[str, str]:
    claims = evaluate_claims(runs, SETTINGS)
    assert list(claims.columns) == list(COLUMNS)
    assert list(claims["claim"]) == list(CLAIMS)
    return dict(zip(claims["claim"], claims["verdict"], strict=True))


def test_the_write_ups_toy_is_an_artefact_for_rise_fall_and_an_identity_for_loss():
    verdicts = _verdicts({"toy": _faithful_toy()})
    assert verdicts["toy_vn_rise_fall"] == ARTEFACT  # published: rounding; correct: no fall
    assert verdicts["toy_vn_vs_loss"] == IDENTITY  # S = h((1 + sqrt L)/2), exactly
    evidence = evaluate_claims({"toy": _faithful_toy()}, SETTINGS).set_index("claim")["evidence"]
    assert "identity" in evidence["toy_vn_vs_loss"]
    assert "monotonically" in evidence["toy_vn_rise_fall"]


def test_a_toy_entropy_that_really_rises_and_falls_is_supported():
    toy = _faithful_toy()[0].copy()
    t = np.arange(len(toy))
    toy["von_neumann_entropy"] = np.sin(np.pi * t / (len(t) - 1))
    assert _verdicts({"toy": [toy]})["toy_vn_rise_fall"] == SUPPORTED


@pytest.mark.parametrize(
    ("adhoc", "blobs", "expected_adhoc", "expected_blobs"),
    [
        # MW really falls in every seed: supported whatever the published curve does
        (dict(mw_slope=-0.002, published_slope=0.0), dict(mw_slope=-0.002), SUPPORTED, SUPPORTED),
        # MW rises, the published curve falls: the published decrease is an artefact
        (
            dict(mw_slope=0.002, published_slope=-0.001),
            dict(mw_slope=0.002),
            ARTEFACT,
            NOT_SUPPORTED,
        ),
        # flat MW and flat published curve: 10 seeds cannot tell, 40 seeds rule out +-0.0027
        (dict(mw_slope=0.0, published_slope=0.0), dict(mw_slope=0.0), INCONCLUSIVE, INCONCLUSIVE),
        (
            dict(mw_slope=0.0, published_slope=0.0, seeds=40),
            dict(mw_slope=0.0, seeds=40),
            EQUIVALENT,
            EQUIVALENT,
        ),
    ],
)
def test_meyer_wallach_decrease_verdicts(adhoc, blobs, expected_adhoc, expected_blobs):
    verdicts = _verdicts({"adhoc": _vqc(**adhoc), "blobs": _vqc(**blobs)})
    assert verdicts["vqc_mw_decreases_adhoc"] == expected_adhoc
    assert verdicts["vqc_mw_decreases_blobs"] == expected_blobs


def test_a_real_ten_epoch_period_is_supported_and_rounding_noise_is_an_artefact():
    assert _verdicts({"adhoc": _vqc(0.0, vn_period=10.0)})["vqc_vn_period_10"] == SUPPORTED
    assert _verdicts({"adhoc": _vqc(0.0)})["vqc_vn_period_10"] == ARTEFACT


def test_meyer_wallach_following_the_loss_is_supported_and_two_trends_are_not_evidence():
    assert _verdicts({"adhoc": _vqc(0.0, mw_follows_loss=0.5)})["vqc_mw_vs_loss"] == SUPPORTED
    assert _verdicts({"adhoc": _vqc(0.0, mw_follows_loss=-0.5)})["vqc_mw_vs_loss"] == NOT_SUPPORTED
    # MW rising while the loss falls in every seed, each with its own noise: the two trends
    # alone are not a (negative) co-movement
    rising = _verdicts({"adhoc": _vqc(0.003, published_slope=0.0)})
    assert rising["vqc_mw_vs_loss"] == INCONCLUSIVE


def test_claims_carry_power_numbers_from_the_noncentral_t():
    frames = _vqc(0.0, published_slope=0.0)
    claims = evaluate_claims({"adhoc": frames}, SETTINGS).set_index("claim")
    row = claims.loc["vqc_mw_decreases_adhoc"]
    changes = np.array([f["meyer_wallach"].iloc[-1] - f["meyer_wallach"].iloc[0] for f in frames])
    n, sd = len(changes), changes.std(ddof=1)
    crit, nc = stats.t.ppf(0.975, n - 1), 0.0027 * np.sqrt(n) / sd
    power = 1 - stats.nct.cdf(crit, n - 1, nc) + stats.nct.cdf(-crit, n - 1, nc)
    assert row["effect"] == pytest.approx(changes.mean())
    assert row["spread"] == pytest.approx(sd)
    assert row["power_at_published"] == pytest.approx(power, abs=1e-9)
    assert row["published_effect"] == -0.0027 and row["margin"] == 0.0027
    nc_mde = row["mde"] * np.sqrt(n) / sd
    mde_power = 1 - stats.nct.cdf(crit, n - 1, nc_mde) + stats.nct.cdf(-crit, n - 1, nc_mde)
    assert mde_power == pytest.approx(0.8, abs=1e-6)
    assert row["verdict"] == INCONCLUSIVE and row["seeds_needed"] > n
    assert f"about {row['seeds_needed']:.0f} seeds" in row["power_statement"]


def test_the_published_q_is_paired_with_the_loss_per_function_evaluation():
    frame = pd.DataFrame(
        {
            "loss": np.linspace(0.5, 0.4, 51),
            "published_meyer_wallach": np.r_[np.nan, np.linspace(0.95, 0.94, 50)],
            "evaluation_loss": np.r_[np.nan, np.arange(50.0)],
        }
    )
    (paired,) = published_pairing([frame])
    assert len(paired) == PUBLISHED_PAIRS == 48
    assert paired["loss"].tolist() == list(np.arange(48.0))  # evaluations 0..47, in order
    assert paired["published_meyer_wallach"].iloc[0] == 0.95  # Q at t = 1


def test_missing_runs_are_inconclusive_with_the_reason():
    claims = evaluate_claims({}, SETTINGS)
    assert set(claims["verdict"]) == {INCONCLUSIVE}
    assert all("No finished run" in e for e in claims["evidence"])


def test_verdict_order():
    yes, no, neither = Finding(1, ""), Finding(-1, ""), Finding(0, "")
    noise = Finding(0, "", degenerate=True)
    within = Finding(0, "", equivalent=True)
    assert verdict(Finding(1, "", identity=True), noise) == IDENTITY
    assert verdict(within, neither) == EQUIVALENT
    assert verdict(within, yes) == ARTEFACT  # the published curve shows what the model does not
    assert verdict(yes, noise) == SUPPORTED
    assert verdict(no, yes) == ARTEFACT
    assert verdict(neither, noise) == ARTEFACT
    assert verdict(no, neither) == NOT_SUPPORTED
    assert verdict(no, None) == NOT_SUPPORTED
    assert verdict(neither, neither) == INCONCLUSIVE


def _monotone_seeds(mw_signs: list[int]) -> list[pd.DataFrame]:
    """Loss falling and MW moving monotonically up (+1) or down (-1) in each seed, at a rate of
    its own (so MW is no single function of the loss across seeds)."""
    frames = []
    for index, direction in enumerate(mw_signs):
        loss = 0.5 - 0.002 * EPOCHS - 1e-4 * index
        mw = 0.4 + direction * (0.001 * (1 + 0.2 * index) * EPOCHS + 1e-5 * EPOCHS**2)
        frames.append(pd.DataFrame({"loss": loss, "meyer_wallach": mw}, index=EPOCHS))
    return frames


def test_smooth_monotone_runs_are_two_trends_not_a_co_movement():
    """rho = +-1 in every seed says only which way each series moved: never a verdict."""
    for signs in ([1, -1] * 5, [1] * 10, [-1] * 10):
        claims = evaluate_claims({"adhoc": _monotone_seeds(signs)}, SETTINGS)
        row = claims.set_index("claim").loc["vqc_mw_vs_loss"]
        assert row["verdict"] == INCONCLUSIVE
        assert f"claimed way in {signs.count(-1)} of 10" in row["evidence"]
        assert "nothing beyond two trends" in row["evidence"]
