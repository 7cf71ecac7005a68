"""The one report layer of every analysis stage (``make compare``, ``make study``,
``make atlas``).

A report is data: a :class:`Report` holds a title and a list of blocks -- :class:`Text`,
:class:`Bullets`, :class:`Table`, :class:`Figure` (a rendered figure in PNG/SVG/PDF,
:func:`qml_entanglement.figure_output.render`) and :class:`Section` (a titled list of blocks)
-- plus the data files written beside it (``tables``: name -> DataFrame, written as CSV;
``texts``: name -> text). The statistics never know how they will be printed; the renderer
(:mod:`.render`: Markdown, one self-contained HTML page, the folder) never computes.

A new report is one function that builds the blocks from its analysis results, then one call
to :func:`publish`::

    from qml_entanglement.report import Figure, Report, RunRecord, Section, Table, Text, publish

    report = Report(
        "Design-space atlas",
        [
            Text("Generated ... from `sqlite:///mlruns/mlflow.db`.", "meta"),
            Text("One sentence: what the report found.", "strong"),
            Section("Effects", [Table(["Design", "Effect [95% CI]"], rows)], anchor="effects"),
            Figure("forest_meyer_wallach", "Pooled effect per design", rendered),
        ],
        tables={"effects.csv": frame},
    )
    published = publish(
        report,
        Path("reports/atlas"),            # a link to reports/atlas-<time>/, earlier kept
        run_ids,                          # the runs it read: run_ids.txt and a tag
        RunRecord(tracking_uri, "atlas", params={...}, metrics={...}),  # or None: no run
    )
    published.folder, published.run_id

:func:`publish` writes ``report.md``, ``report.html``, ``figures/<stem>.{png,svg,pdf}``, the
CSVs and ``run_ids.txt`` into a new folder, points the directory at it, and records it as a
run of the MLflow experiment ``comparison`` (the MLflow calls live in
:mod:`qml_entanglement.tracking.report_run`).
"""

from .elements import Block, Bullets, Figure, Report, Section, Table, Text
from .publish import Published, RunRecord, metric_key, publish
from .render import md_table, render_html, render_markdown, write_report

__all__ = [
    "Block",
    "Bullets",
    "Figure",
    "Published",
    "Report",
    "RunRecord",
    "Section",
    "Table",
    "Text",
    "md_table",
    "metric_key",
    "publish",
    "render_html",
    "render_markdown",
    "write_report",
]
