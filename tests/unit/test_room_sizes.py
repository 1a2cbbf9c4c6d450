"""Rooms of one job stay small: no module of the product over 300 lines (Python or the web app's
scripts), no Python function over 60. A module that grows past it is doing a second job."""

from __future__ import annotations

import ast
from pathlib import Path

import cruddur

SOURCE = Path(cruddur.__file__).parent
MODULE_LINES = 300
FUNCTION_LINES = 60


def test_no_module_is_over_300_lines():
    modules = [*SOURCE.rglob("*.py"), *SOURCE.rglob("*.js")]
    assert len(modules) > 100
    long = {
        str(path.relative_to(SOURCE)): lines
        for path in modules
        if (lines := len(path.read_text().splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_60_lines():
    long = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > FUNCTION_LINES:
                    long[f"{path.relative_to(SOURCE)}:{node.name}"] = lines
    assert long == {}
