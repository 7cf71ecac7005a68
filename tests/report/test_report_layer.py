"""The report layer: one renderer for Markdown and HTML, one publish for folder and run."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.figure_output import Rendered
from qml_entanglement.report import (
    Bullets,
    Figure,
    Report,
    RunRecord,
    Section,
    Table,
    Text,
    publish,
    render_html,
    render_markdown,
)
from qml_entanglement.tracking import ensure_store

PNG = b"\x89PNG fake bytes"


def _report() -> Report:
    figure = Figure("curves_a", "Loss | and Q", Rendered(PNG, b"<svg/>", b"%PDF"))
    return Report(
        "Title <x>",
        [
            Text("from `sqlite:///a.db`", "meta"),
            Text("Headline", "strong"),
            Section(
                "Part",
                [Table(["A", "B|C"], [["1", "x|y"]]), Bullets(["careful"], "caveat"), figure],
                anchor="part",
            ),
            Section("Files", [Bullets(["a.csv"], "code")], level=3),
        ],
        tables={"a.csv": pd.DataFrame({"x": [1.5, 2.0]})},
    )


def test_markdown_draws_every_block_once():
    text = render_markdown(_report())
    assert text.startswith("# Title <x>\n")
    assert "**Headline**" in text
    assert "| A | B\\|C |" in text and "| 1 | x\\|y |" in text  # '|' escaped in cells
    assert "## Part" in text and "### Files" in text
    assert "![Loss | and Q](figures/curves_a.png)" in text
    assert "- `a.csv`" in text


def test_html_is_self_contained_and_escaped():
    page = render_html(_report())
    assert "<title>Title &lt;x&gt;</title>" in page
    assert '<p class="meta">from <code>sqlite:///a.db</code></p>' in page
    assert '<h2 id="part">Part</h2>' in page and "<h3>Files</h3>" in page
    assert '<ul class="caveat">' in page
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(embedded) == PNG
    assert not re.search(r'src="(?!data:)', page)


def test_publish_writes_a_folder_and_points_at_it(tmp_path):
    published = publish(_report(), tmp_path / "out", ["r1", "r2"])
    assert published.run_id is None
    assert (tmp_path / "out").resolve() == published.folder.resolve()
    files = {p.relative_to(published.folder).as_posix() for p in published.folder.rglob("*")}
    assert {"report.md", "report.html", "a.csv", "run_ids.txt"} <= files
    assert {f"figures/curves_a.{f}" for f in ("png", "svg", "pdf")} <= files
    assert (published.folder / "run_ids.txt").read_text() == "r1\nr2\n"
    again = publish(_report(), tmp_path / "out", ["r1"])
    assert again.folder != published.folder and published.folder.exists()  # earlier kept


@pytest.mark.integration
def test_publish_records_a_finished_run_with_the_folder(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ensure_store(uri)
    record = RunRecord(
        uri,
        "atlas",
        tags={"report_name": "atlas"},
        params={"level": "0.95"},
        metrics={"n": 3.0, "undefined": float("nan")},
    )
    published = publish(_report(), tmp_path / "out", ["r1", "r2"], record)
    client = MlflowClient(uri)
    run = client.get_run(published.run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "atlas"
    assert run.data.tags["selected_run_ids"] == "r1,r2"
    assert run.data.params == {"level": "0.95"} and run.data.metrics == {"n": 3.0}
    artifacts = {a.path for a in client.list_artifacts(published.run_id)}
    assert {"report.html", "report.md", "a.csv", "run_ids.txt", "figures"} <= artifacts
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "comparison"
