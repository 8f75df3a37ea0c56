"""Read which names a LibCST node reads or changes, for the autofix's safety checks."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst


def names_in(node: cst.CSTNode) -> set[str]:
    """Return the plain names ``node`` reads (``a.b(c[d])`` -> ``{a, c, d}``)."""
    found: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

    node.visit(Collector())
    return found


def _base_name(target: cst.BaseExpression) -> Iterator[str]:
    """Yield the names an assignment target rebinds or stores into."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Attribute, cst.Subscript)):
        yield from _base_name(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _base_name(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _base_name(target.value)


def stored_names(node: cst.CSTNode) -> set[str]:
    """Return the names that ``node`` rebinds, or whose attributes or items it stores to or deletes."""
    found: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
            found.update(_base_name(target.target))

        def visit_AugAssign(self, statement: cst.AugAssign) -> None:
            found.update(_base_name(statement.target))

        def visit_AnnAssign(self, statement: cst.AnnAssign) -> None:
            if statement.value is not None:
                found.update(_base_name(statement.target))

        def visit_NamedExpr(self, expression: cst.NamedExpr) -> None:
            found.update(_base_name(expression.target))

        def visit_For(self, statement: cst.For) -> None:
            found.update(_base_name(statement.target))

        def visit_AsName(self, alias: cst.AsName) -> None:
            if isinstance(alias.name, cst.BaseExpression):
                found.update(_base_name(alias.name))

        def visit_Del(self, statement: cst.Del) -> None:
            found.update(_base_name(statement.target))

        def visit_FunctionDef(self, definition: cst.FunctionDef) -> bool:
            found.add(definition.name.value)
            return False

        def visit_ClassDef(self, definition: cst.ClassDef) -> bool:
            found.add(definition.name.value)
            return False

    node.visit(Collector())
    return found
