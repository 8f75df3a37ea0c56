"""Families of module-level functions that take a value and return its next version.

Functions that share their first word and the type of their first parameter form a
family of steps (``apply_shipping(cart: Cart) -> Cart``, ``apply_tax(cart: Cart) ->
Cart``), which callers chain: ``cart = apply_tax(apply_shipping(cart, zone), rate)``. A
member that changes its argument in place and returns None breaks the chain, and a caller
that writes ``cart = apply_voucher(cart, voucher)`` like the others goes on with None.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint.orm import scope_nodes

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class InPlaceStep:
    """A step that changes its first argument in place, and the family members that return a new value."""

    function: Function
    parameter: str
    value_type: str
    returning: tuple[Function, ...]


def in_place_steps(tree: ast.Module) -> Iterator[InPlaceStep]:
    """Yield the module-level functions that change their first argument in place and
    return None, in a family of three or more whose other members, two or more, return
    a value of the first parameter's annotated type."""
    families: dict[tuple[str, str], list[Function]] = defaultdict(list)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_") and "_" in node.name:
            first = node.args.args[0] if node.args.args else None
            if first is not None and first.annotation is not None:
                families[(node.name.partition("_")[0], ast.unparse(first.annotation))].append(node)
    for (_, value_type), members in families.items():
        if len(members) < 3:
            continue
        returning = tuple(member for member in members if member.returns is not None and ast.unparse(member.returns) == value_type)
        if len(returning) < 2:
            continue
        for member in members:
            if member not in returning and _returns_none(member) and _changes_argument(member, member.args.args[0].arg):
                yield InPlaceStep(member, member.args.args[0].arg, value_type, returning)


def _returns_none(function: Function) -> bool:
    """Return True when the function is annotated ``-> None``, or returns no value at all."""
    if function.returns is not None:
        return isinstance(function.returns, ast.Constant) and function.returns.value is None
    return not any(isinstance(node, ast.Return) and node.value is not None for node in scope_nodes(function.body))


def _changes_argument(function: Function, parameter: str) -> bool:
    """Return True when the body assigns to an attribute or item of ``parameter``."""
    for node in scope_nodes(function.body):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)) and isinstance(target.value, ast.Name) and target.value.id == parameter:
                return True
    return False
