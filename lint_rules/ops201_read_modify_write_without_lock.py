"""OPS201: a row loaded, checked and written back without a row lock."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from opsgen.lint.caller_locks import drop_findings_locked_by_callers
from opsgen.lint.guarded_writes import FieldCheck, column_expression, conditional_update, guarding_check, selects_by_field
from opsgen.lint.knowledge import is_task_decorator, sync_method
from opsgen.lint.lock_scope import lock_end_line
from opsgen.lint.model_declarations import loads_versioned_row
from opsgen.lint.operation_locks import DeclaredLocks, RowBinding, bind_rows, declared_locks
from opsgen.lint.orm import (
    LOAD_TERMINALS,
    Load,
    Qualify,
    callee_name,
    callers_hold_lock,
    classify_load,
    field_increment,
    get_or_create_load,
    is_lock_name,
    loaded_model,
    query_binding,
    refreshed_with_lock,
    row_lock_remedy,
    runs_in_pipeline,
    takes_lock,
    through_session,
    uses_f_expression,
)
from opsgen.lint.pony_entities import imports_pony_entity, pony_load, uses_pony
from opsgen.lint.query_chains import call_chain
from opsgen.lint.returned_rows import calls_row_helper, helper_load, project_function_names
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary, function_nodes

ENDS_BLOCK = (ast.Raise, ast.Return, ast.Continue, ast.Break)
#: Calls that only report what happens (logging, printing) or persist the row, not actions a check can guard.
#: Methods that change a list or a dictionary in place, such as a JSON field's value. The
#: names a related manager also has (``add``, ``remove``, ``clear``, ``set``) are left out:
#: ``team.members.add(user)`` writes a link row, not the team's field.
FIELD_MUTATORS = frozenset({"append", "extend", "insert", "pop", "update", "setdefault"})
NOT_ACTIONS = frozenset(
    {
        "debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "write",
        "save", "refresh_from_db", "add", "add_all", "flush", "commit", "rollback", "refresh", "close", "merge",
    }
)  # fmt: skip
#: Django lookups that compare a field with a value (``holder__isnull=True``, ``stock__gte=n``).
COMPARING_LOOKUPS = frozenset({"exact", "iexact", "isnull", "lt", "lte", "gt", "gte", "in"})
#: ORMs that write a changed row without a save call: SQLAlchemy's session flush, and Pony's
#: ``db_session`` when it commits.
FLUSHING_ORMS = frozenset({"sqlalchemy", "pony"})
#: Terminals that read one row of ``values_list(...)``: its value, not a model instance.
VALUES_TERMINALS = frozenset({"get", "first", "last", "latest", "earliest"})


@dataclass(frozen=True)
class _Event:
    """One step of a function body, in source order, with the conditions around it."""

    kind: str  # "bind", "write", "write-item", "increment", "mutate", "guard", "save", "update", "lock", "effect"
    node: ast.AST
    name: str = ""  # variable bound, written or saved
    attr: str = ""  # field written
    load: Load | None = None
    guards: tuple[ast.expr, ...] = ()  # tests of the enclosing if/while statements
    locked: bool = False  # inside ``with <lock>:``
    alternative: bool = False  # in an ``except`` handler: runs instead of the ``try`` body, not after it
    checked: frozenset[str] = frozenset()  # fields the load's own query compares (``state="queued"``)
    scalar: frozenset[str] = frozenset()  # fields a scalar read copies (``n = Row.objects.get(...).n``)
    at: ast.stmt | None = None  # statement that ran the query, when not the binding itself


class _BodyEvents:
    """Flatten a function body into events; nested definitions are skipped (they do not run here)."""

    def __init__(
        self,
        qualify: Qualify,
        pony: Callable[[ast.expr], bool | None] | None = None,
        helper: Callable[[ast.expr], Load | None] | None = None,
    ) -> None:
        self.qualify = qualify
        self.pony = pony  # whether a value is a Pony entity load that locks, None for no such load
        self.helper = helper  # the row load of a project helper's call, None for no such call
        self.events: list[_Event] = []
        self.queries: dict[str, bool] = {}  # local name -> whether the query bound to it locks
        self.results: dict[str, ast.stmt] = {}  # local name -> the ``session.execute(select(...))`` binding it
        self.in_handler = 0  # depth of ``except`` handlers around the current statement

    def body(self, statements: list[ast.stmt], guards: tuple[ast.expr, ...], locked: bool) -> None:
        for statement in statements:
            self.statement(statement, guards, locked)

    def add(
        self,
        kind: str,
        node: ast.AST,
        guards: tuple[ast.expr, ...],
        locked: bool,
        name: str = "",
        attr: str = "",
        load: Load | None = None,
        checked: frozenset[str] = frozenset(),
        scalar: frozenset[str] = frozenset(),
        at: ast.stmt | None = None,
    ) -> None:
        alternative = self.in_handler > 0
        event = _Event(kind, node, name, attr, load, guards, locked, alternative, checked, scalar, at)
        self.events.append(event)

    def statement(self, node: ast.stmt, guards: tuple[ast.expr, ...], locked: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(node, (ast.With, ast.AsyncWith)):
            self.expressions([item.context_expr for item in node.items], guards, locked)
            self.body(node.body, guards, locked or any(takes_lock(item) for item in node.items))
        elif isinstance(node, (ast.If, ast.While)):
            self.expressions([node.test], guards, locked)
            if isinstance(node, ast.If) and node.body and isinstance(node.body[-1], ENDS_BLOCK):
                self.events.append(_Event("guard", node.test, guards=guards, locked=locked))
            self.body(node.body, (*guards, node.test), locked)
            self.body(node.orelse, (*guards, node.test), locked)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.expressions([node.iter], guards, locked)
            self.body(node.body, guards, locked)
            self.body(node.orelse, guards, locked)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.body(getattr(node, "body"), guards, locked)
            self.in_handler += 1
            for handler in getattr(node, "handlers"):
                self.body(handler.body, guards, locked)
            self.in_handler -= 1
            self.body(getattr(node, "orelse"), guards, locked)
            self.body(getattr(node, "finalbody"), guards, locked)
        elif isinstance(node, ast.Match):
            self.expressions([node.subject], guards, locked)
            for case in node.cases:
                self.body(case.body, guards, locked)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self.assignment(node, guards, locked)
        else:
            refreshed = self.refreshed(node)
            if refreshed is not None:
                # row.refresh_from_db(from_queryset=...select_for_update()): a new load of the row, locked.
                self.add("bind", node, guards, locked, name=refreshed[0], load=Load(refreshed[1], True))
            increment = field_increment(node)
            if increment is not None and isinstance(increment[0].value, ast.Name):
                # account.balance += 1: OPS202 reports it, and an OPS201 finding names its field.
                self.add("increment", node, guards, locked, name=increment[0].value.id, attr=increment[0].attr)
            mutated = _mutated_field(node.value) if isinstance(node, ast.Expr) else None
            if mutated is not None:
                # profile.bookmarks.append(url): the field's old value, changed in place.
                self.add("mutate", node, guards, locked, name=mutated[0], attr=mutated[1])
            elif isinstance(node, ast.Expr) and _is_action(node.value):
                self.add("effect", node, guards, locked)
            self.expressions([node], guards, locked)

    def refreshed(self, node: ast.stmt) -> tuple[str, str] | None:
        """Return the row and ORM that an expression statement reloads with a row lock."""
        if not isinstance(node, ast.Expr):
            return None
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        return refreshed_with_lock(call, self.queries) if isinstance(call, ast.Call) else None

    def assignment(self, node: ast.Assign | ast.AnnAssign, guards: tuple[ast.expr, ...], locked: bool) -> None:
        if node.value is None:
            return
        self.expressions([node.value], guards, locked)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            self.target(target, node, guards, locked)

    def target(self, target: ast.expr, node: ast.Assign | ast.AnnAssign, guards: tuple[ast.expr, ...], locked: bool) -> None:
        if isinstance(target, ast.Name):
            value = node.value
            assert value is not None  # assignment() skips annotations without a value
            load = classify_load(value, self.qualify, self.queries)
            scalar = frozenset[str]()
            at = self.results.get(_chain_root(value)) if load is not None else None
            if load is None:
                load, scalar = _scalar_read(value, self.qualify, self.queries)
                entity_locked = self.pony(value) if load is None and self.pony is not None else None
                if entity_locked is not None:
                    load = Load("pony", entity_locked)
                if load is None and self.helper is not None:
                    load = self.helper(value)  # account = _account_for_update(pk)
            elif load.orm == "sqlalchemy":
                # select(accounts.c.balance): a value, not a row, also when ``result =
                # conn.execute(select(...))`` ran the query and ``result.scalar_one()`` unpacks it.
                ran = at.value if isinstance(at, (ast.Assign, ast.AnnAssign)) and at.value is not None else value
                scalar = _selected_columns(ran)
            query = query_binding(value, self.queries) if load is None else None
            if query is None:
                self.queries.pop(target.id, None)
                self.results.pop(target.id, None)
            else:
                self.queries[target.id] = query
                if _runs_statement(value):
                    self.results[target.id] = node
                else:
                    self.results.pop(target.id, None)
            checked = _compared_fields(value) if load is not None else frozenset()
            self.add("bind", node, guards, locked, name=target.id, load=load, checked=checked, scalar=scalar, at=at)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            # obj, created = Model.objects.get_or_create(...): the first element is a loaded row.
            first_load = get_or_create_load(node.value) if node.value is not None else None
            for position, element in enumerate(target.elts):
                if isinstance(element, ast.Name):
                    load = first_load if position == 0 else None
                    self.add("bind", node, guards, locked, name=element.id, load=load)
            return
        field = target.value if isinstance(target, ast.Subscript) else target
        if isinstance(field, ast.Attribute) and isinstance(field.value, ast.Name):
            kind = "write-item" if isinstance(target, ast.Subscript) else "write"
            self.add(kind, node, guards, locked, name=field.value.id, attr=field.attr)

    def expressions(self, nodes: list[ast.AST], guards: tuple[ast.expr, ...], locked: bool) -> None:
        for root in nodes:
            for node in [root, *walk_scope(root)]:
                if not isinstance(node, ast.Call):
                    continue
                name = callee_name(node.func)
                if name == "save" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                    self.add("save", node, guards, locked, name=node.func.value.id)
                elif name in ("update", "values", "update_or_create") and node.keywords:
                    self.add("update", node, guards, locked)
                elif name and is_lock_name(name) and not (self.helper is not None and self.helper(node)):
                    # A project helper named for a lock that returns a row (``_locked_account(pk)``)
                    # is judged by the query it runs, not by its name.
                    self.add("lock", node, guards, locked)


def _updates_row(call: ast.Call, variable: str, key: str | None = None) -> bool:
    """Return True when an ``update()`` selects the loaded row by its key: ``filter(pk=row.pk)``
    or SQLAlchemy's ``where(Job.id == row.id)``, or by the value the row was loaded by
    (``key``, dumped): ``get(pk=job_id)``, then ``filter(pk=job_id)``."""
    written = {id(node) for _, value in _written_values(call) for node in ast.walk(value)}
    for node in ast.walk(call):
        if id(node) in written:
            continue
        if isinstance(node, ast.Attribute) and node.attr in ("pk", "id") and isinstance(node.value, ast.Name) and node.value.id == variable:
            return True
        if key is None:
            continue
        if isinstance(node, ast.keyword) and node.arg in ("pk", "id") and ast.dump(node.value) == key:
            return True
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            sides = (node.left, node.comparators[0])
            for column, value in (sides, sides[::-1]):
                if isinstance(column, ast.Attribute) and column.attr in ("pk", "id") and ast.dump(value) == key:
                    return True
    return False


def _bound_value(bound: _Event) -> ast.expr | None:
    """Return the value a ``bind`` event assigns."""
    node = bound.node
    return node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None


def _load_key(value: ast.expr | None) -> str | None:
    """Return the value a row load selects its row by, dumped: ``pk_value`` in
    ``Model.objects.get(pk=pk_value)``, ``get_object_or_404(Model, id=pk_value)`` or
    ``session.get(Model, pk_value)``; None for another load."""
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    for keyword in value.keywords:
        if keyword.arg in ("pk", "id"):
            return ast.dump(keyword.value)
    if callee_name(value.func) == "get" and len(value.args) == 2 and not value.keywords:
        return ast.dump(value.args[1])
    return None


def _conditional_on_read(call: ast.Call, variable: str, derived: dict[str, set[str]]) -> bool:
    """Return True when an ``update()`` matches only a row that still contains a value read from
    the copy, in a field the update also writes: ``filter(pk=row.pk, version=row.version)
    .update(..., version=row.version + 1)`` or SQLAlchemy's ``where(Item.version == version)``.
    Such a compare-and-set writes nothing when another writer came first (optimistic locking)."""
    written = {_field(field) for field, _ in _written_values(call)}
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    for node in ast.walk(receiver) if receiver is not None else ():
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and _field(keyword.arg.partition("__")[0]) in written and _fields_read(keyword.value, variable, derived):
                    return True
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1 and isinstance(node.ops[0], ast.Eq):
            sides = (node.left, node.comparators[0])
            for column, value in (sides, sides[::-1]):
                if isinstance(column, ast.Attribute) and _field(column.attr) in written and _fields_read(value, variable, derived):
                    return True
    return False


def _mutated_field(value: ast.expr) -> tuple[str, str] | None:
    """Return (variable, field) for ``row.field.append(x)`` and the other in-place changes of
    a list, dictionary or set held in a field (a JSON or array column), else None."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in FIELD_MUTATORS):
        return None
    if value.func.attr == "update" and (value.keywords or len(value.args) != 1):
        return None  # order.lines.update(state="paid") is a queryset's UPDATE, dict.update(other) is not
    field = value.func.value
    if isinstance(field, ast.Attribute) and isinstance(field.value, ast.Name) and field.value.id != "self":
        return field.value.id, field.attr
    return None


def _checks_field(event: _Event, field: str, guard_tests: list[tuple[ast.expr, int]], variable: str) -> bool:
    """Return True when an early-exit check or an enclosing ``if`` before the write reads the field."""
    tests = [test for test, _ in guard_tests] + list(event.guards)
    return any(field in _fields_read(test, variable) for test in tests)


def _stale_full_save(events: list[_Event], variable: str) -> tuple[int, tuple[str, ...]] | None:
    """Return the line of a ``save()`` without ``update_fields`` of the row bound to
    ``variable``, and the fields set before it, or None.

    The save counts when, between the load and the save, a field is set from the result of
    a call (``doc.thumbnail_key = render_thumbnail(doc.source_key)``) or a call runs for
    what it does. Such a save writes every column back, also the ones the function did not
    set, with the values read at the load."""
    set_fields: list[str] = []
    worked = False
    for event in events:
        if event.kind == "bind" and event.name == variable:
            return None  # the name is bound to another row now
        if event.kind == "effect":
            worked = True
        elif event.kind == "write" and event.name == variable:
            set_fields.append(event.attr)
            value = event.node.value if isinstance(event.node, (ast.Assign, ast.AnnAssign)) else None
            if value is not None and any(isinstance(node, ast.Call) for node in ast.walk(value)):
                worked = True
        elif event.kind == "save" and event.name == variable:
            assert isinstance(event.node, ast.Call)
            full = not any(keyword.arg in ("update_fields", None) for keyword in event.node.keywords) and not event.node.args
            if full and worked and set_fields:
                return event.node.lineno, tuple(dict.fromkeys(set_fields))
            return None
    return None


def _writes_own_value(writes: list[_Event], field: str) -> bool:
    """Return True when another field of the row gets a value from a variable: a claim that
    sets ``state = "running"`` and ``worker_id = worker_id``. Two callers that both find the
    row as the query checked it then each write their own owner, and the later one wins."""
    for other in writes:
        node = other.node
        if _field(other.attr) != field and isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            if isinstance(node.value, (ast.Name, ast.Attribute)) and _reads_variable(node.value):
                return True
    return False


def _reads_variable(value: ast.expr) -> bool:
    """Return True when a value comes from a variable (``buyer``, ``self.user``), not only from
    constants and calls such as ``now()``."""
    callees = {id(inner) for node in ast.walk(value) if isinstance(node, ast.Call) for inner in ast.walk(node.func)}
    return any(isinstance(node, ast.Name) and id(node) not in callees for node in ast.walk(value))


def _is_action(value: ast.expr) -> bool:
    """Return True for a call run for what it does (``send_digest()``), not a save, a commit, a lock or a log line."""
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    name = callee_name(value.func)
    return bool(name) and name not in NOT_ACTIONS and not is_lock_name(name)


def _chain_root(value: ast.expr) -> str:
    """Return the name a call chain starts from: ``result`` for ``result.scalars().first()``."""
    if isinstance(value, ast.Await):
        value = value.value
    _, root = call_chain(value)
    return root.id if isinstance(root, ast.Name) else ""


def _runs_statement(value: ast.expr) -> bool:
    """Return True for ``session.execute(...)``, which runs its query when called."""
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and callee_name(value.func) == "execute"


def _compared_fields(value: ast.expr) -> frozenset[str]:
    """Return the fields the load's query compares with a value: the check it makes itself.

    ``Seat.objects.filter(holder__isnull=True).first()`` checks ``holder``, and
    ``filter_by(state="queued")`` or ``where(Job.state == "queued")`` check ``state``.
    A lookup by a variable (``pk=seat_id``, ``email=email``) only selects the row to load.
    """
    if isinstance(value, ast.Await):
        value = value.value
    fields: set[str] = set()
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg in ("defaults", "create_defaults", "flat", "named"):
                continue
            field, _, lookup = keyword.arg.partition("__")
            if isinstance(keyword.value, ast.Constant) or lookup.rpartition("__")[2] in COMPARING_LOOKUPS - {"exact", "iexact", "in"}:
                fields.add(_field(field))
        for argument in node.args:
            if isinstance(argument, ast.Compare) and isinstance(argument.left, ast.Attribute):
                if all(isinstance(c, ast.Constant) for c in argument.comparators):
                    fields.add(_field(argument.left.attr))
    return frozenset(fields)


def _scalar_read(value: ast.expr, qualify: Qualify, queries: dict[str, bool]) -> tuple[Load | None, frozenset[str]]:
    """Return the load and the fields of a read that keeps only values of a row.

    ``Usage.objects.get(pk=1).units`` and ``Product.objects.filter(pk=1)
    .values_list("stock", flat=True).get()`` copy a field's value: an ``update()`` that
    writes a value computed from it writes back a stale number.
    """
    if isinstance(value, ast.Attribute):
        load = classify_load(value.value, qualify, queries)
        return (load, frozenset({_field(value.attr)})) if load is not None else (None, frozenset())
    if not isinstance(value, ast.Call):
        return None, frozenset()
    steps, _ = call_chain(value)
    names = [name for name, _ in steps]
    if len(names) < 2 or names[-1] not in VALUES_TERMINALS or "objects" not in names:
        return None, frozenset()
    for name, call in steps:
        if name == "values_list" and call is not None and any(k.arg == "flat" for k in call.keywords):
            fields = frozenset(_field(a.value) for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
            locked = any(step in ("select_for_update", "with_for_update") for step in names)
            return (Load("django", locked), fields) if fields else (None, frozenset())
    return None, frozenset()


def _selected_columns(value: ast.expr) -> frozenset[str]:
    """Return the columns a SQLAlchemy ``select()`` of columns reads, or nothing for a select of rows.

    ``session.execute(select(Account.balance).where(...)).scalar_one()`` and SQLAlchemy
    Core's ``select(accounts.c.balance)`` copy the column's value, as ``values_list()``
    does in Django.
    """
    for node in ast.walk(value):
        if not (isinstance(node, ast.Call) and callee_name(node.func) == "select" and node.args):
            continue
        if all(isinstance(argument, ast.Attribute) for argument in node.args):
            return frozenset(_field(argument.attr) for argument in node.args if isinstance(argument, ast.Attribute))
        return frozenset()
    return frozenset()


def _with_increments(increments: list[str], field: str) -> tuple[str, ...]:
    """Return the incremented fields, then ``field``, each once."""
    return tuple(dict.fromkeys([*increments, field]))


def _fields_phrase(fields: tuple[str, ...]) -> str:
    """Return ``its field owner`` or ``its fields balance and owner``."""
    if len(fields) == 1:
        return f"its field {fields[0]}"
    return f"its fields {', '.join(fields[:-1])} and {fields[-1]}"


def _persisted_after(events: list[_Event], lock_end: int, orm: str) -> list[_Event]:
    """Drop the events that persist a row while its lock, held to ``lock_end``, still covers them.

    Django writes a row at ``save()`` or ``update()``. A SQLAlchemy session writes what
    changed at the commit that ends the lock, so a change made before it is covered too.
    """
    persisting = ("save", "update") if orm == "django" else ("save", "update", "write", "write-item", "mutate")
    return [event for event in events if event.kind not in persisting or getattr(event.node, "lineno", 0) > lock_end]


def _fields_read(expr: ast.AST, variable: str, derived: dict[str, set[str]] | None = None) -> set[str]:
    """Return the fields of ``variable`` that ``expr`` reads, ``holder_id`` counted as ``holder``.

    ``derived`` maps local names computed from the row's fields (``current = pot.total``)
    to those fields, so an expression that reads such a name reads them too.
    """
    found = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == variable:
            found.add(_field(node.attr))
        elif derived and isinstance(node, ast.Name) and node.id in derived:
            found |= derived[node.id]
    return found


def _written_values(call: ast.Call) -> list[tuple[str, ast.expr]]:
    """Return (field, new value) of an ``update(f=v)``, ``values(f=v)`` or the ``defaults``
    of ``update_or_create(..., defaults={"f": v})``."""
    written = []
    for keyword in call.keywords:
        if keyword.arg in ("defaults", "create_defaults") and callee_name(call.func) == "update_or_create":
            if isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        written.append((key.value, value))
        elif keyword.arg:
            written.append((keyword.arg, keyword.value))
    return written


def _field(attr: str) -> str:
    return attr[:-3] if attr.endswith("_id") else attr


def _model_name(value: ast.expr) -> str:
    """Return the class a manager chain starts from: ``Usage`` for ``Usage.objects.get(...).units``."""
    while isinstance(value, ast.Attribute) and not isinstance(value.value, ast.Name):
        value = value.value
    _, root = call_chain(value)
    return root.id if isinstance(root, ast.Name) and root.id[:1].isupper() else ""


def _skips_same_value(test: ast.expr, variable: str, attr: str, value: ast.expr, flags: bool = True) -> bool:
    """Return True for ``if v.a != x: v.a = x``: the test only avoids a needless write.

    With ``flags``, ``if not v.a: v.a = True`` (or ``if v.a:`` around ``v.a = False``) is
    the same test written shorter. An early exit on a flag (``if grant.used: raise``)
    rejects the caller instead, so it is a claim.
    """
    if isinstance(test, ast.BoolOp):
        return isinstance(test.op, ast.And) and any(_skips_same_value(t, variable, attr, value, flags) for t in test.values)
    field = ast.Attribute(value=ast.Name(id=variable, ctx=ast.Load()), attr=attr, ctx=ast.Load())
    if flags and isinstance(value, ast.Constant) and isinstance(value.value, bool):
        tested = test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else test
        if ast.dump(tested) == ast.dump(field):
            return True
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = {ast.dump(test.left), ast.dump(test.comparators[0])}
    return ast.dump(field) in sides and ast.dump(value) in sides


class ReadModifyWriteWithoutLock(Rule):
    """Flags a row that is loaded, checked or read, and written back without a row lock.

    What it does:
        Reports the load of a row (``Model.objects.get(...)``, ``get_object_or_404``,
        ``session.get(Model, id)``, ``Model.query...first()``, a Pony entity's
        ``Ticket.get(...)`` or ``Ticket[pk]``) when the same function then writes a field
        of it that it has checked or read first, and saves it (Django) or leaves it to the
        session's flush (SQLAlchemy) or to the commit of ``db_session`` (Pony). A check counts when a condition on
        the field guards the write (``if seat.holder_id is not None: raise``); a read counts
        when the new value is computed from the old one (``a.total = max(a.total - x, 0)``) or
        when an item of a field is set (``row.data["k"] = v``) or the field's list, dictionary
        or set is changed in place (``profile.bookmarks.append(url)``), also through
        ``update(f=row.f + 1)``, SQLAlchemy's ``values(f=row.f + 1)`` or the ``defaults``
        of ``update_or_create()``. A local name computed from the field
        (``current = pot.total if pot else 0``) counts as a read of it, and so does a value
        copied from a row (``n = Usage.objects.get(...).units``,
        ``values_list("stock", flat=True).get()``, or SQLAlchemy's
        ``execute(select(accounts.c.balance)...).scalar_one()``, also awaited as
        ``(await conn.execute(...)).scalar_one()``, unpacked from a result bound first, or
        read with ``conn.scalar(select(...))``) that an ``update()`` of the same model
        writes back computed, directly or through a name (``remaining = balance - cost``). The load's own query
        is a check too: after ``filter(holder__isnull=True).first()`` or ``where(Job.state == "queued")``, a
        write of ``holder`` or ``state`` counts when the value comes from a variable
        (``holder = buyer``), when the function acts on the row besides, or when it sets
        another field from a variable, as a claim does (``state = "running"`` with
        ``worker_id = worker_id``): without ``FOR UPDATE SKIP LOCKED`` two workers claim
        the same row. The write may be an
        ``update()`` that selects the row by its key (``filter(pk=job.pk).update(...)``). A row unpacked from a
        result (``result = await session.execute(select(Job))``, then
        ``result.scalar_one()``) is reported where the query ran. A row that a project
        function or method loads and returns (``seat = seats.for_claim(seat_id)``) is loaded
        where the call binds it, locked as the function's query is, through any number of
        such functions. Such a call is judged by its query, not by a lock word in its name
        (``_locked_account(pk)``). A plain increment
        (``x.f += n`` or ``x.f = x.f + n``) is OPS202's, reported at the increment.

        An ``update()`` of the row that the database computes, with ``F()`` or a SQLAlchemy
        column expression (``values(stock=Product.stock - n)``), is atomic, but a check
        of the same field on the copy before it is not: ``if product.stock < n: raise``,
        then ``filter(pk=product_id).update(stock=F("stock") - n)``, lets two callers pass
        the check and drive the stock below zero. It is reported at the load, with the
        update that repeats the check in its filter (``filter(pk=..., stock__gte=n)``) or
        WHERE clause (``where(Product.stock >= n)``), whose count of 0 then means a failed
        check. The update may select the row by its key or by the value it was loaded by
        (``get(pk=product_id)``, then ``filter(pk=product_id)``).

        A Celery task (``@shared_task``, ``@app.task``) that loads a Django row without a
        lock, sets a field from a call's result or makes a call for what it does, and
        then saves the row with a bare ``save()`` is reported too: the task holds the row
        while it works, often for seconds, and the save writes every column back, also
        the ones another request changed meanwhile. ``save(update_fields=[...])`` or an
        ``update()`` of the fields the task set is not reported.

        Not reported: a load with ``select_for_update()`` or ``with_for_update()`` whose
        row is written while the transaction that took the lock lasts, also when a locking
        reload follows the load (``row.refresh_from_db(from_queryset=Row.objects.select_for_update())``,
        Django 5.1 and later, or ``session.refresh(row, with_for_update=True)``), code inside
        ``with <lock>:`` or after a call that takes a lock (``lock_objects(...)``,
        ``acquire_lock(...)``), a private function whose every call in the module runs
        after such a lock, a write of an ``F()`` expression that no check of the same field
        guards (``if c.used >= c.limit: raise`` before ``c.used = F("used") + 1`` is
        reported, since both callers pass the check), a copy saved as a new row
        (``obj.pk = None``), an ``update()`` whose filter compares a field it also writes
        with the value read (``filter(pk=a.pk, version=a.version).update(...,
        version=a.version + 1)``, optimistic locking) or tests the field it writes
        (``filter(pk=s.pk, holder__isnull=True).update(holder=user)``, a compare-and-set),
        a row saved or flushed whose model
        has an optimistic version column (SQLAlchemy's ``version_id_col`` in
        ``__mapper_args__``, a version field of django-concurrency or
        django-optimistic-lock), whose stale write raises instead of overwriting, and ``if v.a != x: v.a = x`` or ``if not v.flag: v.flag =
        True``, whose test only skips a needless write unless it also guards an action (a
        mail, a transfer) or the write of another field (``v.holder = user``).

        In the ``run()`` of an opsgen operation, the spec's ``locks:`` cover a row loaded by
        an input or context key that a lock key names, and the rows loaded by its ``.id``. A row loaded by
        an input that no key names is OPS204's finding. A row loaded by any other value,
        such as a foreign key read from another row, is reported, with a message that names
        the spec's locks. A singleton operation, and other code that takes an
        ``ExecutionContext``, whose operation's locks are not known there, are not checked.

        A lock ends with the outermost ``atomic()`` block of the function that holds the
        ``select_for_update()``, or with the ``with session.begin():`` block or the
        ``commit()`` after a ``with_for_update()`` load. A row saved (Django) or changed
        (SQLAlchemy) after that is reported with a message that names where the lock
        ended. A lock taken where the function shows no end (under ``@atomic``, or outside
        any ``atomic()`` block, in the caller's transaction) covers the whole function.

        The message names the remedies of the ORM that loaded the row: Django's
        ``select_for_update()`` and ``update()`` with ``F()``, or SQLAlchemy's
        ``with_for_update()`` and ``update(Model).where(...).values(...)``.

        SQLite has no row locks. SQLAlchemy's SQLite dialect leaves ``FOR UPDATE`` out of
        the query, and Django's ``select_for_update()`` has no effect there either, so the
        lock remedy protects nothing on SQLite. There, write with one statement that reads
        and writes the value (``UPDATE ... SET x = x + :n``, with the check in its
        ``WHERE``), or take an opsgen lock (``locks:`` in the operation's spec, see
        docs/locks.md) around the read and the write.

    Why is this bad:
        Two requests load the same row, both pass the check, and both write: the seat is
        claimed twice, the balance loses one of the debits. A transaction alone does not
        prevent this under PostgreSQL's and MySQL's default isolation levels; the row must
        be locked for the rest of the transaction, or the check and the write must be one
        conditional ``UPDATE``.

    Example:
        with transaction.atomic():
            seat = Seat.objects.get(pk=seat_id)
            if seat.holder_id is not None:
                raise SeatTaken(seat_id)
            seat.holder = user
            seat.save(update_fields=["holder"])

    Use instead:
        with transaction.atomic():
            seat = Seat.objects.select_for_update().get(pk=seat_id)
            if seat.holder_id is not None:
                raise SeatTaken(seat_id)
            seat.holder = user
            seat.save(update_fields=["holder"])
    """

    code = "OPS201"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS201 {variable} is loaded here, then written back without a row lock after a check "
        "or read of {fields}, so two concurrent calls can both pass and the later write "
        "wins; load it with select_for_update() inside the transaction, write with a "
        "conditional update() and F(), or declare a lock"
    )
    #: The message for a row loaded through SQLAlchemy, named with that ORM's remedies.
    SQLALCHEMY_MESSAGE = (
        "OPS201 {variable} is loaded here, then written back without a row lock after a check "
        "or read of {fields}, so two concurrent calls can both pass and the later write "
        "wins; write with a conditional update({model}).where(...).values(...), load it with "
        "{row_lock} (not on SQLite), or declare an opsgen lock"
    )
    #: The message for a Pony entity, which db_session writes back when it commits.
    PONY_MESSAGE = (
        "OPS201 {variable} is loaded here, then written back without a row lock after a check "
        "or read of {fields}, so two concurrent calls can both pass and the later write "
        "wins; load it with get_for_update() or select(...).for_update(), or write with one "
        "conditional UPDATE"
    )
    #: The message for an update that the database computes (``F()``) after a check of the
    #: same field on the copy read: atomic arithmetic, but an unlocked check.
    CHECKED_UPDATE_MESSAGE = (
        "OPS201 {variable} is loaded here without a lock and its field {field} is checked on "
        "line {check_line}, but the update() on line {line} changes {field} whatever the row "
        "holds by then, so two concurrent calls can both pass the check; make the check part of "
        "the update, {update}, and treat a count of 0 as a failed check, or load the row with "
        "select_for_update() inside the transaction"
    )
    #: The same for a SQLAlchemy ``update()`` statement whose value is a column expression.
    SQLALCHEMY_CHECKED_UPDATE_MESSAGE = (
        "OPS201 {variable} is loaded here without a lock and its field {field} is checked on "
        "line {check_line}, but the update() on line {line} changes {field} whatever the row "
        "holds by then, so two concurrent calls can both pass the check; make the check part of "
        "the statement, {update}, and treat a rowcount of 0 as a failed check, or load the row "
        "with {row_lock} (not on SQLite)"
    )
    #: The message for a row loaded with a lock whose transaction ended before the write.
    RELEASED_MESSAGE = (
        "OPS201 {variable} is locked here, but the transaction that holds the lock ended on "
        "line {end}, before the write-back of {fields}, so two concurrent calls can both "
        "pass and the later write wins; do the check and the write inside the transaction that "
        "took the lock"
    )

    #: The message for a row that a background task saves whole after slow work.
    STALE_SAVE_MESSAGE = (
        "OPS201 {variable} is loaded here, and the task saves the whole row on line {line} "
        "after slow work sets {fields}, so a change that another request made to its other "
        "fields meanwhile is overwritten with the values read here; save with "
        "update_fields=[...] naming the fields the task set, or write them with update()"
    )

    #: The message for a row that an operation's ``run()`` loads by a value that no lock key
    #: of its spec names (a foreign key of another row), so the declared locks do not cover it.
    OPERATION_MESSAGE = (
        "OPS201 {variable} is loaded here by a value that no lock key names, and {declared}; "
        "it is then written back after a check or read of {fields}, so two concurrent "
        "executions can both pass and the later write wins; load it with {row_lock}, or write "
        "with a conditional {update}"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        # Pony loads entities with Ticket[pk] as well, and writes them with no save call.
        pony_module = uses_pony(module)
        entities = pony_module or imports_pony_entity(module)
        candidates = {
            f.line
            for f in module.functions()
            if f.name != "<module>" and (entities or self.may_read_modify_write(module, f))
        }
        if not candidates:
            return
        for node in function_nodes(module.tree, candidates):
            locks = declared_locks(module, node)
            if locks is None and runs_in_pipeline(node):
                continue  # code that takes an ExecutionContext, under locks that cannot be looked up
            if locks is not None and locks.operation.singleton:
                continue  # the singleton claim serialises the executions, as OPS204 assumes
            findings = list(self.check_function(module, node, entities, pony_module, locks))
            if findings and not callers_hold_lock(module.tree, module.source, node):
                yield from drop_findings_locked_by_callers(module, node, findings)

    @staticmethod
    def may_read_modify_write(module: ModuleContext, function: FunctionSummary) -> bool:
        """Return True when the function's calls include a row load and a way to persist it.

        The load may be the call of a project helper that returns a row, which is resolved
        only when the function has no load of its own and saves or uses a session.
        """
        loads = False
        saves = False
        helper_calls = False  # a call whose result is used, named like a project function
        names = project_function_names(module.analysis)
        for call in function.calls:
            last = call.text.rpartition(".")[2]
            method = sync_method(last)
            if method in LOAD_TERMINALS or method in ("get_or_create", "update_or_create"):
                loads = True
            elif call.text == "self.get_object" or (call.target or call.text).endswith("get_object_or_404"):
                loads = True
            elif call.result_used and call.target and last in names:
                helper_calls = True
            if method in ("save", "update", "values", "update_or_create"):
                saves = True
        if not loads and not helper_calls:
            return False
        if not saves and not any(through_session(c.text) for c in function.calls):
            return False
        return loads or calls_row_helper(module.analysis, function)

    def check_function(
        self,
        module: ModuleContext,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        entities: bool = False,
        pony_module: bool = False,
        locks: DeclaredLocks | None = None,
    ) -> Iterator[Finding]:
        """Report the row loads of ``function`` written back unlocked; ``entities`` is whether
        the module may load Pony entities, ``pony_module`` whether it imports from Pony, and
        ``locks`` what the spec locks when ``function`` is an operation's ``run()``."""

        def entity_load(value: ast.expr) -> bool | None:
            return pony_load(module, value, pony_module)

        helper_queries: dict[int, ast.expr] = {}  # id() of a helper's call -> the load it returns

        def returned_load(value: ast.expr) -> Load | None:
            row = helper_load(module, value)
            if row is None:
                return None
            helper_queries[id(value)] = row.value
            return row.load

        # A background task keeps the row in memory while it works, often for seconds.
        task = any(is_task_decorator(module.qualify(d.func if isinstance(d, ast.Call) else d) or "") for d in function.decorator_list)
        collector = _BodyEvents(module.qualify, entity_load if entities else None, returned_load)
        collector.body(function.body, (), False)
        events = collector.events
        # Updates whose value the database computes (F(), a column expression), which a check
        # of the copy read before them leaves unsafe; most functions have none.
        computed_updates = any(
            event.kind == "update"
            and isinstance(event.node, ast.Call)
            and any(uses_f_expression(value, module.qualify) or column_expression(value, field) for field, value in _written_values(event.node))
            for event in events
        )
        rows = {(binding.line, binding.name): binding for binding in bind_rows(module, function, locks)} if locks is not None else {}
        for position, event in enumerate(events):
            if event.kind != "bind" or event.load is None or event.locked:
                continue
            row = rows.get((event.node.lineno, event.name)) if isinstance(event.node, ast.stmt) else None
            if row is not None and row.state in ("covered", "input"):
                continue  # a lock key names the input it was loaded by, or OPS204 reports the load
            if any(earlier.kind == "lock" for earlier in events[:position]):
                continue
            # ``result = session.execute(select(Job))`` runs the query; ``result.scalar_one()`` only unpacks it.
            node = event.at or event.node
            assert isinstance(node, ast.stmt)
            later = events[position + 1 :]
            lock_end = None
            if event.load.locked:
                # A locked row is safe only while the transaction that took the lock lasts.
                assert isinstance(event.node, ast.stmt)
                lock_end = lock_end_line(function, event.node, event.load.orm)
                if lock_end is None:
                    continue
                later = _persisted_after(later, lock_end, event.load.orm)
            fields = self.unlocked_write(later, event, module.qualify)
            checked = None
            if fields is None and computed_updates and not event.load.locked:
                checked = self.checked_database_update(function, later, event, module.qualify)
            if checked is not None:
                yield module.finding(self.code, self.checked_update_message(event, node, *checked), node.lineno, node.col_offset)
                continue
            if fields is None:
                stale = _stale_full_save(later, event.name) if task and event.load.orm == "django" and not event.load.locked else None
                if stale is not None:
                    message = self.STALE_SAVE_MESSAGE.format(variable=event.name, fields=_fields_phrase(stale[1]), line=stale[0])
                    yield module.finding(self.code, message, node.lineno, node.col_offset)
                continue
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if self.saved_with_version_check(module, event, later, helper_queries.get(id(value), value)):
                continue
            if lock_end is not None:
                message = self.RELEASED_MESSAGE.format(variable=event.name, fields=_fields_phrase(fields), end=lock_end)
            elif locks is not None and row is not None and row.state == "unlocked":
                message = self.operation_message(event, fields, row, locks)
            else:
                message = self.message(event, fields, node, helper_queries.get(id(value)))
            yield module.finding(self.code, message, node.lineno, node.col_offset)

    @staticmethod
    def saved_with_version_check(module: ModuleContext, bound: _Event, later: list[_Event], query: ast.expr | None) -> bool:
        """Return True when the row is written back through its own save or flush and its model
        has an optimistic version column, which makes a stale write raise instead of
        overwriting. A queryset ``update()`` or a copied value skips that check."""
        if bound.scalar or query is None or any(event.kind == "update" for event in later):
            return False
        return loads_versioned_row(module, loaded_model(query))

    def operation_message(self, bound: _Event, fields: tuple[str, ...], row: RowBinding, locks: DeclaredLocks) -> str:
        """Return the message for a row that an operation's ``run()`` loads by a value no lock key names."""
        if row.orm == "django":
            update = "update() and F()"
        else:
            update = f"update({loaded_model(row.value) or 'Model'}).where(...).values(...)"
        return self.OPERATION_MESSAGE.format(
            variable=bound.name,
            fields=_fields_phrase(fields),
            declared=locks.describe(),
            row_lock=row_lock_remedy(row.orm, row.value),
            update=update,
        )

    def message(self, bound: _Event, fields: tuple[str, ...], statement: ast.stmt, query: ast.expr | None = None) -> str:
        """Return the finding's message, with the remedies of the ORM that loaded the row.

        ``query`` is the load that a helper called in ``statement`` returns, if any.
        """
        assert bound.load is not None
        phrase = _fields_phrase(fields)
        if bound.load.orm == "pony":
            return self.PONY_MESSAGE.format(variable=bound.name, fields=phrase)
        if bound.load.orm != "sqlalchemy":
            return self.MESSAGE.format(variable=bound.name, fields=phrase)
        if query is None and isinstance(statement, (ast.Assign, ast.AnnAssign)):
            query = statement.value
        model = loaded_model(query) if query is not None else ""
        return self.SQLALCHEMY_MESSAGE.format(
            variable=bound.name,
            fields=phrase,
            row_lock=row_lock_remedy("sqlalchemy", query),
            model=model or "Model",
        )

    def unlocked_write(self, events: list[_Event], bound: _Event, qualify: Qualify) -> tuple[str, ...] | None:
        """Return the fields written back after a check or read of them, when they are persisted.

        ``bound`` is the binding of the loaded row, or of a value copied from one
        (``bound.scalar``), which only an ``update()`` can write back. Fields incremented
        in Python (``o.f += n``, OPS202's own finding) come first when the same save or
        flush persists them: they are the usual lost update.
        """
        variable, load = bound.name, bound.load
        assert load is not None
        guard_tests: list[tuple[ast.expr, int]] = []  # early-exit test, actions run before it
        actions: list[_Event] = []  # calls run for what they do (a mail, a transfer), in order
        pending: str | None = None
        increments: list[str] = []  # fields incremented in Python before the save
        derived: dict[str, set[str]] = {variable: set(bound.scalar)} if bound.scalar else {}
        # Two callers that load the row their query checked and write the same value
        # (``date_end = now()``) leave it as one caller would. They race when each writes its
        # own value (``holder = buyer``), or when the function also acts on the row.
        acts = any(event.kind == "effect" and not event.alternative for event in events)
        writes = [event for event in events if event.kind in ("write", "write-item") and event.name == variable]
        # A mail sent after the write, under the same check, is still sent by both callers.
        effects = [event for event in events if event.kind == "effect" and not event.alternative]
        for event in events:
            if event.kind == "bind" and event.name == variable:
                if event.alternative:
                    continue  # ``except DoesNotExist: current = 0`` runs instead of the read, not after it
                break
            if event.kind == "bind":
                node = event.node
                assert isinstance(node, (ast.Assign, ast.AnnAssign))
                fields = _fields_read(node.value, variable, derived) if node.value is not None else set()
                if fields:
                    derived[event.name] = fields
                else:
                    derived.pop(event.name, None)
                continue
            if event.kind == "lock":
                return None
            if event.kind == "effect":
                actions.append(event)
            elif event.kind == "guard":
                assert isinstance(event.node, ast.expr)
                guard_tests.append((event.node, len(actions)))
            elif event.kind in ("write", "write-item") and event.name == variable and not event.locked and not bound.scalar:
                node = event.node
                assert isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
                value = node.value
                field = _field(event.attr)
                if field in ("pk", "id") and isinstance(value, ast.Constant) and value.value is None:
                    return None  # a copy saved as a new row
                if field_increment(node) is not None:
                    increments.append(event.attr)
                    continue  # o.f = o.f + n is OPS202's, at that line
                if uses_f_expression(value, qualify):
                    # An F() write is atomic, but a check of the old value before it is not:
                    # ``if c.used >= c.limit: raise``, then ``c.used = F("used") + 1``.
                    if _checks_field(event, field, guard_tests, variable):
                        pending = pending or event.attr
                    continue
                claims = field in bound.checked and (acts or _reads_variable(value) or _writes_own_value(writes, field))
                if claims or self.depends_on_old_value(event, field, value, guard_tests, effects, writes, variable, derived):
                    if load.orm in FLUSHING_ORMS:
                        return _with_increments(increments, event.attr)
                    pending = pending or event.attr
            elif event.kind == "increment" and event.name == variable and not event.locked and not bound.scalar:
                increments.append(event.attr)
            elif event.kind == "mutate" and event.name == variable and not event.locked and not bound.scalar:
                if load.orm in FLUSHING_ORMS:
                    return _with_increments(increments, event.attr)
                pending = pending or event.attr
            elif event.kind == "save" and event.name == variable and pending is not None:
                return _with_increments(increments, pending)
            elif event.kind == "update" and not event.locked:
                assert isinstance(event.node, ast.Call)
                if _conditional_on_read(event.node, variable, derived):
                    continue
                written = self.written_from_read(event.node, bound, derived, qualify)
                if written is None and not bound.scalar and _updates_row(event.node, variable, _load_key(_bound_value(bound))):
                    # Job.objects.filter(pk=job.pk).update(state="running"): the loaded row's own write.
                    # The update statement is recorded as an effect too; it is not an act besides the write.
                    acts_besides = any(
                        e.kind == "effect" and not e.alternative and getattr(e.node, "value", None) is not event.node for e in events
                    )
                    for field, value in _written_values(event.node):
                        if uses_f_expression(value, qualify) or column_expression(value, field) or selects_by_field(event.node, field):
                            # The database computes the value, or the filter repeats the check: a
                            # check of the copy before it is checked_database_update()'s finding.
                            continue
                        as_write = replace(event, attr=field)
                        claims = _field(field) in bound.checked and (acts_besides or _reads_variable(value))
                        if claims or self.depends_on_old_value(as_write, _field(field), value, guard_tests, effects, writes, variable, derived):
                            return (field,)
                if written is not None:
                    return (written,)
        return None

    @staticmethod
    def checked_database_update(
        function: ast.FunctionDef | ast.AsyncFunctionDef, events: list[_Event], bound: _Event, qualify: Qualify
    ) -> tuple[ast.Call, str, FieldCheck] | None:
        """Return an ``update()`` of the loaded row that the database computes (``F("stock") -
        n``, SQLAlchemy's ``Product.stock - n``) after a check of the same field on the copy
        read, with no such check in its own filter; with the field and the check.

        The arithmetic is atomic, but two callers that read the row before either writes
        both pass the check: the stock goes below zero.
        """
        if bound.scalar:
            return None
        key = _load_key(_bound_value(bound))
        for event in events:
            if event.kind == "bind" and event.name == bound.name and not event.alternative:
                return None  # the name holds another row from here on
            if event.kind == "lock":
                return None
            if event.kind != "update" or event.locked or not isinstance(event.node, ast.Call):
                continue
            call = event.node
            if not _updates_row(call, bound.name, key):
                continue
            for field, value in _written_values(call):
                computed = uses_f_expression(value, qualify) or column_expression(value, field)
                if not computed or selects_by_field(call, field):
                    continue
                check = guarding_check(function, bound.name, field, call.lineno)
                if check is not None:
                    return call, field, check
        return None

    def checked_update_message(self, bound: _Event, statement: ast.stmt, call: ast.Call, field: str, check: FieldCheck) -> str:
        """Return the message for :meth:`checked_database_update`'s finding, with the ORM's conditional update."""
        assert bound.load is not None
        value = dict(_written_values(call))[field]
        if bound.load.orm == "sqlalchemy":
            query = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None else None
            model = (loaded_model(query) if query is not None else "") or _model_name(call) or "Model"
            update = conditional_update("sqlalchemy", model, bound.name, field, ast.unparse(value), check)
            return self.SQLALCHEMY_CHECKED_UPDATE_MESSAGE.format(
                variable=bound.name,
                field=field,
                check_line=check.line,
                line=call.lineno,
                update=update,
                row_lock=row_lock_remedy("sqlalchemy", query),
            )
        loaded = _bound_value(bound)
        model = _model_name(call) or (loaded_model(loaded) if loaded is not None else "")
        update = conditional_update("django", model, bound.name, field, ast.unparse(value), check)
        return self.CHECKED_UPDATE_MESSAGE.format(variable=bound.name, field=field, check_line=check.line, line=call.lineno, update=update)

    @staticmethod
    def written_from_read(call: ast.Call, bound: _Event, derived: dict[str, set[str]], qualify: Qualify) -> str | None:
        """Return the field an ``update()`` writes with a value computed from the copy read, else None."""
        for written, new_value in _written_values(call):
            # update(times_used=code.times_used + 1): the new value was computed from the copy read.
            if _field(written) not in _fields_read(new_value, bound.name, derived) or uses_f_expression(new_value, qualify):
                continue
            if bound.scalar:
                # A value copied as it is, or into another model's field, is no read-modify-write.
                assert isinstance(bound.node, (ast.Assign, ast.AnnAssign)) and bound.node.value is not None
                read_model, written_model = _model_name(bound.node.value), _model_name(call)
                copied = isinstance(new_value, ast.Name) and new_value.id == bound.name
                if copied or (read_model and written_model and read_model != written_model):
                    continue
            return written
        return None

    @staticmethod
    def depends_on_old_value(
        event: _Event,
        field: str,
        value: ast.expr,
        guard_tests: list[tuple[ast.expr, int]],
        actions: list[_Event],
        writes: list[_Event],
        variable: str,
        derived: dict[str, set[str]],
    ) -> bool:
        """Return True when the write reads the field, or a check of the field guards it.

        ``if v.a != x: v.a = x`` only skips a needless write, unless the check also guards
        an action (``if state.sent_on == today: return``, then a mail, then the write) or
        the write of another field of the row (``v.holder = user``): two callers that both
        pass it both act, or both write their own value. ``actions`` are all the function's
        actions, also those after the write.
        """
        if event.kind == "write-item" or field in _fields_read(value, variable, derived):
            return True
        others = [other for other in writes if _field(other.attr) != field]
        for test, actions_before in guard_tests:
            if field in _fields_read(test, variable):
                if len(actions) > actions_before or others or not _skips_same_value(test, variable, event.attr, value, flags=False):
                    return True
        for test in event.guards:
            if field in _fields_read(test, variable):
                guarded_action = any(any(guard is test for guard in action.guards) for action in actions)
                guarded_write = any(any(guard is test for guard in other.guards) for other in others)
                if guarded_action or guarded_write or not _skips_same_value(test, variable, event.attr, value):
                    return True
        return False

    VALID = [
        # The row is locked for the rest of the transaction.
        "from django.db import transaction\n"
        "from teams.models import Seat\n\n"
        "def claim(seat_id, user):\n"
        "    with transaction.atomic():\n"
        "        seat = Seat.objects.select_for_update().get(pk=seat_id)\n"
        "        if seat.holder_id is not None:\n"
        "            raise ValueError(seat_id)\n"
        "        seat.holder = user\n"
        "        seat.save()\n",
        # SQLAlchemy: with_for_update() in the chain.
        "from sqlalchemy import select\n\n"
        "def debit(session, account_id, amount):\n"
        "    with session.begin():\n"
        "        account = session.execute(select(Account).where(Account.id == account_id).with_for_update()).scalar_one()\n"
        "        account.balance = account.balance - amount\n",
        # The new value is an F() expression, imported under another name.
        "from django.db.models import F as Field\n\n"
        "def bump(code_id):\n"
        "    code = AccessCode.objects.get(pk=code_id)\n"
        "    code.times_used = Field('times_used') + 1\n"
        "    code.save(update_fields=['times_used'])\n",
        # Optimistic locking: the update matches only the version read and bumps it.
        "def take(item_id, n):\n"
        "    item = Item.objects.get(pk=item_id)\n"
        "    if item.quantity < n:\n"
        "        raise ValueError('not enough stock')\n"
        "    rows = Item.objects.filter(pk=item.pk, version=item.version).update(\n"
        "        quantity=item.quantity - n, version=item.version + 1)\n"
        "    if not rows:\n"
        "        raise ConcurrentChange(item_id)\n",
        # A conditional update does the check and the write in one statement.
        "from django.db.models import F, Q\n\n"
        "def redeem(value):\n"
        "    return AccessCode.objects.filter(code=value).filter(Q(times_used__lt=F('max_uses'))).update(times_used=F('times_used') + 1)\n",
        # A related manager's add() writes a link row, not the loaded row's field.
        "def join(team_id, user):\n"
        "    team = Team.objects.get(pk=team_id)\n"
        "    team.members.add(user)\n"
        "    team.save()\n",
        # The test only skips a write of the same value.
        "def rename(customer_id, name):\n"
        "    customer = Customer.objects.get(pk=customer_id)\n"
        "    if customer.is_active and customer.name != name:\n"
        "        customer.name = name\n"
        "        customer.save()\n",
        # A threading lock or a project lock helper serialises the callers.
        "def claim(seat_id, user):\n"
        "    with seat_lock(seat_id):\n"
        "        seat = Seat.objects.get(pk=seat_id)\n"
        "        if seat.holder_id is None:\n"
        "            seat.holder = user\n"
        "            seat.save()\n",
        "def claim(seat_id, user):\n"
        "    lock_objects([Seat])\n"
        "    seat = Seat.objects.get(pk=seat_id)\n"
        "    if seat.holder_id is None:\n"
        "        seat.holder = user\n"
        "        seat.save()\n",
        # The checked field is not the one written, and no writer changes date_start.
        "def close(key):\n"
        "    session = StaffSession.objects.filter(key=key).first()\n"
        "    if session.date_start < cutoff():\n"
        "        session.date_end = now()\n"
        "        session.save()\n",
        # A copy saved as a new row.
        "def split(order_id):\n"
        "    copy = Order.objects.get(pk=order_id)\n"
        "    copy.pk = None\n"
        "    copy.total = copy.total / 2\n"
        "    copy.save()\n",
        # The lock sits on a statement bound to a name first.
        "from sqlalchemy import select\n\n"
        "def debit(session, account_id, amount):\n"
        "    with session.begin():\n"
        "        stmt = select(Account).where(Account.id == account_id).with_for_update()\n"
        "        account = session.execute(stmt).scalar_one()\n"
        "        account.balance = account.balance - amount\n",
        "def claim(seat_id, user):\n"
        "    seats = Seat.objects.select_for_update().filter(active=True)\n"
        "    seat = seats.get(pk=seat_id)\n"
        "    if seat.holder_id is None:\n"
        "        seat.holder = user\n"
        "        seat.save()\n",
        # dict.get is not a load.
        "def merge(options, key):\n"
        "    entry = options.get(key)\n"
        "    if entry.count > 1:\n"
        "        entry.count = 0\n"
        "        entry.save()\n",
        # The query checked date_end, and every caller writes the same closing time.
        "def close_stale(user, key):\n"
        "    session = StaffSession.objects.filter(user=user, date_end__isnull=True, key=key).first()\n"
        "    if session and session.date_start < cutoff():\n"
        "        session.date_end = now()\n"
        "        session.save()\n",
        # A private method whose only caller locks the row first.
        "class OrderChange:\n"
        "    def commit(self):\n"
        "        Order.objects.select_for_update().get(pk=self.order.pk)\n"
        "        self._apply()\n\n"
        "    def _apply(self):\n"
        "        order = Order.objects.get(pk=self.order.pk)\n"
        "        if order.status == 'pending':\n"
        "            order.status = 'changed'\n"
        "            order.save()\n",
        # A value of one model written into another model's row is no read-modify-write.
        "def bill(order_id, fee):\n"
        "    total = Order.objects.get(pk=order_id).total\n"
        "    Invoice.objects.filter(order_id=order_id).update(total=total + fee)\n",
        # The nested function is a definition: its write does not run here.
        "def claim(seat_id, user):\n"
        "    seat = Seat.objects.get(pk=seat_id)\n"
        "    def later():\n"
        "        if seat.holder_id is None:\n"
        "            seat.holder = user\n"
        "            seat.save()\n"
        "    return later\n",
        # The inner atomic() is a savepoint: the outer block keeps the lock until the save.
        "from django.db import transaction\n\n"
        "def claim(seat_id, user):\n"
        "    with transaction.atomic():\n"
        "        with transaction.atomic():\n"
        "            seat = Seat.objects.select_for_update().get(pk=seat_id)\n"
        "        if seat.holder_id is None:\n"
        "            seat.holder = user\n"
        "            seat.save()\n",
        # The @atomic function's transaction holds the lock to its end.
        "from django.db import transaction\n\n"
        "@transaction.atomic\n"
        "def claim(seat_id, user):\n"
        "    with transaction.atomic():\n"
        "        seat = Seat.objects.select_for_update().get(pk=seat_id)\n"
        "    if seat.holder_id is None:\n"
        "        seat.holder = user\n"
        "        seat.save()\n",
        # SQLAlchemy: the change is written by the commit that ends the lock.
        "def freeze(session, account_id):\n"
        "    account = session.get(Account, account_id, with_for_update=True)\n"
        "    if account.status != 'active':\n"
        "        raise ValueError('not active')\n"
        "    account.status = 'frozen'\n"
        "    session.commit()\n",
        # The update repeats the check in its filter: a compare-and-set whose count tells the result.
        "from django.db.models import F\n\n"
        "def reserve(product_id, quantity):\n"
        "    product = Product.objects.get(pk=product_id)\n"
        "    if product.stock < quantity:\n"
        "        raise ValueError(product_id)\n"
        "    if not Product.objects.filter(pk=product.pk, stock__gte=quantity).update(stock=F('stock') - quantity):\n"
        "        raise ValueError(product_id)\n",
    ]
    INVALID = [
        "from django.db import transaction\n"
        "from teams.models import Seat\n\n"
        "def claim(seat_id, user):\n"
        "    with transaction.atomic():\n"
        "        seat = Seat.objects.get(pk=seat_id)  # OPS201\n"
        "        if seat.holder_id is not None:\n"
        "            raise ValueError(seat_id)\n"
        "        seat.holder = user\n"
        "        seat.save(update_fields=['holder'])\n",
        # The new value is computed from the old one.
        "from django.db import transaction\n\n"
        "@transaction.atomic\n"
        "def debit(account_id, amount):\n"
        "    account = Account.objects.filter(pk=account_id).first()  # OPS201\n"
        "    account.balance = max(account.balance - amount, 0)\n"
        "    account.save()\n",
        # get_object_or_404 and a write nested under the check.
        "from django.shortcuts import get_object_or_404 as fetch\n\n"
        "def approve(request, pk):\n"
        "    order = fetch(Order, pk=pk)  # OPS201\n"
        "    if order.status == 'pending':\n"
        "        order.status = 'approved'\n"
        "        order.save()\n",
        # A view's object, checked and changed.
        "class ApproveView(UpdateView):\n"
        "    def post(self, request, *args, **kwargs):\n"
        "        order = self.get_object()  # OPS201\n"
        "        if order.status != 'pending':\n"
        "            return self.error()\n"
        "        order.status = 'approved'\n"
        "        order.save()\n"
        "        return self.done()\n",
        # SQLAlchemy: the session flushes the write at commit.
        "def freeze(session, account_id):\n"
        "    with session.begin():\n"
        "        account = session.get(Account, account_id)  # OPS201\n"
        "        if account.status != 'active':\n"
        "            raise ValueError('not active')\n"
        "        account.status = 'frozen'\n",
        # A queryset bound to a name first, without a lock.
        "def claim(seat_id, user):\n"
        "    seats = Seat.objects.filter(active=True)\n"
        "    seat = seats.get(pk=seat_id)  # OPS201\n"
        "    if seat.holder_id is None:\n"
        "        seat.holder = user\n"
        "        seat.save()\n",
        # The value written by update() was computed from the row read before.
        "def redeem(value):\n"
        "    code = AccessCode.objects.get(code=value)  # OPS201\n"
        "    AccessCode.objects.filter(pk=code.pk).update(times_used=code.times_used + 1)\n",
        # The new value goes through a local name into update_or_create()'s defaults.
        "def deposit(user, amount):\n"
        "    pot = Pot.objects.filter(user=user).first()  # OPS201\n"
        "    current = pot.total if pot else 0\n"
        "    Pot.objects.update_or_create(user=user, defaults={'total': current + amount})\n",
        # get_or_create() returns the row first.
        "def use_once(user, code):\n"
        "    grant, created = Grant.objects.get_or_create(user=user, code=code)  # OPS201\n"
        "    if grant.used:\n"
        "        raise PermissionError(code)\n"
        "    grant.used = True\n"
        "    grant.save()\n",
        # F() makes the increment atomic, but the limit check read an unlocked row.
        "from django.db.models import F\n\n"
        "def redeem(code_id):\n"
        "    code = AccessCode.objects.get(pk=code_id)  # OPS201\n"
        "    if code.times_used >= code.max_uses:\n"
        "        raise ValueError(code_id)\n"
        "    code.times_used = F('times_used') + 1\n"
        "    code.save(update_fields=['times_used'])\n",
        # The same through a queryset update() by the key the row was loaded by.
        "from django.db.models import F\n\n"
        "def reserve(product_id, quantity):\n"
        "    product = Product.objects.get(pk=product_id)  # OPS201\n"
        "    if product.stock < quantity:\n"
        "        raise ValueError(product_id)\n"
        "    Product.objects.filter(pk=product_id).update(stock=F('stock') - quantity)\n",
        # Claimed through an update() by primary key, then run: two workers run the job.
        "def run_next_job():\n"
        "    job = Job.objects.filter(state='queued').first()  # OPS201\n"
        "    if job is None:\n"
        "        return\n"
        "    Job.objects.filter(pk=job.pk).update(state='running')\n"
        "    job.execute()\n",
        # A JSON list field appended to in Python and saved.
        "def add_bookmark(user_id, url):\n"
        "    profile = Profile.objects.get(user_id=user_id)  # OPS201\n"
        "    profile.bookmarks.append(url)\n"
        "    profile.save(update_fields=['bookmarks'])\n",
        # An F() from another package is not Django's.
        "from formulas import F\n\n"
        "def bump(code_id):\n"
        "    code = AccessCode.objects.get(pk=code_id)  # OPS201\n"
        "    code.times_used = F(code.times_used) + 1\n"
        "    code.save()\n",
        # The query is the check: it finds a free seat, and the caller's buyer is written.
        "def reserve(event, buyer):\n"
        "    seat = Seat.objects.filter(event=event, holder__isnull=True).first()  # OPS201\n"
        "    if seat is None:\n"
        "        raise SoldOut(event)\n"
        "    seat.holder = buyer\n"
        "    seat.save()\n",
        # An async result unpacked after the query ran: reported where it ran.
        "from sqlalchemy import select\n\n"
        "async def claim(session, job_id):\n"
        "    result = await session.execute(select(Job).where(Job.id == job_id))  # OPS201\n"
        "    job = result.scalar_one()\n"
        "    if job.state != 'queued':\n"
        "        return\n"
        "    job.state = 'running'\n"
        "    await session.commit()\n",
        # A Core column read through await, written back computed by update().values().
        "from sqlalchemy import select, update\n\n"
        "async def spend(conn, org_id, cost):\n"
        "    balance = (await conn.execute(select(credits.c.balance).where(credits.c.org_id == org_id))).scalar_one()  # OPS201\n"
        "    if balance < cost:\n"
        "        raise ValueError(org_id)\n"
        "    await conn.execute(update(credits).where(credits.c.org_id == org_id).values(balance=balance - cost))\n",
        # Pony: db_session writes the claimed seat when it commits, with no save().
        "from pony.orm import db_session\n\n"
        "@db_session\n"
        "def claim(seat_id, user_id):\n"
        "    seat = Seat.get(id=seat_id)  # OPS201\n"
        "    if seat.holder_id is not None:\n"
        "        raise ValueError(seat_id)\n"
        "    seat.holder_id = user_id\n",
        # A value copied from the row, then written back computed by update().
        "def sell(product_id, quantity):\n"
        "    stock = Product.objects.filter(pk=product_id).values_list('stock', flat=True).get()  # OPS201\n"
        "    Product.objects.filter(pk=product_id).update(stock=stock - quantity)\n",
        # The same-value test guards a mail sent before the write: two callers both send.
        "def send_daily(today):\n"
        "    state = DigestState.objects.get(name='daily')  # OPS201\n"
        "    if state.last_sent == today:\n"
        "        return\n"
        "    send_digest()\n"
        "    state.last_sent = today\n"
        "    state.save()\n",
        # The lock is taken in a nested function that never runs here.
        "def claim(event, code, user):\n"
        "    def locked():\n"
        "        lock_objects([event])\n"
        "    ticket = event.tickets.get(code=code)  # OPS201\n"
        "    if ticket.owner_id is None:\n"
        "        ticket.owner = user\n"
        "        ticket.save()\n",
        # The atomic() block that holds the lock ends before the check and the save.
        "from django.db import transaction\n\n"
        "def claim(seat_id, user):\n"
        "    with transaction.atomic():\n"
        "        seat = Seat.objects.select_for_update().get(pk=seat_id)  # OPS201\n"
        "    if seat.holder_id is not None:\n"
        "        raise ValueError(seat_id)\n"
        "    seat.holder = user\n"
        "    seat.save()\n",
        # SQLAlchemy: the first commit ends the lock, the second writes the change.
        "def freeze(session, account_id):\n"
        "    account = session.get(Account, account_id, with_for_update=True)  # OPS201\n"
        "    session.commit()\n"
        "    if account.status != 'active':\n"
        "        raise ValueError('not active')\n"
        "    account.status = 'frozen'\n"
        "    session.commit()\n",
    ]
