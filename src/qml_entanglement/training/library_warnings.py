"""Library warnings during a run, summarised in one line instead of one line each.

A library warning repeated every epoch (scipy's COBYLA once printed ``Invalid RHOEND`` 26 times
per run: 520 of a 20-job sweep's 559 lines) buries what the run says. Inside
:func:`summarised_warnings` every warning is recorded, none printed; at the end one line says
how many there were and quotes the most frequent one (category, source module, message).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def summary_line(caught: list[warnings.WarningMessage]) -> str | None:
    """``"3 library warnings (2 kinds); most frequent, 2x: UserWarning from scipy: ..."``, or
    None when there were none."""
    if not caught:
        return None
    texts = [str(w.message).splitlines()[0] for w in caught]
    # one kind whatever numbers the text carries ("it is set to 1e-06")
    keys = [
        (w.category.__name__, _source(w.filename), _NUMBER.sub("#", t))
        for w, t in zip(caught, texts, strict=True)
    ]
    kinds = Counter(keys)
    kind, count = kinds.most_common(1)[0]
    category, source, message = kind[0], kind[1], texts[keys.index(kind)]
    noun = "warning" if len(caught) == 1 else "warnings"
    return (
        f"{len(caught)} library {noun} ({len(kinds)} kind{'s' * (len(kinds) > 1)}); most "
        f"frequent, {count}x: {category} from {source}: {message}"
    )


def _source(filename: str) -> str:
    """The top-level package a warning came from (``scipy``), else the file's name."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return Path(filename).name


@contextmanager
def summarised_warnings(run_name: str) -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings the block would have printed (the process's filters still decide:
    a warning Python hides, such as a library's DeprecationWarning, stays hidden and uncounted);
    print their one-line summary (stderr) when it ends."""
    with warnings.catch_warnings(record=True) as caught:
        try:
            yield caught
        finally:
            line = summary_line(caught)
            if line:
                print(f"{run_name}: {line}", file=sys.stderr, flush=True)
