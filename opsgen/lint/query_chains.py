"""Method chains of ORM queries: their steps, and the model of the row a SQLAlchemy load returns.

The summary types a local bound to a row through its model, so that after
``wallet = session.get(Wallet, pk, with_for_update=True)`` the call ``wallet.withdraw()``
links to ``Wallet.withdraw``. These loads name the model:

* ``session.get(Wallet, pk)``, ``session.get_one(...)`` and Flask-SQLAlchemy's
  ``db.get_or_404(...)``;
* ``session.query(Wallet)`` and ``Wallet.query``, then query steps, then ``one()``,
  ``one_or_none()``, ``first()`` or ``get(pk)``;
* ``session.execute(select(Wallet)...)`` then ``scalar_one()``, ``scalar_one_or_none()``
  or ``scalar()``, or ``scalars()`` then ``one()``, ``one_or_none()`` or ``first()``;
* ``session.scalars(select(Wallet)...)`` then ``one()``, ``one_or_none()`` or ``first()``,
  and ``session.scalar(select(Wallet)...)``.

A query or a ``select()`` of more than one entity or of columns gives no model, and so
does ``session.execute(...).one()``, which returns a ``Row`` tuple.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from opsgen.lint.knowledge import sync_method

#: Session methods that return the row of the model passed as their first argument.
ROW_BY_KEY = frozenset({"get", "get_one", "get_or_404"})
#: ``Query`` methods that return one of its rows, Flask-SQLAlchemy's included.
ROW_OF_QUERY = frozenset({"one", "one_or_none", "first", "get", "get_or_404", "first_or_404", "one_or_404"})
#: ``ScalarResult`` methods that return one of its rows.
ROW_OF_SCALARS = frozenset({"one", "one_or_none", "first"})
#: ``Result`` methods that return the first column of one row.
SCALAR_OF_RESULT = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})
#: The last call of every load that names its model.
ROW_TERMINALS = ROW_BY_KEY | ROW_OF_QUERY | ROW_OF_SCALARS | SCALAR_OF_RESULT
#: ``Query`` steps that keep the entity the query selects.
ENTITY_STEPS = frozenset(
    {
        "filter", "filter_by", "where", "order_by", "options", "join", "outerjoin", "limit",
        "offset", "with_for_update", "populate_existing", "execution_options", "with_parent",
        "distinct", "enable_eagerloads", "yield_per", "params",
    }
)  # fmt: skip


def call_chain(expr: ast.expr) -> tuple[list[tuple[str, ast.Call | None]], ast.expr]:
    """Split ``a.b(x).c.d(y)`` into ``[("b", call), ("c", None), ("d", call)]`` and its root ``a``.

    A Django asynchronous ORM call is named for its synchronous method (``aget`` as ``get``).
    An ``await`` inside the chain is passed through: ``(await conn.execute(q)).scalar_one()``
    splits as ``conn.execute(q).scalar_one()`` does.
    """
    steps: list[tuple[str, ast.Call | None]] = []
    while True:
        if isinstance(expr, ast.Await):
            expr = expr.value
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            steps.append((sync_method(expr.func.attr), expr))
            expr = expr.func.value
        elif isinstance(expr, ast.Attribute):
            steps.append((expr.attr, None))
            expr = expr.value
        else:
            steps.reverse()
            return steps, expr


def loaded_row_model(value: ast.expr, is_session: Callable[[ast.expr], bool]) -> ast.expr | None:
    """Return the model expression of the one row a SQLAlchemy load returns, or None.

    ``is_session`` returns whether an expression is a session (``session``,
    ``db.session``, ``self.session``). The load must be called on one.
    """
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ROW_TERMINALS):
        return None  # most calls: decided before the chain is split
    steps, root = call_chain(value)
    if steps[0] == ("query", None) and _names_class(root):
        names = [name for name, _ in steps[1:]]
        return root if _query_returns_row(names) else None  # Flask-SQLAlchemy's Wallet.query
    for position, (read, call) in enumerate(steps):
        if call is not None and isinstance(call.func, ast.Attribute) and is_session(call.func.value):
            return _read_model(read, call, [name for name, _ in steps[position + 1 :]])
    return None


def _read_model(read: str, call: ast.Call, rest: list[str]) -> ast.expr | None:
    """Return the model of the row that the session method ``read``, called as ``call`` and
    followed by the steps ``rest``, returns."""
    if read in ROW_BY_KEY:
        return call.args[0] if not rest and call.args and _names_class(call.args[0]) else None
    if read == "query":
        one_entity = len(call.args) == 1 and _names_class(call.args[0])
        return call.args[0] if one_entity and _query_returns_row(rest) else None
    model = _selected_model(call) if read in ("execute", "scalars", "scalar") else None
    if model is None:
        return None
    if read == "scalar":
        return model if not rest else None
    if read == "scalars":
        return model if _scalars_return_row(rest) else None
    if rest[:1] == ["scalars"]:
        return model if _scalars_return_row(rest[1:]) else None
    return model if len(rest) == 1 and rest[0] in SCALAR_OF_RESULT else None


def _query_returns_row(names: list[str]) -> bool:
    return bool(names) and names[-1] in ROW_OF_QUERY and all(name in ENTITY_STEPS for name in names[:-1])


def _scalars_return_row(names: list[str]) -> bool:
    return bool(names) and names[-1] in ROW_OF_SCALARS and all(name == "unique" for name in names[:-1])


def _selected_model(read: ast.Call) -> ast.expr | None:
    """Return the one entity that the statement passed to ``read`` selects: ``Wallet`` in
    ``session.execute(select(Wallet).where(...).with_for_update())``."""
    if len(read.args) != 1:
        return None
    steps, root = call_chain(read.args[0])
    if steps and steps[0][0] == "select":
        select = steps[0][1]  # sa.select(Wallet) or Flask-SQLAlchemy's db.select(Wallet)
    elif isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "select":
        select = root
    else:
        return None
    if select is None or len(select.args) != 1 or select.keywords or not _names_class(select.args[0]):
        return None
    return select.args[0]


def _names_class(node: ast.expr) -> bool:
    """Return True for ``Wallet`` or ``models.Wallet``: a name written as a class's."""
    if isinstance(node, ast.Attribute):
        return node.attr[:1].isupper()
    return isinstance(node, ast.Name) and node.id[:1].isupper()
