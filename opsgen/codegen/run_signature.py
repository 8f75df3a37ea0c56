"""The ``run`` definition an implementation should have, and a cheap check that it does.

This module uses only ``ast``, so checking that every implementation is current does not
import LibCST; :mod:`opsgen.codegen.signature` rewrites the ones that are not.
"""

from __future__ import annotations

import ast

from opsgen.codegen.render import define, keyword_params
from opsgen.codegen.view import OperationView


def expected_params(op: OperationView) -> list[str]:
    return ["self", "ctx: ExecutionContext", *keyword_params(op.input_model.fields, False)]


def expected_definition(op: OperationView) -> str:
    return define("    ", "run", expected_params(op), f"{op.stem}Output")


def one_line_definition(op: OperationView) -> str:
    """Return the expected ``def run(...)`` line unwrapped, as messages show it."""
    return f"def run({', '.join(expected_params(op))}) -> {op.stem}Output:"


def _normalized(annotation: str) -> str:
    return ast.unparse(ast.parse(annotation, mode="eval"))


def _find_run(tree: ast.Module, stem: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == stem:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "run":
                    return item
    return None


def is_current(source: str, op: OperationView) -> bool:
    """Return whether ``run`` in ``source`` already has the spec's keyword parameters and return type."""
    if expected_definition(op) in source:
        return True
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    run = _find_run(tree, op.stem)
    if run is None or run.returns is None:
        return False
    arguments = run.args
    if arguments.vararg or arguments.kwarg or arguments.posonlyargs or len(arguments.args) != 2:
        return False
    actual = [(a.arg, ast.unparse(a.annotation) if a.annotation else "") for a in arguments.kwonlyargs]
    expected = [(f.name, _normalized(f.annotation)) for f in op.input_model.fields]
    return actual == expected and ast.unparse(run.returns) == _normalized(f"{op.stem}Output")
