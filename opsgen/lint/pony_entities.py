"""Row loads of Pony ORM entities, for the missing-lock rules.

Pony writes the attributes changed on an entity when its ``db_session`` commits, with no
save call, so a value computed in Python from a row loaded with ``Ticket.get(...)`` or
``Ticket[pk]`` is written back as computed. ``Ticket.get_for_update(...)`` and
``select(...).for_update()`` load the row with ``SELECT ... FOR UPDATE``.

An entity is a project class with a base named ``Entity`` (``class Ticket(db.Entity)``)
declared in a module that imports from ``pony``. In a module that imports from ``pony``
itself, any name that looks like a class counts, since entities are often imported from
a models module that the linter did not index.
"""

from __future__ import annotations

import ast

from opsgen.lint.rule import ModuleContext

#: Entity class methods that load one row, and query terminals that return one.
ENTITY_LOADS = frozenset({"get", "get_by_sql", "get_for_update"})
QUERY_TERMINALS = frozenset({"get", "first"})
#: Calls that load the row with ``SELECT ... FOR UPDATE``.
ROW_LOCKS = frozenset({"get_for_update", "for_update"})


def uses_pony(module: ModuleContext) -> bool:
    """Return True when the module imports from Pony ORM."""
    return any(target == "pony" or target.startswith("pony.") for target in module.summary.imports.values())


def imports_pony_entity(module: ModuleContext) -> bool:
    """Return True when the module imports a project class that is a Pony entity."""
    return any(_declared_entity(module, qualified) for qualified in module.summary.imports.values())


def is_pony_entity(module: ModuleContext, written: ast.expr, pony_module: bool) -> bool:
    """Return True for a class expression that names a Pony entity, as the module docstring
    defines one. ``pony_module`` is whether this module imports from Pony."""
    if isinstance(written, ast.Attribute):
        name = written.attr
    elif isinstance(written, ast.Name):
        name = written.id
    else:
        return False
    if not name[:1].isupper() or name.isupper():
        return False
    if pony_module:
        return True
    qualified = module.qualify(written)
    return qualified is not None and _declared_entity(module, qualified)


def _declared_entity(module: ModuleContext, qualified: str) -> bool:
    entry = module.index.classes.get(module.analysis.canonical(qualified))
    if entry is None:
        return False
    declaring, klass = entry
    pony = any(target == "pony" or target.startswith("pony.") for target in declaring.imports.values())
    if pony and any(base.rpartition(".")[2] == "Entity" for base in klass.bases):
        module.read_paths.add(declaring.path)  # the finding depends on that file
        return True
    return False


def pony_load(module: ModuleContext, value: ast.expr, pony_module: bool) -> bool | None:
    """Return whether a Pony row load locks the row, or None when ``value`` is no such load.

    Loads: ``Ticket.get(...)``, ``Ticket.get_for_update(...)``, ``Ticket[pk]``, and a
    query's ``.first()`` or ``.get()`` (``Ticket.select(...).first()``,
    ``select(t for t in Ticket).for_update().first()``).
    """
    if isinstance(value, ast.Subscript):
        return False if is_pony_entity(module, value.value, pony_module) else None
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return None
    method, receiver = value.func.attr, value.func.value
    if method in ENTITY_LOADS and is_pony_entity(module, receiver, pony_module):
        return method in ROW_LOCKS
    if method not in QUERY_TERMINALS or not pony_module:
        return None
    locked = False
    node: ast.expr = receiver
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        locked = locked or node.func.attr in ROW_LOCKS
        if node.func.attr == "select" and is_pony_entity(module, node.func.value, pony_module):
            return locked
        node = node.func.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "select":
        return locked  # pony.orm.select(generator)
    return None
