"""The study report as data: the blocks of :mod:`qml_entanglement.report` built from the
claims, the variants and the figures (``report.md`` and the self-contained ``report.html``,
drawn by the one renderer)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from qml_entanglement.report import Block, Bullets, Figure, Report, Section, Table, Text
from qml_entanglement.study.claims import CLAIMS
from qml_entanglement.study.settings import StudySettings

TITLE = "The write-up, reproduced and tested"

WHAT_THE_CODE_DID = (
    "Bell toy: RY(theta) then CNOT, cost (p00 - p11)^2, update angle <- angle - 1.29 deg x cost "
    "(not a gradient step) from angle 0 for 500 evaluations; its 'von Neumann entropy' is that "
    "of the whole pure state, always 0 up to rounding.",
    "VQC: ZZFeatureMap(2, reps=1) + RealAmplitudes(2, reps=1), parity readout, sigmoid cost with "
    "R = 200 on exact probabilities, qiskit-aqua ADAM (lr 1e-3, beta2 0.99, 50 iterations) with "
    "forward-difference gradients of step 1e-10, initial angles 2 pi U[0,1) from seed 137.",
    "Its loss curve has one point per function evaluation (5 per iteration), hence 'steps'.",
    "Its Meyer-Wallach curve is Q of one point x = [0.5, 0.9] (not in the data) evaluated with "
    "ADAM's first moment m_t in place of the parameters, from the list of non-zero amplitudes; "
    "its von Neumann entropy curve is rounding noise around 1e-15 bits.",
    "Blobs: make_blobs defaults (random centres, std 1.0), unscaled, unstratified 75/25 split; "
    "the std is never varied although the text says so.",
)

VARIANT_COLUMNS = (
    ("variant", "Variant"),
    ("runs", "Runs"),
    ("epochs", "Epochs"),
    ("final_loss", "Final loss"),
    ("final_train_accuracy", "Train acc."),
    ("feature_map_meyer_wallach", "Q of feature map"),
    ("meyer_wallach_start", "Q at step 0"),
    ("meyer_wallach_change", "ΔQ (CI)"),
    ("meyer_wallach_change_mde", "MDE of ΔQ (80%)"),
    ("meyer_wallach_change_power_at_published", "Power at the write-up's ΔQ"),
    ("meyer_wallach_change_seeds_needed", "Seeds for 80%"),
    ("meyer_wallach_change_tost_p", "TOST p (±margin)"),
    ("published_meyer_wallach_change", "Published ΔQ (CI)"),
    ("von_neumann_entropy_change", "ΔS bits (CI)"),
    ("class_separation_std", "Centre distance / std"),
)


def _num(value: object, digits: int = 3) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.{digits}g}"
    return str(value)


def _cell(row: pd.Series, key: str) -> str:
    if key not in row:
        return "n/a"
    if key.endswith("_change"):
        low, high = row.get(f"{key}_ci_low"), row.get(f"{key}_ci_high")
        return f"{_num(row[key])} [{_num(low)}, {_num(high)}]"
    if key.endswith("power_at_published"):
        value = row[key]
        return f"{value:.0%}" if isinstance(value, float) and math.isfinite(value) else "n/a"
    return _num(row[key])


def variant_table(table: pd.DataFrame) -> Table:
    """The variants, one row each, the changes with their intervals."""
    return Table.from_frame(table, VARIANT_COLUMNS, _cell)


CLAIM_HEADER = ["Claim", "The write-up says", "Verdict", "Evidence", "What the seeds could detect"]


def _verdict_cell(row) -> str:
    """The verdict; an inconclusive one says how many seeds the write-up's effect would need."""
    needed = getattr(row, "seeds_needed", math.nan)
    if row.verdict == "inconclusive" and isinstance(needed, float) and math.isfinite(needed):
        return f"inconclusive (80% power at the write-up's effect needs about {needed:.0f} seeds)"
    return row.verdict


def claim_table(claims: pd.DataFrame) -> Table:
    """Each claim: what the write-up says, the verdict, the evidence, what the seeds could
    detect."""
    rows = []
    for row in claims.itertuples():
        statement = getattr(row, "power_statement", "")
        statement = statement if isinstance(statement, str) else ""
        said = CLAIMS[row.claim].text if row.claim in CLAIMS else ""
        rows.append([row.claim, said, _verdict_cell(row), row.evidence, statement])
    return Table(CLAIM_HEADER, rows)


HALVES_HEADER = ["Claim", "All seeds", "First half", "Second half", "Agree"]


def _halves_rows(halves: pd.DataFrame) -> list[list[str]]:
    """Per claim: the verdict on all seeds and on each half, with the effect and interval."""

    def side(row: pd.Series, which: str) -> str:
        effect = row[f"effect_{which}"]
        interval = ""
        if isinstance(effect, float) and math.isfinite(effect):
            interval = (
                f": {_num(effect)} [{_num(row[f'ci_low_{which}'])}, "
                f"{_num(row[f'ci_high_{which}'])}]"
            )
        return f"{row[f'verdict_{which}']} (seeds {row[f'seeds_{which}']}){interval}"

    return [
        [
            r["claim"],
            r["verdict_all"],
            side(r, "first"),
            side(r, "second"),
            "yes" if r["agree"] else "NO",
        ]
        for _, r in halves.iterrows()
    ]


def halves_sentence(halves: pd.DataFrame) -> str:
    """Whether the verdicts of the two disjoint halves of the seeds agree."""
    disagree = [str(c) for c, a in zip(halves["claim"], halves["agree"], strict=True) if not a]
    if not disagree:
        return (
            f"The two disjoint halves of the seeds give the same verdict for all {len(halves)} "
            "claims."
        )
    return (
        f"The two disjoint halves of the seeds disagree on {len(disagree)} of {len(halves)} "
        f"claims ({', '.join(disagree)}): those verdicts do not replicate on new seeds."
    )


def headline(claims: pd.DataFrame) -> str:
    """One sentence: how many of the write-up's claims survive."""
    counts = claims["verdict"].value_counts()
    parts = [f"{counts[v]} {v.replace('_', ' ')}" for v in counts.index]
    return f"Of the write-up's {len(claims)} claims, tested on our runs: {', '.join(parts)}."


def _method(s: StudySettings) -> str:
    low, high = s.period
    return (
        f"Verdicts are computed, not written: the claimed pattern is tested on the write-up's "
        f"own quantity (logged as published_*) and on the correct one. Seeds are the "
        f"replicates: changes over training get a t interval over seeds ({s.level:.0%}), the "
        f"minimum detectable change at {s.power:.0%} power (noncentral t, from the observed "
        f"spread), the power at the write-up's own change ({s.published_change:g}) and the "
        f"seeds that would need, and an equivalence test (TOST) against "
        f"±{s.equivalence_margin:g}; co-movement with the loss is the per-seed correlation of "
        f"the two series' steps around their own trends (two independent trends do not pass "
        f"it), with a p-value from the effective sample size, pooled over seeds with a Fisher-z "
        f"interval; an exact monotone relation with the loss is an identity, not evidence; "
        f"periodicity is a periodogram peak at {low:g}-{high:g} epochs tested "
        f"against AR(1) red noise with {s.n_sim} simulated series per run and Fisher-combined "
        f"over seeds. identity = holds by construction; supported = the correct measurement "
        f"shows the pattern; artefact = it does not, but the published quantity does or is "
        f"rounding noise; not_supported = the correct measurement contradicts it; equivalent = "
        f"the change is shown to lie within ±{s.equivalence_margin:g}; inconclusive = none of "
        f"these (the row says what the seeds could have detected). No p-value is 0: each is "
        f"floored at 2/n_eff!, the most a test on n_eff independent points can show."
    )


def _halves_section(halves: pd.DataFrame | None) -> list[Block]:
    if halves is None:
        return []
    table = Table(HALVES_HEADER, _halves_rows(halves))
    blocks = [Text(halves_sentence(halves), "strong"), table]
    return [Section("Two disjoint halves of the seeds", blocks, "halves")]


def study_report(
    claims: pd.DataFrame,
    variants: pd.DataFrame,
    drawn: Sequence[Figure],
    meta: str,
    settings: StudySettings,
    tables: dict[str, pd.DataFrame],
    halves: pd.DataFrame | None = None,
) -> Report:
    """The report: the claims with their verdicts and how they were reached, the halves (if
    any), what the write-up's code did, the variants, and the figures side by side."""
    blocks: list[Block] = [
        Text(meta, "meta"),
        Text(headline(claims), "strong"),
        Section("Claims", [claim_table(claims), Text(_method(settings))], "claims"),
        *_halves_section(halves),
        Section("What the write-up's code did", [Bullets(list(WHAT_THE_CODE_DID))], "code"),
        Section("Variants (faithful and controls)", [variant_table(variants)], "variants"),
        Section(
            "Figures: as published (left) vs measured correctly (right)", list(drawn), "figures"
        ),
    ]
    return Report(TITLE, blocks, tables)
