"""Project decorators that run the decorated function after the transaction commits.

A project writes its own deferral decorator::

    def deferred(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            transaction.on_commit(partial(func, *args, **kwargs))
        return wrapper

A call of a function decorated with it, inside ``atomic()``, only registers the call
with ``on_commit``, so the function's side effects wait for the commit. The decorator
counts when a function nested in it hands the decorated function to
``transaction.on_commit()``: by its name, as ``partial(func, ...)``, or as ``lambda:
func(...)``. The decorated function is a parameter of the decorator, or of a function
between the decorator and the wrapper when the decorator is a factory
(``@deferred(using="other")``). The ``deferral-wrappers`` setting names decorators that
the linter cannot read, such as ones from another package.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from opsgen.lint import knowledge
from opsgen.lint.index import ProjectIndex
from opsgen.lint.summary import function_node

Function = ast.FunctionDef | ast.AsyncFunctionDef
NESTED = ".<locals>."


def defers_decorated_function(index: ProjectIndex, qualname: str, canonical: Callable[[str], str]) -> bool:
    """Return True when the project function ``qualname`` is a decorator whose wrapper hands
    the decorated function to ``transaction.on_commit()``.

    The summaries pick the candidates: a function nested in ``qualname`` must call
    ``on_commit``. Only then is the module's syntax tree read. ``canonical`` resolves a
    re-exported name to its definition, as ``Analysis.canonical`` does.
    """
    entry = index.functions.get(qualname)
    if entry is None:
        return False
    module, function = entry
    prefix = qualname + NESTED
    positions = {
        (call.line, call.column)
        for nested in module.functions.values()
        if nested.qualname.startswith(prefix)
        for call in nested.calls
        if call.target and canonical(call.target) in knowledge.DEFERRALS
    }
    if not positions:
        return False
    tree = index.tree(module.path)
    if tree is None:
        return False
    node = function_node(tree, function)
    if node is None:
        return False
    for call, enclosing in _calls_with_functions(node, (node,)):
        if (call.lineno, call.col_offset) not in positions or not call.args:
            continue
        passed = _passed_function(call.args[0])
        # The wrapper itself is the innermost function: its parameters are the call's arguments.
        outer = {argument.arg for function_node in enclosing[:-1] for argument in _parameters(function_node)}
        if passed is not None and passed in outer:
            return True
    return False


def _calls_with_functions(node: ast.AST, enclosing: tuple[Function, ...]) -> Iterator[tuple[ast.Call, tuple[Function, ...]]]:
    """Yield each call below ``node`` with the functions around it, outermost first."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _calls_with_functions(child, (*enclosing, child))
            continue
        if isinstance(child, ast.Call):
            yield child, enclosing
        yield from _calls_with_functions(child, enclosing)


def _passed_function(argument: ast.expr) -> str | None:
    """Return the name of the function that a callable argument runs: ``func``,
    ``partial(func, ...)`` or ``lambda: func(...)``; None for anything else."""
    if isinstance(argument, ast.Lambda) and isinstance(argument.body, ast.Call):
        argument = argument.body.func
    elif isinstance(argument, ast.Call) and argument.args and _is_partial(argument.func):
        argument = argument.args[0]
    return argument.id if isinstance(argument, ast.Name) else None


def _is_partial(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "partial") or (isinstance(func, ast.Attribute) and func.attr == "partial")


def _parameters(function: Function) -> list[ast.arg]:
    arguments = function.args
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
