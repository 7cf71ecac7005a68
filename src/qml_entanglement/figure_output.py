"""Every figure the project writes, in one print-friendly style and three formats.

PNG for web pages and the MLflow UI, SVG (text as text) and PDF (fonts embedded as Type 42)
for papers; the vector formats carry no creation date, so the same figure gives the same bytes.
Figures are :class:`matplotlib.figure.Figure` objects (no pyplot state, no display).
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib loads on first use: configs import FORMATS from here
    from matplotlib.figure import Figure

FORMATS = ("png", "svg", "pdf")
logging.getLogger("fontTools").setLevel(logging.WARNING)  # embedding fonts logs every table
STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def figure_style(**changes):
    """Context in which figures are drawn in the project's style (``with figure_style(): ...``);
    ``changes`` override single settings (e.g. ``**{"axes.grid": False}`` for a heatmap)."""
    import matplotlib

    return matplotlib.rc_context({**STYLE, **changes})


def styled(function: Callable) -> Callable:
    """Decorator: ``function`` creates, draws and renders its figure in the project's style."""

    @functools.wraps(function)
    def draw(*args, **kwargs):
        with figure_style():
            return function(*args, **kwargs)

    return draw


@dataclass(frozen=True)
class Rendered:
    """One figure in every format (``png`` for the HTML page, ``svg``/``pdf`` for papers)."""

    png: bytes | None
    svg: bytes | None = None
    pdf: bytes | None = None

    def write(self, stem: Path) -> list[Path]:
        """``<stem>.png``, ``.svg`` and ``.pdf`` (those rendered); return their paths."""
        paths = []
        for fmt in FORMATS:
            if getattr(self, fmt) is None:
                continue
            path = stem.with_name(f"{stem.name}.{fmt}")
            path.write_bytes(getattr(self, fmt))
            paths.append(path)
        return paths


def render(figure: Figure, dpi: int, formats: Sequence[str] = FORMATS) -> Rendered:
    """Render *figure* to PNG, SVG and PDF bytes (fonts as text in SVG, Type 42 in PDF), or to
    those of ``formats``."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = {}
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        for fmt in formats:
            buffer = io.BytesIO()
            figure.savefig(
                buffer,
                format=fmt,
                dpi=dpi if fmt == "png" else max(dpi, 150),
                metadata={"Date": None} if fmt in ("svg", "pdf") else None,
            )
            out[fmt] = buffer.getvalue()
    return Rendered(**out)
