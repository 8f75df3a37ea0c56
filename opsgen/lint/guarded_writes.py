"""Checks of a row's old value that guard a write of the same field, for the lock rules.

``if product.stock < quantity: raise OutOfStock(...)`` before ``product.stock -=
quantity`` reads the copy in memory. A plain ``update(stock=F("stock") - quantity)``
makes the arithmetic atomic but leaves the check on the copy, so two callers can both
pass it and drive the stock below zero. The remedy is a conditional UPDATE whose WHERE
clause repeats the check (``filter(pk=..., stock__gte=quantity)`` or SQLAlchemy's
``where(Product.stock >= quantity)``) and a caller that treats an update count of 0 as
the failed check.

A check guards a write when it is the test of an ``if`` around the write or of an
``assert`` before it. An earlier ``if`` in the same or an enclosing block counts too when
its body always leaves the block (``raise``, ``return``, ``continue``, ``break``). The
write runs under that test, or under its negation for an early exit.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from opsgen.lint.orm import callee_name

Function = ast.FunctionDef | ast.AsyncFunctionDef
#: Statements that leave the block, so an ``if`` whose body ends with one is an early exit.
ENDS_BLOCK = (ast.Raise, ast.Return, ast.Continue, ast.Break)
#: Each comparison and its negation.
NEGATED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
#: Each comparison with its sides swapped: ``a < b`` is ``b > a``.
MIRRORED: dict[type[ast.cmpop], type[ast.cmpop]] = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq}
#: Django lookups of the comparisons a ``filter()`` can express.
LOOKUPS: dict[type[ast.cmpop], str] = {ast.Lt: "__lt", ast.LtE: "__lte", ast.Gt: "__gt", ast.GtE: "__gte", ast.Eq: "", ast.In: "__in"}
#: SQLAlchemy operators of the same comparisons.
OPERATORS: dict[type[ast.cmpop], str] = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
#: Calls of an update's chain that select its rows: ``filter()``, ``exclude()``, ``Q()``, ``where()``.
SELECTING_CALLS = frozenset({"filter", "exclude", "Q", "where", "filter_by"})


@dataclass(frozen=True)
class FieldCheck:
    """A check of ``row.field`` that guards a write: the test, and the condition the write runs under.

    ``condition`` is None when the condition is not a comparison or a conjunction of
    comparisons, so no WHERE clause can be written from it.
    """

    test: ast.expr
    line: int
    condition: ast.expr | None


def guarding_check(function: Function, row: str, field: str, line: int) -> FieldCheck | None:
    """Return the nearest check of ``row.field`` (``row`` a local name) that guards the statement at ``line``."""
    placed = _statement_at(function.body, line, ())
    if placed is None:
        return None
    _, arms = placed
    found: FieldCheck | None = None
    for statement, block_arms in _statements(function.body, ()):
        if (statement.end_lineno or statement.lineno) >= line or not _encloses(block_arms, arms):
            continue  # a statement that contains the write, or one that runs after it or in another arm
        if isinstance(statement, ast.If) and statement.body and isinstance(statement.body[-1], ENDS_BLOCK) and not statement.orelse:
            if _reads(statement.test, row, field):
                found = FieldCheck(statement.test, statement.lineno, _negate(statement.test))
        elif isinstance(statement, ast.Assert) and _reads(statement.test, row, field):
            found = FieldCheck(statement.test, statement.lineno, statement.test)
    if found is not None:
        return found
    for test, positive in reversed(arms):
        if _reads(test, row, field):
            return FieldCheck(test, test.lineno, test if positive else _negate(test))
    return None


def django_condition(check: FieldCheck, row: str) -> str | None:
    """Return the check as ``filter()`` keywords: ``stock__gte=quantity``, or None when it has no such form.

    A field of the row on the other side becomes ``F("field")``.
    """
    parts = _conjuncts(check.condition, row)
    if parts is None:
        return None
    keywords = []
    for left, operator, right in parts:
        if isinstance(operator, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
            keywords.append(f"{left}__isnull={isinstance(operator, ast.Is)}")
            continue
        suffix = LOOKUPS.get(type(operator))
        if suffix is None:
            return None
        keywords.append(f"{left}{suffix}={ast.unparse(_fields_as(right, row, lambda name: _call('F', name)))}")
    return ", ".join(keywords)


def sqlalchemy_condition(check: FieldCheck, row: str, model: str) -> str | None:
    """Return the check as ``where()`` arguments: ``Product.stock >= quantity``, or None when it has no such form."""
    parts = _conjuncts(check.condition, row)
    if parts is None:
        return None
    clauses = []
    for left, operator, right in parts:
        column = f"{model}.{left}"
        if isinstance(operator, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
            clauses.append(f"{column}.{'is_' if isinstance(operator, ast.Is) else 'is_not'}(None)")
            continue
        value = ast.unparse(_fields_as(right, row, lambda name: ast.Attribute(ast.Name(model, ast.Load()), name, ast.Load())))
        if isinstance(operator, ast.In):
            clauses.append(f"{column}.in_({value})")
        elif type(operator) in OPERATORS:
            clauses.append(f"{column} {OPERATORS[type(operator)]} {value}")
        else:
            return None
    return ", ".join(clauses)


def conditional_update(orm: str, model: str, row: str, field: str, value: str, check: FieldCheck) -> str:
    """Return the UPDATE of ``row.field`` to ``value`` that repeats ``check`` in its WHERE clause.

    ``orm`` is "django" or "sqlalchemy", and ``model`` the model class as written, or ""
    when the load does not name it. A check with no such form is shown as a placeholder.
    """
    if orm == "sqlalchemy":
        model = model or "Model"
        where = sqlalchemy_condition(check, row, model) or "<the check as a column comparison>"
        return f"update({model}).where({model}.id == {row}.id, {where}).values({field}={value})"
    manager = f"{model}.objects." if model else ""
    lookups = django_condition(check, row) or "<the check as lookups>"
    return f"{manager}filter(pk={row}.pk, {lookups}).update({field}={value})"


def selects_by_field(call: ast.Call, field: str) -> bool:
    """Return True when an update's own WHERE clause tests ``field``: ``filter(pk=p.pk,
    stock__gte=n).update(...)`` or ``update(Product).where(Product.stock >= n).values(...)``.

    Such an update is a compare-and-set: it writes nothing when the row no longer passes.
    """
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if receiver is None:
        return False
    for node in ast.walk(receiver):
        if not isinstance(node, ast.Call):
            continue
        if callee_name(node.func) not in SELECTING_CALLS:
            continue
        if any(keyword.arg and _field(keyword.arg.split("__", 1)[0]) == _field(field) for keyword in node.keywords):
            return True
        for argument in node.args:
            for inner in ast.walk(argument):
                if isinstance(inner, ast.Call) and any(k.arg and _field(k.arg.split("__", 1)[0]) == _field(field) for k in inner.keywords):
                    return True  # filter(Q(stock__gte=n))
                if isinstance(inner, ast.Attribute) and _field(inner.attr) == _field(field) and _is_class_name(inner.value):
                    return True  # where(Product.stock >= n)
    return False


def column_expression(value: ast.expr, field: str) -> bool:
    """Return True for a SQLAlchemy value computed by the database from the column itself: ``Product.stock - n``."""
    return any(isinstance(node, ast.Attribute) and node.attr == field and _is_class_name(node.value) for node in ast.walk(value))


def _is_class_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id[:1].isupper()


def _field(name: str) -> str:
    return name[:-3] if name.endswith("_id") else name


def _statements(body: list[ast.stmt], arms: tuple[tuple[ast.expr, bool], ...]) -> Iterator[tuple[ast.stmt, tuple[tuple[ast.expr, bool], ...]]]:
    """Yield each statement of ``body``, nested ones included, with the ``if`` arms around it.

    Nested definitions are not entered: their bodies do not run here.
    """
    for statement in body:
        yield statement, arms
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.If):
            yield from _statements(statement.body, (*arms, (statement.test, True)))
            yield from _statements(statement.orelse, (*arms, (statement.test, False)))
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(statement, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _statements(inner, arms)
        for handler in getattr(statement, "handlers", None) or []:
            yield from _statements(handler.body, arms)
        for case in getattr(statement, "cases", None) or []:
            yield from _statements(case.body, arms)


def _statement_at(
    body: list[ast.stmt], line: int, arms: tuple[tuple[ast.expr, bool], ...]
) -> tuple[ast.stmt, tuple[tuple[ast.expr, bool], ...]] | None:
    """Return the innermost statement that contains ``line``, with the ``if`` arms around it."""
    found = None
    for statement, statement_arms in _statements(body, arms):
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            found = (statement, statement_arms)
    return found


def _encloses(outer: tuple[tuple[ast.expr, bool], ...], inner: tuple[tuple[ast.expr, bool], ...]) -> bool:
    """Return True when every ``if`` arm of ``outer`` is also around ``inner``: a statement in
    ``outer``'s block runs before a later one in ``inner``'s."""
    return len(outer) <= len(inner) and all(a[0] is b[0] and a[1] == b[1] for a, b in zip(outer, inner))


def _reads(test: ast.expr, row: str, field: str) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr == field and isinstance(node.value, ast.Name) and node.value.id == row
        for node in ast.walk(test)
    )


def _negate(test: ast.expr) -> ast.expr | None:
    """Return the negation of a comparison, a ``not``, or an ``and``/``or`` of those; None otherwise."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in NEGATED:
        return ast.Compare(test.left, [NEGATED[type(test.ops[0])]()], test.comparators)
    if isinstance(test, ast.BoolOp):
        negated = [_negate(value) for value in test.values]
        if any(value is None for value in negated):
            return None
        operator: ast.boolop = ast.And() if isinstance(test.op, ast.Or) else ast.Or()
        return ast.BoolOp(operator, [value for value in negated if value is not None])
    return None


def _conjuncts(condition: ast.expr | None, row: str) -> list[tuple[str, ast.cmpop, ast.expr]] | None:
    """Return ``(field, operator, value)`` for each comparison of a row's field in an ``and`` of
    comparisons, the field on the left; None when any part is something else."""
    if condition is None:
        return None
    parts = condition.values if isinstance(condition, ast.BoolOp) and isinstance(condition.op, ast.And) else [condition]
    found = []
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1):
            return None
        left, operator, right = part.left, part.ops[0], part.comparators[0]
        if not _row_field(left, row) and _row_field(right, row) and type(operator) in MIRRORED:
            left, operator, right = right, MIRRORED[type(operator)](), left
        if not isinstance(left, ast.Attribute) or not _row_field(left, row):
            return None
        found.append((left.attr, operator, right))
    return found


def _row_field(node: ast.expr, row: str) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == row


def _call(function: str, name: str) -> ast.expr:
    return ast.Call(ast.Name(function, ast.Load()), [ast.Constant(name)], [])


def _fields_as(value: ast.expr, row: str, replace: Callable[[str], ast.expr]) -> ast.expr:
    """Return ``value`` with each ``row.field`` replaced by ``replace(field)``."""

    class Replace(ast.NodeTransformer):
        def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
            if isinstance(node.value, ast.Name) and node.value.id == row:
                return replace(node.attr)
            return self.generic_visit(node)

    copied = ast.parse(ast.unparse(value), mode="eval").body
    result = Replace().visit(copied)
    assert isinstance(result, ast.expr)
    return result
