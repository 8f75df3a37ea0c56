"""Rows loaded into a container and written back with Django's ``bulk_update()``.

A function may load rows into a list or a dictionary, change a field of each in Python
and write them back in one statement::

    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    for line in lines:
        product = products[line.product_id]
        product.stock -= line.quantity
    Product.objects.bulk_update(products.values(), ["stock"])

``bulk_update()`` writes the values computed from what the query read, so it loses the
changes that another request made in between, as ``save()`` does. The rows are locked
when the query that filled the container took ``select_for_update()``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

from opsgen.lint.orm import query_binding

#: Calls that copy an iterable of rows into a container: ``list(queryset)``.
_COPIES = frozenset({"list", "tuple", "set", "sorted", "dict"})


@dataclass
class RowCollections:
    """The containers of rows a function fills, the names bound to their rows, and the
    ``bulk_update()`` calls that write them back, gathered in source order."""

    #: Container or queryset name -> whether the query that filled it locks its rows.
    locked: dict[str, bool] = field(default_factory=dict)
    #: ``ast.dump`` of a name bound to one row of a container -> that container's name.
    members: dict[str, str] = field(default_factory=dict)
    #: (line, container, fields written or None when not given as literals).
    writes: list[tuple[int, str, frozenset[str] | None]] = field(default_factory=list)

    def note(self, node: ast.AST, queries: Mapping[str, bool]) -> None:
        """Record what ``node`` binds or writes: a container, a row of one, a bulk_update()."""
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            source = self.source(node.value, queries)
            if source is not None:
                self.locked[name] = source
            else:
                self.locked.pop(name, None)
            container = self.container(node.value, queries)
            key = _key(name)
            if container is not None:
                self.members[key] = container
            else:
                self.members.pop(key, None)
        elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            container = self.container_of_iteration(node.iter, queries)
            if container is not None:
                self.members[_key(node.target.id)] = container
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("bulk_update", "abulk_update"):
            container = _root_name(node.args[0]) if node.args else None
            if container is not None:
                self.writes.append((node.lineno, container, _field_names(node)))

    def source(self, value: ast.expr, queries: Mapping[str, bool]) -> bool | None:
        """Return whether the rows a value holds were loaded with a lock, or None when it
        holds no rows of a query: a queryset, a copy of one, or a comprehension over one."""
        query = query_binding(value, queries)
        if query is not None:
            return query
        if isinstance(value, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return self.source(value.generators[0].iter, queries)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _COPIES and value.args:
            return self.source(value.args[0], queries)
        root = _root_name(value)
        if root is not None:
            if root in self.locked:
                return self.locked[root]
            if root in queries:
                return queries[root]
        return None

    def container(self, value: ast.expr, queries: Mapping[str, bool]) -> str | None:
        """Return the container that ``value`` takes one row of: ``products[pk]`` or ``products.get(pk)``."""
        if isinstance(value, ast.Subscript):
            owner = value.value
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
            owner = value.func.value
        else:
            return None
        return owner.id if isinstance(owner, ast.Name) and (owner.id in self.locked or owner.id in queries) else None

    def container_of_iteration(self, iterable: ast.expr, queries: Mapping[str, bool]) -> str | None:
        """Return the container a ``for`` loop takes its rows from: ``products`` or ``products.values()``."""
        root = _root_name(iterable)
        return root if root is not None and (root in self.locked or root in queries) else None

    def written_unlocked(self, receiver: str, attribute: str, line: int) -> bool:
        """Return True when the row bound to ``receiver`` comes from a container that no lock
        covers, and a ``bulk_update()`` of that container at or after ``line`` writes
        ``attribute`` back."""
        container = self.members.get(receiver)
        if container is None or self.locked.get(container, True):
            return False
        return any(name == container and at >= line and (fields is None or attribute in fields) for at, name, fields in self.writes)


def _key(name: str) -> str:
    return ast.dump(ast.Name(id=name, ctx=ast.Load()))


def _root_name(value: ast.expr) -> str | None:
    """Return ``products`` for ``products``, ``products.values()`` or ``list(products.values())``."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _COPIES and value.args:
        value = value.args[0]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("values", "all") and not value.args:
        value = value.func.value
    return value.id if isinstance(value, ast.Name) else None


def _field_names(call: ast.Call) -> frozenset[str] | None:
    """Return the field names a ``bulk_update(rows, ["stock"])`` writes, or None when not literals."""
    fields = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "fields"), None)
    if not isinstance(fields, (ast.List, ast.Tuple, ast.Set)):
        return None
    names = [element.value for element in fields.elts if isinstance(element, ast.Constant) and isinstance(element.value, str)]
    return frozenset(names) if len(names) == len(fields.elts) else None
