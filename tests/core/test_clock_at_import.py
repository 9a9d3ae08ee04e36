"""Nothing reads the clock when its module is imported.

A date taken at import is the day the process (or the test session) started, not the day it
is used: a test session that crosses midnight in Brussels paid and refunded on the new day and
exported up to the old one (CI, 2026-12-06). A server would likewise keep yesterday's date.
Today is read when it is needed: inside a function, a fixture or a lambda.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOCK = {"localdate", "now", "today", "utcnow", "monotonic"}
#: Read the clock only when called without arguments: ``time.time()``, ``localtime()``
#: (``time(18, 0)`` makes an hour, ``localtime(moment)`` converts one).
CLOCK_WITHOUT_ARGUMENTS = {"time", "localtime"}


def _reads_of_the_clock(tree: ast.Module):
    """Yield the line of each clock call evaluated at import: module and class bodies,
    decorators and default values, but not function bodies or lambdas."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            pending += node.decorator_list + node.args.defaults
            pending += [d for d in node.args.kw_defaults if d is not None]
            continue
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            bare = not node.args and not node.keywords
            if name in CLOCK or (bare and name in CLOCK_WITHOUT_ARGUMENTS):
                yield node.lineno
        pending += list(ast.iter_child_nodes(node))


def _modules():
    for folder in ("src/regie", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_reads_the_clock_when_imported():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in _modules()
        if (lines := list(_reads_of_the_clock(ast.parse(path.read_text(encoding="utf-8")))))
    }
    assert found == {}, "these modules read the clock at import (file: lines)"


def test_the_check_sees_a_date_taken_at_import_and_not_one_taken_later():
    taken_at_import = """
TODAY = timezone.localdate()
class Days:
    start = date.today()
def pay(day=timezone.now()):
    pass
STARTED = time.time()
"""
    taken_later = """
def today():
    return timezone.localdate()
later = lambda: timezone.now()
SIX = time(18, 0)
class Days:
    def start(self):
        return date.today()
"""
    assert list(_reads_of_the_clock(ast.parse(taken_at_import))) == [7, 5, 4, 2]
    assert list(_reads_of_the_clock(ast.parse(taken_later))) == []
