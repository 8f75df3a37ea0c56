"""Numbers that a project function reads from a maximum or a count and returns, for OPS205.

``def next_order_reference(): return Order.objects.aggregate(top=Max("reference"))["top"] + 1``
hands its caller the next number. A caller that inserts a row with it
(``Order.objects.create(reference=next_order_reference())``) numbers the row from a
maximum read without a lock, as surely as if it read the maximum itself.

The function is found through the call summaries, as :mod:`opsgen.lint.returned_rows`
finds a helper that returns a row. Its body is read by the rule, which passes a
``reader`` that returns what the function reads and whether the returned value already
adds a number. The result is kept per function for the analysis.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from opsgen.lint.analysis import Analysis
from opsgen.lint.returned_rows import called_project_function, project_call_target
from opsgen.lint.rule import ModuleContext
from opsgen.lint.summary import FunctionSummary, function_node

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class ReturnedNumber:
    """A number a project function reads and returns: ``source`` as the message shows it,
    and whether the returned value is already the next number (``next``) or the bare
    maximum or count. ``path``, ``line`` and ``column`` give the read, ``orm`` the ORM it
    goes through, or None."""

    helper: str
    source: str
    next: bool
    path: str
    line: int
    column: int
    orm: str | None


#: A reader's result for one function: the source, whether the value adds a number,
#: the statement that reads it, and the ORM of the read.
Read = tuple[str, bool, ast.stmt, str | None]
Reader = Callable[[ModuleContext, Function], Read | None]

#: analysis -> function -> its returned number, or None, and the files read to find it
_numbers: WeakKeyDictionary[Analysis, dict[str, tuple[ReturnedNumber | None, frozenset[str]]]] = WeakKeyDictionary()


#: analysis -> (project function, calls deep) -> whether it may return a number it read
_helpers: WeakKeyDictionary[Analysis, dict[tuple[str, int], bool]] = WeakKeyDictionary()
#: How many calls deep a number is followed: a function that reads it, and one that
#: returns the result of such a function.
MAX_HELPER_DEPTH = 2
#: A test of a function's summary: whether it reads a maximum or a count itself.
ReadsNumber = Callable[[FunctionSummary], bool]


def calls_number_helper(analysis: Analysis, function: FunctionSummary, reads_number: ReadsNumber) -> bool:
    """Return True when ``function`` uses the result of a call of a project function that may
    return a number it read. A caller that calls none gets no such number, so its body is
    not read."""
    return any(
        call.result_used and call.target and _returns_number(analysis, project_call_target(analysis, call), reads_number, MAX_HELPER_DEPTH)
        for call in function.calls
    )


def _returns_number(analysis: Analysis, qualname: str | None, reads_number: ReadsNumber, depth: int) -> bool:
    """Return True when the project function ``qualname`` may return a number it read: it
    reads a maximum or a count itself (``reads_number`` decides from its summary), or uses the
    result of a call of such a function, up to ``depth`` calls deep."""
    if qualname is None or depth <= 0:
        return False
    cache = _helpers.setdefault(analysis, {})
    key = (qualname, depth)
    found = cache.get(key)
    if found is not None:
        return found
    entry = analysis.index.functions.get(qualname)
    if entry is None:
        return False
    function = entry[1]
    cache[key] = False  # a call cycle ends here
    found = reads_number(function) or any(
        call.result_used and call.target and _returns_number(analysis, project_call_target(analysis, call), reads_number, depth - 1)
        for call in function.calls
    )
    cache[key] = found
    return found


def returned_number(module: ModuleContext, value: ast.expr, reader: Reader, reads_number: ReadsNumber) -> ReturnedNumber | None:
    """Return the number that ``value``, a call of a project function in ``module``, returns.

    Only a function that may return a number by its summary (:func:`calls_number_helper`)
    is read, with ``reader``. The file of a function read is added to
    ``module.read_paths``, so the caller's findings follow a change of its body.
    """
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call) or not isinstance(value.func, (ast.Name, ast.Attribute)):
        return None
    helper = called_project_function(module, value)
    if helper is None or not _returns_number(module.analysis, helper, reads_number, MAX_HELPER_DEPTH):
        return None
    entry = module.index.functions.get(helper)
    if entry is None:
        return None
    summary, function = entry
    cache = _numbers.setdefault(module.analysis, {})
    if helper not in cache:
        cache[helper] = (None, frozenset({summary.path}))  # a call cycle ends here
        context = ModuleContext(module.index, summary)
        found = _read_function(context, function, reader)
        cache[helper] = (found, frozenset({summary.path, *context.read_paths}))
    found, paths = cache[helper]
    module.read_paths.update(paths)
    return found


def _read_function(context: ModuleContext, function: FunctionSummary, reader: Reader) -> ReturnedNumber | None:
    tree = context.project_tree(context.path)
    if tree is None:
        return None
    node = function_node(tree, function)
    if node is None:
        return None
    found = reader(context, node)
    if found is None:
        return None
    source, adds, statement, orm = found
    return ReturnedNumber(function.qualname, source, adds, context.path, statement.lineno, statement.col_offset, orm)
