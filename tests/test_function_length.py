"""No function in the package is longer than 60 lines (its docstring not counted; nested
functions count towards the function that holds them): a longer one does more than one thing."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LIMIT = 60


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the end, minus the docstring's."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    value = getattr(first, "value", None)
    if (
        isinstance(first, ast.Expr)
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
    ):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def _long_functions(source: str, limit: int = LIMIT) -> list[tuple[str, int]]:
    return [
        (node.name, _length(node))
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _length(node) > limit
    ]


def test_no_function_is_longer_than_60_lines():
    too_long = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        too_long += [
            f"{relative}:{name} ({n} lines)" for name, n in _long_functions(path.read_text())
        ]
    assert too_long == []


def test_the_count_leaves_out_the_docstring_only():
    body = "".join(f"    x{i} = {i}\n" for i in range(59))
    source = f'def f():\n    """One\n    docstring."""\n{body}\n'
    assert _long_functions(source) == []  # def line + 59 statements = 60
    longer = f"def g():\n{body}    y = 1\n"
    assert _long_functions(longer) == [("g", 61)]
