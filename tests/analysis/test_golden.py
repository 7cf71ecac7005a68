"""`make compare` and `make study` give the same outputs as before the analysis stage was
redrawn (issue 25): the same CSV tables, figure files and verdicts on a fixed store.

The golden files under ``tests/analysis/golden/`` were produced by the pre-refactor code at
commit 0dedd46 with ``python tests/analysis/golden_outputs.py`` on the stores of
``golden_store.py``. They are a regression oracle, not a proof of correctness: the numbers in
them are checked against independent computations by the tests of ``tests/compare`` and
``tests/study``; here only "unchanged by the refactoring" is asserted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from golden_outputs import (  # noqa: E402
    COMPARE_TABLES,
    GOLDEN,
    STUDY_TABLES,
    figure_names,
    run_compare,
    run_study,
    tables,
)


def _golden_table(kind: str, name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / f"{kind}_{name}")


def _assert_same(kind: str, folder: Path, names: tuple[str, ...]) -> None:
    for name, frame in tables(folder, names).items():
        expected = _golden_table(kind, name)
        pd.testing.assert_frame_equal(
            frame.reset_index(drop=True),
            expected,
            check_exact=False,
            rtol=1e-9,
            atol=1e-12,
            check_dtype=False,
            obj=f"{kind} {name}",
        )
    golden_figures = json.loads((GOLDEN / f"{kind}_figures.json").read_text())
    assert figure_names(folder) == golden_figures


def test_the_comparison_report_is_unchanged(tmp_path):
    folder = run_compare(tmp_path)
    _assert_same("compare", folder, COMPARE_TABLES)
    page = (folder / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(figure_names(folder)) // 3


def test_the_study_report_is_unchanged(tmp_path):
    folder = run_study(tmp_path)
    _assert_same("study", folder, STUDY_TABLES)
    claims = pd.read_csv(folder / "claims.csv")
    verdicts = dict(zip(claims["claim"], claims["verdict"], strict=True))
    assert verdicts == json.loads((GOLDEN / "study_verdicts.json").read_text())


@pytest.mark.parametrize("kind", ["compare", "study"])
def test_the_golden_files_are_not_empty(kind):
    """A golden file that recorded nothing would make the comparison above vacuous."""
    names = COMPARE_TABLES if kind == "compare" else STUDY_TABLES
    filled = [n for n in names if not _golden_table(kind, n).empty]
    assert len(filled) >= (4 if kind == "compare" else 3)
