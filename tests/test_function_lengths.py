"""Guard rails on the size of the code's units (STYLE.md, "Small units"): functions short enough to
read at a glance, files split by responsibility before they grow long. Walks portal/ with `ast`; a
failure names the longest functions and the long files.

A function's length runs from its `def` to its last line: decorators are not counted, its
docstring is (a docstring is never cut to meet the figures)."""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

MEDIAN_MOST = 7
NINETIETH_PERCENTILE_MOST = 18
FILE_LINES_MOST = 350
NAMED = 15  # how many of the longest functions a failure names


def function_lengths(source: str, where: str) -> list[tuple[int, str]]:
    """(length, "file:line name") of every function and method in `source`, nested ones too."""
    return [
        (node.end_lineno - node.lineno + 1, f"{where}:{node.lineno} {node.name}")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def portal_files() -> list[Path]:
    return sorted(PORTAL.rglob("*.py"))


def portal_function_lengths() -> list[tuple[int, str]]:
    return [
        length
        for path in portal_files()
        for length in function_lengths(path.read_text(encoding="utf-8"), str(path.relative_to(PORTAL.parent)))
    ]


def longest(lengths: list[tuple[int, str]]) -> str:
    return "\n".join(f"  {length} {name}" for length, name in sorted(lengths, reverse=True)[:NAMED])


def test_a_function_is_measured_from_def_to_its_last_line_with_its_docstring():
    source = '''
@decorator
@another(with_arguments=True)
def outer(a):
    """Its docstring counts.

    Every line of it."""

    def inner():
        return a

    return inner
'''
    assert sorted(function_lengths(source, "example.py")) == [
        (2, "example.py:9 inner"),
        (9, "example.py:4 outer"),
    ]


def test_half_the_functions_are_at_most_7_lines():
    lengths = portal_function_lengths()
    median = statistics.median(length for length, _ in lengths)
    assert median <= MEDIAN_MOST, (
        f"The median function is {median} lines, over {MEDIAN_MOST}: split the long functions into "
        f"named steps. The longest:\n{longest(lengths)}"
    )


def test_nine_functions_in_ten_are_at_most_18_lines():
    lengths = portal_function_lengths()
    ninetieth = statistics.quantiles((length for length, _ in lengths), n=10, method="inclusive")[-1]
    over = sum(length > NINETIETH_PERCENTILE_MOST for length, _ in lengths)
    assert ninetieth <= NINETIETH_PERCENTILE_MOST, (
        f"The 90th percentile of function lengths is {ninetieth} lines, over {NINETIETH_PERCENTILE_MOST} "
        f"({over} of {len(lengths)} functions are longer): split them into named steps. The longest:\n"
        f"{longest(lengths)}"
    )


def test_no_file_is_over_350_lines():
    lines = {
        str(path.relative_to(PORTAL.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in portal_files()
    }
    long_files = sorted(
        ((count, name) for name, count in lines.items() if count > FILE_LINES_MOST), reverse=True
    )
    assert not long_files, f"Split by responsibility the files over {FILE_LINES_MOST} lines:\n" + "\n".join(
        f"  {count} {name}" for count, name in long_files
    )
