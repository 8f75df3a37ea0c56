"""Django's ``created`` flag: which saves insert a row, and which receiver code runs only for one.

Django sends ``post_save`` with the keyword argument ``created``: True when ``save()``
inserted the row, False when it updated one. A receiver that guards an effect with
``if created:`` sends it only for inserts, and one with ``if not created:`` only for updates.
The summary records both sides per call, and :class:`opsgen.lint.analysis.Analysis`
matches them: a write that is known to update a row does not reach a receiver's
``if created:`` arm.

Django calls receivers with keyword arguments only (``receiver(signal=..., sender=...,
instance=..., created=...)``), so the flag is the parameter named ``created`` or
``kwargs["created"]`` of a ``**kwargs`` parameter. A parameter of another name in that
position would make Django raise a ``TypeError``, so it is not read as the flag.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

#: Methods that return one row loaded from the database, after a manager or queryset:
#: ``Order.objects.select_for_update().get(pk=pk)``, ``qs.filter(...).first()``. Their
#: ``a``-prefixed asynchronous forms are named for these by the caller.
ROW_LOADS = frozenset({"get", "first", "last", "latest", "earliest"})
#: Manager methods whose ``post_save`` always has ``created=True``. ``get_or_create()``
#: saves only when it inserts. ``update_or_create()`` is left out, since its update
#: sends ``created=False``.
INSERTING_METHODS = frozenset({"create", "get_or_create", "create_user", "create_superuser"})


def flag_value(test: ast.expr, names: Mapping[str, bool], keywords_param: str | None) -> bool | None:
    """Return the value of ``created`` under which ``test`` is true, when ``test`` is the
    flag alone or its negation, or None for any other test.

    ``names`` maps local names to True when they hold the flag and False when they hold
    its negation. ``keywords_param`` is the name of the ``**kwargs`` parameter, if any.
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = flag_value(test.operand, names, keywords_param)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
        constant = test.comparators[0]
        if not (isinstance(constant, ast.Constant) and isinstance(constant.value, bool)):
            return None
        inner = flag_value(test.left, names, keywords_param)
        if inner is None:
            return None
        negated = isinstance(test.ops[0], (ast.IsNot, ast.NotEq))
        return inner if constant.value != negated else not inner
    if isinstance(test, ast.Name):
        return names.get(test.id)
    if keywords_param is not None and _reads_keyword(test, keywords_param):
        return True
    return None


def implied_value(test: ast.expr, names: Mapping[str, bool], keywords_param: str | None) -> bool | None:
    """Return the value of ``created`` that ``test`` being true implies, or None.

    Besides the forms of :func:`flag_value`, an ``and`` implies what any of its operands
    does: ``if created and instance.paid:`` runs its body for inserts only.
    """
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        for operand in test.values:
            value = implied_value(operand, names, keywords_param)
            if value is not None:
                return value
        return None
    return flag_value(test, names, keywords_param)


def always_exits(body: list[ast.stmt]) -> bool:
    """Return True when a block ends in a ``return`` or ``raise``, so the statements after
    the ``if`` that holds it run only when its test is false."""
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def _reads_keyword(node: ast.expr, keywords_param: str) -> bool:
    """Return True for ``kwargs["created"]`` and ``kwargs.get("created"[, default])``."""
    if isinstance(node, ast.Subscript):
        return _is_name(node.value, keywords_param) and _is_created(node.slice)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return _is_name(node.func.value, keywords_param) and bool(node.args) and _is_created(node.args[0])
    return False


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_created(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == "created"
