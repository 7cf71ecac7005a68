"""What a report is made of: text, bullet lists, tables, figures and sections (data only).

A report never knows how it will be printed: :mod:`.render` draws the same blocks as
Markdown and as one self-contained HTML page, and :mod:`.publish` writes the folder and
records it in the tracking store. Inline code is written as in Markdown (```name```); the
HTML renderer turns it into ``<code>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Union

import pandas as pd

from qml_entanglement.figure_output import Rendered

RUN_IDS_FILE = "run_ids.txt"  # every published report lists the runs it read
TextStyle = Literal["plain", "strong", "emphasis", "meta"]
ListStyle = Literal["plain", "caveat", "code"]


@dataclass(frozen=True)
class Text:
    """A paragraph. ``strong``: bold (a headline); ``emphasis``: italic; ``meta``: the small
    grey line under a title (when, from where)."""

    text: str
    style: TextStyle = "plain"


@dataclass(frozen=True)
class Bullets:
    """A bullet list. ``caveat``: italic items; ``code``: each item is a file or key name."""

    items: Sequence[str]
    style: ListStyle = "plain"


@dataclass(frozen=True)
class Table:
    """A displayed table: column titles and rows of already formatted cells (strings)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        columns: Sequence[tuple[str, str]],
        cell: Callable[[pd.Series, str], str] = lambda row, key: str(row[key]),
    ) -> Table:
        """Rows of *frame*; ``columns`` is ``(key, title)``, ``cell(row, key)`` formats one."""
        rows = [[cell(row, key) for key, _ in columns] for _, row in frame.iterrows()]
        return cls([title for _, title in columns], rows)


@dataclass(frozen=True)
class Figure:
    """A rendered figure written as ``figures/<stem>.png``, ``.svg`` and ``.pdf``."""

    stem: str
    caption: str
    rendered: Rendered

    @property
    def png_path(self) -> str:
        """The PNG's path inside the report folder (what the Markdown links to)."""
        return f"figures/{self.stem}.png"


@dataclass(frozen=True)
class Section:
    """A titled part of a report; ``anchor`` is its HTML id; ``level`` 2 (##) or 3 (###)."""

    title: str
    blocks: Sequence[Block]
    anchor: str | None = None
    level: int = 2


Block = Union[Text, Bullets, Table, Figure, Section]  # noqa: UP007 (a runtime alias)


@dataclass(frozen=True)
class Report:
    """A whole report: its title, its blocks in reading order, and the files beside it.

    ``tables``: data written as CSV files (``summary.csv`` -> frame), not displayed unless a
    block shows them; ``texts``: other text files (``run_ids.txt``).
    """

    title: str
    blocks: Sequence[Block]
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)

    @property
    def figures(self) -> list[Figure]:
        """Every figure of the report, in reading order."""
        return list(_figures(self.blocks))

    def file_names(self) -> list[str]:
        """The files a published report holds (what a "Files" section lists)."""
        texts = [name for name in self.texts if name != RUN_IDS_FILE]
        return [
            "report.html",
            "report.md",
            *self.tables,
            *texts,
            RUN_IDS_FILE,
            "figures/ (each figure as PNG, SVG and PDF)",
        ]


def _figures(blocks: Sequence[Block]) -> Iterator[Figure]:
    for block in blocks:
        if isinstance(block, Figure):
            yield block
        elif isinstance(block, Section):
            yield from _figures(block.blocks)
