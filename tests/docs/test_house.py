"""House rules that a reader relies on: no function in candor/ is over MAX_LINES long, so
each one can be read on a screen."""

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 60


def long_functions(source: str, path: str) -> list[str]:
    """``path:line function (N lines)`` for every function or method in ``source``,
    nested ones included, whose definition (decorators aside) spans more than MAX_LINES
    lines."""
    found = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_LINES:
                found.append(f"{path}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_candor_is_over_the_limit() -> None:
    found = [
        report
        for path in sorted((ROOT / "candor").rglob("*.py"))
        for report in long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not found, f"over {MAX_LINES} lines; split them:\n" + "\n".join(found)


def function(name: str, lines: int, indent: int = 0) -> str:
    """Source of a function ``name`` spanning exactly ``lines`` lines."""
    body = [f"x{i} = {i}" for i in range(lines - 2)]
    text = "\n".join([f"def {name}():", *(f"    {line}" for line in body), "    return 0"])
    return textwrap.indent(text, " " * indent)


def test_the_check_reports_file_function_and_length() -> None:
    at_limit = function("fits", MAX_LINES)
    over = function("too_long", MAX_LINES + 1)
    method = "class Shelf:\n" + function("method", MAX_LINES + 2, indent=4)
    nested = "def outer():\n" + function("inner", MAX_LINES + 1, indent=4) + "\n    return 1"
    assert long_functions(at_limit, "a.py") == []
    assert long_functions(over, "b.py") == [f"b.py:1 too_long ({MAX_LINES + 1} lines)"]
    assert long_functions(method, "c.py") == [f"c.py:2 method ({MAX_LINES + 2} lines)"]
    assert long_functions(nested, "d.py") == [
        f"d.py:1 outer ({MAX_LINES + 3} lines)",
        f"d.py:2 inner ({MAX_LINES + 1} lines)",
    ]
