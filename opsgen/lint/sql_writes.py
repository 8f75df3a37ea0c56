"""Writes built in Python that OPS208 matches against a ``SELECT`` in SQL text.

A value read with SQL text can be written back through SQLAlchemy Core
(``update(accounts).values(balance=new)``, ``accounts.update().values(balance=bindparam("b"))``)
or through a Django queryset (``Wallet.objects.filter(pk=pk).update(credits=left)``). This
module finds those writes in a statement and returns the columns they overwrite with a
value computed outside the database. Table names are matched loosely, because the ``SELECT`` names the
table and the Python code names a ``Table`` variable or a model class.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from opsgen.lint.orm import callee_name
from opsgen.lint.rule import walk_scope

#: Suffixes that name a ``Table`` object rather than the table: ``inventory_table``.
TABLE_SUFFIXES = ("_table", "_tbl")


@dataclass
class PythonWrite:
    """An ``UPDATE`` built in Python: the table expression's name and the value given to
    each column."""

    table: str
    line: int
    kind: str  # "core" for SQLAlchemy Core, "django" for a queryset
    values: list[tuple[str, ast.expr]]

    def column_from(self, names: set[str]) -> str | None:
        """Return the first column set to a value computed from ``names`` (the variables
        that hold what a ``SELECT`` returned) and not from the column's stored value."""
        for column, value in self.values:
            used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
            if used & names and not _refers_to_column(value, column, names):
                return column
        return None

    def bound_columns(self) -> list[str]:
        """Return the columns set to ``bindparam(...)``, filled by the ``execute()`` parameters."""
        return [
            column
            for column, value in self.values
            if any(isinstance(n, ast.Call) and callee_name(n.func) == "bindparam" for n in ast.walk(value))
        ]


def python_writes(statement: ast.stmt) -> Iterator[PythonWrite]:
    """Yield the Core ``update()`` statements and queryset ``update()`` calls in a statement."""
    for node in [statement, *walk_scope(statement)]:
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "values":
            table = _core_update_table(node.func.value)
            if table is not None:
                yield PythonWrite(table, node.lineno, "core", _values_items(node))
        elif callee_name(node.func) == "update" and node.keywords and not node.args:
            model = _manager_model(node.func.value)
            if model is not None:
                yield PythonWrite(model, node.lineno, "django", [(k.arg, k.value) for k in node.keywords if k.arg])


def in_database(write: PythonWrite | None, column: str) -> str:
    """Return how the write computes a column from its stored value, for a message."""
    if write is None:
        return f"SET {column} = {column} + ..."
    if write.kind == "django":
        return f'update({column}=F("{column}") + ...)'
    return f"values({column}={write.table}.c.{column} + ...)"


def _core_update_table(node: ast.expr) -> str | None:
    """Return the table's name of the ``update(table)`` or ``table.update()`` that a
    ``.where(...).values(...)`` chain starts from, else None."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr != "update":
        node = node.func.value  # .where(...), .returning(...), .execution_options(...)
    if not isinstance(node, ast.Call):
        return None
    if callee_name(node.func) == "update" and len(node.args) == 1 and not isinstance(node.func, ast.Attribute):
        return _last_name(node.args[0])  # update(accounts)
    if isinstance(node.func, ast.Attribute) and node.func.attr == "update" and len(node.args) == 1:
        if _last_name(node.func.value) in ("sa", "sqlalchemy"):
            return _last_name(node.args[0])  # sa.update(accounts)
    if isinstance(node.func, ast.Attribute) and node.func.attr == "update" and not node.args and not node.keywords:
        return _last_name(node.func.value)  # accounts.update()
    return None


def _manager_model(node: ast.expr) -> str | None:
    """Return ``Wallet`` for ``Wallet.objects.filter(...)``, else None."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "_base_manager"):
        return _last_name(node.value)
    return None


def _values_items(call: ast.Call) -> list[tuple[str, ast.expr]]:
    """Return the column and value pairs of ``.values(col=v)`` and ``.values({"col": v})``."""
    items = [(k.arg, k.value) for k in call.keywords if k.arg]
    for argument in call.args:
        if not isinstance(argument, ast.Dict):
            continue
        for key, value in zip(argument.keys, argument.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                items.append((key.value, value))
            elif isinstance(key, ast.Attribute):
                items.append((key.attr, value))  # {accounts.c.balance: new}
    return items


def _refers_to_column(value: ast.expr, column: str, python_names: set[str]) -> bool:
    """Return True when a value reads the column in SQL: ``t.c.col``, ``Model.col``,
    ``F("col")`` or ``literal_column("col + 1")``. An attribute of a variable in
    ``python_names`` (``row.col``) is a value read earlier, not the column."""
    word = re.compile(rf"\b{re.escape(column)}\b", re.IGNORECASE)
    for node in ast.walk(value):
        if isinstance(node, ast.Attribute) and node.attr == column and _root_name(node) not in python_names:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and word.search(node.value):
            return True
    return False


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def declared_tables(tree: ast.Module) -> dict[str, str]:
    """Return the table names that a module declares for its Python names:
    ``accounts = Table("accounts", ...)``, ``__tablename__`` and a Django ``Meta.db_table``."""
    tables: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Call) and callee_name(value.func) == "Table" and value.args:
                first = value.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    tables[node.targets[0].id] = first.value
        elif isinstance(node, ast.ClassDef):
            declared = _class_table(node)
            if declared is not None:
                tables[node.name] = declared
    return tables


def _class_table(node: ast.ClassDef) -> str | None:
    for item in node.body:
        if isinstance(item, ast.ClassDef) and item.name == "Meta":
            found = _class_table(item)
            if found is not None:
                return found
        if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
            if any(isinstance(t, ast.Name) and t.id in ("__tablename__", "db_table") for t in item.targets):
                return item.value.value
    return None


def same_table(sql_table: str, python_name: str, tables: Mapping[str, str]) -> bool:
    """Return True when SQL's table name and a ``Table`` variable or model class name the
    same table: ``accounts`` and ``accounts``, ``inventory`` and ``inventory_table``,
    ``accounts`` and ``Account``, Django's ``shop_wallet`` and ``Wallet``."""
    declared = tables.get(python_name)
    if declared is not None:
        return declared.lower() == sql_table
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", python_name).lower()
    forms: set[str] = set()
    for name in {python_name.lower(), snake}:
        for suffix in TABLE_SUFFIXES:
            name = name.removesuffix(suffix)
        forms |= {name, name + "s", name + "es"}
        if name.endswith("y"):
            forms.add(name[:-1] + "ies")
    return sql_table in forms or any(sql_table.endswith("_" + form) for form in forms)
