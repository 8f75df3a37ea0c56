"""OPS202: a field incremented in Python and then saved."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace

from opsgen.lint.caller_locks import drop_findings_locked_by_callers
from opsgen.lint.guarded_writes import FieldCheck, conditional_update, guarding_check
from opsgen.lint.knowledge import sync_method
from opsgen.lint.identity_map import stale_locked_load
from opsgen.lint.lock_scope import lock_end_line
from opsgen.lint.increment_amounts import amount_kind, text_named_field
from opsgen.lint.model_declarations import declared_field_kind, loads_versioned_row
from opsgen.lint.operation_locks import UNCOVERED, DeclaredLocks, RowBinding, bind_rows, declared_locks, row_at
from opsgen.lint.orm import (
    LOAD_TERMINALS,
    Load,
    callee_name,
    callers_hold_lock,
    classify_load,
    loaded_model,
    field_increment,
    is_lock_name,
    is_migration_path,
    query_binding,
    refreshed_with_lock,
    row_lock_remedy,
    runs_in_pipeline,
    scope_nodes,
    setattr_field_name,
    thread_lock_names,
    takes_lock,
    through_session,
)
from opsgen.lint.pony_entities import imports_pony_entity, pony_load, uses_pony
from opsgen.lint.returned_rows import calls_row_helper, helper_load, project_function_names
from opsgen.lint.row_collections import RowCollections
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.summary import FunctionSummary, dotted_text, function_nodes

#: ``obj.field += ...``, ``obj.field -= ...`` or ``obj.field = obj.field + ...`` in the source.
FIELD_INCREMENT = re.compile(r"\.(\w+)\s*(?:[-+]=|=[^=\n]*\.\1\s*[-+])")
#: ``setattr(obj, name, getattr(obj, name) + n)`` in the source. Each of the two patterns
#: starts with a literal, which the regex engine scans for quickly. Joined by ``|``, or led
#: by ``\b``, a pattern is tried at every position instead, which took about five times as
#: long on Django 5.2's 885 files. The lookbehind after the literal does the work of ``\b``.
SETATTR_INCREMENT = re.compile(r"setattr(?<!\wsetattr)\([^()\n]*getattr\(")
#: Calls whose result is a row no other request can see yet, or a private copy of one.
FRESH_CALLS = frozenset({"create", "copy", "deepcopy"})
#: The project of the operation examples: a spec that locks ``order:{order_id}``.
OPERATION_FILES = {
    "app/__init__.py": "",
    "app/generated.py": "from opsgen.runtime.operation import Operation\n\nclass SettleOrderBase(Operation):\n    pass\n",
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/settle_order.yaml": (
        "name: billing.settle_order\n"
        "transaction: true\n"
        "input:\n"
        "  order_id: int\n"
        "  amount: decimal\n"
        "locks:\n"
        '  - key: "order:{order_id}"\n'
    ),
}


class IncrementThenSave(Rule):
    """Flags ``obj.field += n`` (or ``-=``, or ``obj.field = obj.field + n``) followed by ``obj.save()``.

    What it does:
        Reports an augmented assignment to a field of an object (or the same change written
        as ``setattr(obj, field, getattr(obj, field) + n)``) when the same function later
        writes that object back with ``bulk_update()`` of the field, taking it from a list or
        dictionary filled by a query without ``select_for_update()``, or
        saves that object, or when the object was loaded from a SQLAlchemy session (whose
        flush writes it) or is a Pony entity loaded with ``Ticket.get(...)``,
        ``Ticket[pk]`` or a query's ``first()`` (``db_session`` writes it when it commits).
        Not reported: an object created in the function
        (``Model(...)``, ``.create(...)``, a copy with ``pk = None``), a row loaded with
        ``select_for_update()``/``with_for_update()`` while its transaction lasts (also by a
        project function that returns the row, whatever its name, or reloaded with
        ``refresh_from_db(from_queryset=...select_for_update())`` or ``session.refresh(row,
        with_for_update=True)``), a Pony
        entity loaded with ``get_for_update()`` or ``select(...).for_update()``, code
        inside ``with <lock>:`` or after a call that takes a lock, text or a list appended
        to a field (see below), migrations, which run alone, a row of a model with an optimistic version column,
        and a private function whose every call in the module runs after a lock. A
        SQLAlchemy model declares one with ``version_id_col`` in ``__mapper_args__`` (its
        flush updates only the version read and raises ``StaleDataError`` otherwise), a
        Django model with a version field of django-concurrency (``IntegerVersionField``,
        ``AutoIncVersionField``) or django-optimistic-lock (``VersionField``), whose
        ``save()`` raises in the same case.

        An amount of unknown type counts as a number: a request value (``data["amount"]``,
        ``data.get("amount")``, ``form.cleaned_data["amount"]``, ``request.json["amount"]``),
        a name, an attribute or a call. Text or a list builds a value rather than counting,
        and no update with ``F()`` replaces it, so it is not reported when the amount shows
        it (a string or f-string, a list or tuple, ``str(...)``, ``", ".join(...)``,
        ``line.strip()``, ``"%s" % x``, or a sum with one of these), when the model declares
        the field as text, JSON or an array (Django's ``CharField``, ``TextField``,
        ``JSONField``, ``ArrayField``, SQLAlchemy's ``String``, ``Text``, ``JSON``,
        ``ARRAY``, ``Mapped[str]``), or, with no declaration found, when the field's name
        ends in a word for text (``note``, ``notes``, ``description``, ``comment``,
        ``message``, ``text``, ``body``, ``content``, ``log``, ``history``, ``reason``,
        ``title``, ``name``, ``label``, ``summary``, ``address``, ``url``, ``tags``, ...).
        A declared number field and an amount that is a number (``1``, ``int(raw)``,
        ``Decimal(raw)``, ``len(rows)``) count whatever the field's name.

        In the ``run()`` of an opsgen operation, the spec's ``locks:`` cover a row loaded by
        an input that a lock key names (``order:{order_id}`` and
        ``ctx.session.get(Order, order_id)``), or a context key that a lock key names
        (``ctx.actor`` for ``{actor}``), and the rows loaded by its ``.id``. A row
        loaded by an input that no key names is OPS204's finding. A row loaded by any other
        value (``ctx.session.get(Customer, order.customer_id)``, a ``select(...).where(...)``
        or ``query(...).filter_by(...).one()`` on such a value) or reached through a
        relationship (``order.customer``) is reported at its increment, with a message that
        names the spec's locks. A singleton operation, and other code that takes an
        ``ExecutionContext``, whose operation's locks are not known there, are not checked.

        The remedy follows the ORM: Django's ``update()`` with ``F()`` and
        ``select_for_update()`` for a saved object, SQLAlchemy's
        ``update(Model).values(...)`` and ``with_for_update()`` for a row the session
        loaded, whose flush writes it without any ``save()``. When a check of the field's
        old value guards the change (``if product.stock < quantity: raise``, or an ``if``
        around it), an update with ``F()`` alone would still let two callers pass the check,
        so the message names the update that repeats the check in its filter,
        ``filter(pk=product.pk, stock__gte=quantity).update(stock=F("stock") - quantity)``
        (``where(Product.stock >= quantity)`` for SQLAlchemy), whose count of 0 means the
        check failed.

        SQLite has no row locks. SQLAlchemy's SQLite dialect leaves ``FOR UPDATE`` out of
        the query, and Django's ``select_for_update()`` has no effect there either, so the
        lock remedy protects nothing on SQLite. There, write with one statement that reads
        and writes the value (``UPDATE ... SET x = x + :n``, with the check in its
        ``WHERE``), or take an opsgen lock (``locks:`` in the operation's spec, see
        docs/locks.md) around the read and the write.

        A row loaded without a lock after the function locked another row (the order
        locked, the product read plainly and its stock decremented) is reported at that
        load, with a message that names the locked row, because the fix is the same lock
        on this load.

        A ``threading.Lock()`` held around the change of a row that the function loads from
        the database does not count, since it serialises the threads of one process while
        the row is shared by every process and host; the message says so. Neither does a SQLAlchemy lock taken by a second query for a row
        that the session already holds from an unlocked load of the same key, without
        ``populate_existing``: the session returns the object with the attributes read
        the first time.

        A row lock lasts only as long as the transaction that took it: an increment after
        the ``atomic()`` block that holds the ``select_for_update()`` (the outermost one
        in the function), or after the ``with session.begin():`` block or the
        ``commit()`` that ends a ``with_for_update()`` load, is reported with a message
        that names the line where the lock ended.

    Why is this bad:
        The new value is computed from the copy this process read. Two requests that read
        ``times_used = 4`` both write 5, and one use is lost; with a limit check before it,
        both pass the check and the limit is exceeded.

    Example:
        code = AccessCode.objects.get(code=value)
        code.times_used += 1
        code.save()

    Use instead:
        AccessCode.objects.filter(code=value).update(times_used=F("times_used") + 1)
    """

    code = "OPS202"
    name = "missing-lock"
    scope = "module"
    #: ``{changed}`` is "incremented" or "decremented", ``{verb}`` "increment" or
    #: "decrement", and ``{sign}`` the matching "+" or "-".
    MESSAGE = (
        "OPS202 {target} is {changed} in Python and then saved, so concurrent calls lose "
        "updates; {verb} it in the database with update({field}=F(\"{field}\") {sign} n), or load "
        "the row with select_for_update() inside a transaction first"
    )
    #: The message for a change that a check of the field's old value guards
    #: (``if p.stock < n: raise``). An update with ``F()`` alone would still let two
    #: callers pass the check, so the remedy repeats the check in the update's filter.
    CHECKED_MESSAGE = (
        "OPS202 {target} is {changed} in Python and then saved after the check of its old value "
        "on line {check_line}, so concurrent calls can both pass the check and one update is lost; "
        "make the check part of the update, {update}, and treat a count of 0 as a failed check, "
        "or load the row with select_for_update() inside a transaction first"
    )
    #: The message for a model method that changes its own row: the method cannot load
    #: ``self`` again, so the lock must be its callers'. The check reads only the callers
    #: in the project (:mod:`opsgen.lint.caller_locks`).
    OWN_ROW_MESSAGE = (
        "OPS202 {target} is {changed} in Python and then saved, so concurrent calls lose "
        "updates; {verb} it in the database with {update} and then refresh_from_db(), or load "
        "the row with select_for_update() inside a transaction in every caller; when callers "
        "outside the project do so, mark the line # noqa: OPS202"
    )
    #: Added to a finding inside ``with <threading lock>:``. Web servers and task queues run
    #: several processes, each with its own lock object, and other hosts share the row too.
    THREAD_LOCK_NOTE = (
        "the threading lock {lock} taken on line {line} serialises the threads of one process "
        "only, while every worker process and host writes the same row"
    )
    #: The message for a row locked after the session already held it (see
    #: :mod:`opsgen.lint.identity_map`).
    STALE_IDENTITY_MESSAGE = (
        "OPS202 {target} is {changed} in Python from the value read on line {early}: the "
        "locking query on line {line} locks the {model} row, but without populate_existing the "
        "session returns the object it already holds with its old attributes, so concurrent "
        "calls lose updates; add .execution_options(populate_existing=True) to the locking "
        "query, or load the row with the lock the first time"
    )
    #: The message for ``setattr(o, field, getattr(o, field) + n)`` with the field's name in a variable.
    SETATTR_MESSAGE = (
        "OPS202 getattr({owner}, {field}) is {changed} in Python, set back with setattr() and "
        "then saved, so concurrent calls lose updates; {verb} it in the database with "
        "update(**{{{field}: F({field}) {sign} n}}), or load the row with select_for_update() "
        "inside a transaction first"
    )
    #: The message for a row loaded through a SQLAlchemy session, which its flush writes back.
    SQLALCHEMY_MESSAGE = (
        "OPS202 {target} is {changed} in Python and written back when the session flushes, "
        "so concurrent calls lose updates; {verb} it in the database with "
        "update({model}).values({field}={model}.{field} {sign} n), load the row with {row_lock} "
        "(not on SQLite), or declare an opsgen lock"
    )
    #: The message for a row loaded through a SQLAlchemy session whose change a check of
    #: the field's old value guards.
    SQLALCHEMY_CHECKED_MESSAGE = (
        "OPS202 {target} is {changed} in Python after the check of its old value on line "
        "{check_line} and written back when the session flushes, so concurrent calls can both "
        "pass the check and one update is lost; make the check part of the statement, {update}, "
        "and treat a rowcount of 0 as a failed check, load the row with {row_lock} (not on "
        "SQLite), or declare an opsgen lock"
    )
    #: The message for a Pony entity, which db_session writes back when it commits.
    PONY_MESSAGE = (
        "OPS202 {target} is {changed} in Python and written back when db_session commits, so "
        "concurrent calls lose updates; load the entity with get_for_update() or "
        "select(...).for_update(), or {verb} it in the database with one UPDATE "
        "(SET {field} = {field} {sign} n)"
    )
    #: The message for a row whose lock ended before the increment.
    RELEASED_MESSAGE = (
        "OPS202 {target} is {changed} after the transaction that locked the row ended on line "
        "{end}, so the lock no longer covers the write and concurrent calls lose updates; "
        "change and save the row inside the transaction that holds the lock, or {verb} it in "
        "the database with {update}"
    )

    #: The message for a row loaded without a lock where the function locks another row.
    #: The remedy is the same lock on this load, so the finding sits at the load.
    OTHER_ROW_MESSAGE = (
        "OPS202 {row} is loaded here without a lock, but the lock the function takes on line "
        "{locked_line} covers {other} only, and {target} is then {changed} in Python, so "
        "concurrent calls lose updates; load it with {row_lock} as well, or {verb} it in the "
        "database with {update}"
    )

    #: The message for a row that an operation's ``run()`` changes while no declared lock
    #: covers it. ``{origin}`` is how ``run()`` got the row, and ``{declared}`` what the spec locks.
    OPERATION_MESSAGE = (
        "OPS202 {target} is {changed} in Python on a row {origin}, and {declared}, so "
        "concurrent executions lose updates; load the row with {row_lock}, or {verb} it in the "
        "database with {update}"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if is_migration_path(module.path) or not self.may_increment_field(module.source):
            return
        # Pony writes changed entities when db_session commits: any function may persist.
        pony_module = uses_pony(module)
        entities = pony_module or imports_pony_entity(module)
        candidates = {
            f.line
            for f in module.functions()
            if f.name != "<module>" and (entities or self.may_persist(f) or self.flushes_helper_row(module, f))
        }
        if not candidates:
            return
        thread_locks = frozenset(thread_lock_names(module.tree, module.qualify)) if "threading" in module.source else frozenset()
        for node in function_nodes(module.tree, candidates):
            locks = declared_locks(module, node)
            if locks is None and runs_in_pipeline(node):
                continue  # code that takes an ExecutionContext, under locks that cannot be looked up
            if locks is not None and locks.operation.singleton:
                continue  # the singleton claim serialises the executions, as OPS204 assumes
            findings = list(self.check_function(module, node, pony_module, locks, thread_locks))
            if thread_locks:
                findings = self.name_thread_locks(node, findings, thread_locks)
            if findings and not callers_hold_lock(module.tree, module.source, node):
                yield from drop_findings_locked_by_callers(module, node, findings)

    @staticmethod
    def may_increment_field(source: str) -> bool:
        """Return False when ``source`` contains no field increment, so the rule has nothing to report."""
        return FIELD_INCREMENT.search(source) is not None or SETATTR_INCREMENT.search(source) is not None

    @staticmethod
    def loaded_here(loads: list[tuple[str, ast.Assign, Load | None]], receiver: str, line: int) -> bool:
        """Return True when the last binding of ``receiver`` before ``line`` loads a database row."""
        bound = [load for key, statement, load in loads if key == receiver and statement.lineno < line]
        return bool(bound) and bound[-1] is not None

    def name_thread_locks(self, function: ast.FunctionDef | ast.AsyncFunctionDef, findings: list[Finding], thread_locks: frozenset[str]) -> list[Finding]:
        """Add to each finding inside ``with <threading lock>:`` why that lock does not count."""
        blocks = [
            (node.lineno, node.end_lineno or node.lineno, dotted_text(item.context_expr))
            for node in scope_nodes(function.body)
            if isinstance(node, (ast.With, ast.AsyncWith))
            for item in node.items
            if dotted_text(item.context_expr) in thread_locks
        ]
        named = []
        for finding in findings:
            held = next((block for block in blocks if block[0] <= finding.line <= block[1]), None)
            if held is not None:
                note = self.THREAD_LOCK_NOTE.format(lock=held[2], line=held[0])
                finding = replace(finding, message=finding.message.replace("; ", f"; {note}; ", 1))
            named.append(finding)
        return named

    @staticmethod
    def may_persist(function: FunctionSummary) -> bool:
        """Return True when the function saves an object or loads one from a SQLAlchemy session.

        The session may be named ``db`` (``db.get(Account, id)``), and the load may unpack a
        result bound first (``result = await session.execute(...)``, ``result.scalar_one()``).
        """
        if any(sync_method(call.text.rpartition(".")[2]) in ("save", "bulk_update") for call in function.calls):
            return True
        loads = any(sync_method(call.text.rpartition(".")[2]) in LOAD_TERMINALS for call in function.calls)
        return loads and any(through_session(call.text) for call in function.calls)

    @staticmethod
    def flushes_helper_row(module: ModuleContext, function: FunctionSummary) -> bool:
        """Return True when the function uses a session and a row that a project helper returned."""
        names = project_function_names(module.analysis)
        if not any(call.result_used and call.target and call.text.rpartition(".")[2] in names for call in function.calls):
            return False
        return any(through_session(call.text) for call in function.calls) and calls_row_helper(module.analysis, function)

    def check_function(
        self,
        module: ModuleContext,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        pony_module: bool = False,
        locks: DeclaredLocks | None = None,
        thread_locks: frozenset[str] = frozenset(),
    ) -> Iterator[Finding]:
        """Report the increments in ``function``; ``locks`` is set when it is an operation's
        ``run()``, and ``thread_locks`` holds the names bound to ``threading.Lock()``, which
        do not lock a row that other processes share."""
        nodes = list(scope_nodes(function.body))
        increments = [node for node in nodes if isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr)) and field_increment(node) is not None]
        if not increments:
            return
        bindings = bind_rows(module, function, locks) if locks is not None else []

        saves: list[tuple[int, str]] = []  # (line, receiver)
        queries: dict[str, bool] = {}  # local name -> whether the query bound to it locks
        fresh: set[str] = set()  # receivers created here, copied, or locked on load
        # receiver locked on load -> (line its lock ended, the SQLAlchemy load or None for Django)
        released: dict[str, tuple[int, ast.expr | None]] = {}
        session_rows: dict[str, ast.expr] = {}  # receiver -> the SQLAlchemy load that bound it
        entity_rows: set[str] = set()  # receivers bound to a Pony entity loaded without a lock
        lock_lines: list[int] = []
        lock_blocks: list[tuple[int, int]] = []
        thread_blocks: list[tuple[int, int]] = []  # with <threading lock>: blocks, which lock no database row
        loads: list[tuple[str, ast.Assign, Load | None]] = []  # (receiver, binding, its row load) in source order
        collections = RowCollections()  # rows loaded into a list or dict and written with bulk_update()
        bulk = "bulk_update" in module.source
        for node in nodes:
            if bulk:
                collections.note(node, queries)
            if isinstance(node, ast.Call):
                name = callee_name(node.func)
                if name == "save" and isinstance(node.func, ast.Attribute):
                    saves.append((node.lineno, ast.dump(node.func.value)))
                elif name and is_lock_name(name) and helper_load(module, node) is None:
                    lock_lines.append(node.lineno)  # a helper that returns a row is judged by its query
            elif isinstance(node, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in node.items):
                span = (node.lineno, node.end_lineno or node.lineno)
                only_threads = all(dotted_text(item.context_expr) in thread_locks for item in node.items if takes_lock(item))
                (thread_blocks if only_threads else lock_blocks).append(span)
            elif isinstance(node, ast.Expr):
                self.note_refresh_lock(function, node, fresh, released, queries)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                self.note_assignment(module, node, fresh, session_rows, queries)
                self.note_load(module, node, loads, queries)
                self.note_entity(module, node, fresh, entity_rows, pony_module)
                self.note_lock_end(module, function, node, released, queries)
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    query = query_binding(node.value, queries)
                    if query is None:
                        queries.pop(target.id, None)
                    else:
                        queries[target.id] = query

        for increment in increments:
            found = field_increment(increment)
            assert found is not None
            field, amount = found
            receiver = ast.dump(field.value)
            line = increment.lineno
            if self.extends_text_field(module, function, field, amount, self.receiver_model(module, function, field, loads, session_rows)):
                continue
            if any(lock_line < line for lock_line in lock_lines) or any(start <= line <= end for start, end in lock_blocks):
                continue
            if any(start <= line <= end for start, end in thread_blocks) and not self.loaded_here(loads, receiver, line):
                continue  # a threading lock still serialises an object that is not a row loaded here
            row = row_at(bindings, field.value, line) if locks is not None else None
            if locks is not None and row is not None:
                saved = any(save_line >= line and saved == receiver for save_line, saved in saves)
                if row.state in UNCOVERED and (row.orm == "sqlalchemy" or saved) and not self.versioned(module, row):
                    yield self.operation_finding(module, increment, row, locks)
                continue
            saved_later = any(save_line >= line and saved == receiver for save_line, saved in saves)
            saved_later = saved_later or collections.written_unlocked(receiver, field.attr, line)
            direction = self.direction(increment)
            if receiver in released and line > released[receiver][0]:
                end, load = released[receiver]
                if saved_later or load is not None:
                    check = self.field_check(function, increment)
                    if load is None:
                        update = self.checked_update("django", self.bound_model(loads, receiver, line), increment, check)
                    else:
                        update = self.checked_update("sqlalchemy", loaded_model(load), increment, check)
                    message = self.RELEASED_MESSAGE.format(target=ast.unparse(field), end=end, update=update, **direction)
                    yield module.finding(self.code, message, line, increment.col_offset)
                continue
            stale = stale_locked_load(loads, receiver, line, nodes)
            if stale is not None:
                earlier, locking = stale
                message = self.STALE_IDENTITY_MESSAGE.format(
                    target=ast.unparse(field), model=loaded_model(locking.value), early=earlier.lineno, line=locking.lineno, **direction
                )
                yield module.finding(self.code, message, line, increment.col_offset)
                continue
            if receiver in fresh:
                continue
            if receiver in session_rows or (receiver not in entity_rows and saved_later):
                pair = self.other_row_lock(loads, released, receiver, line)
                if pair is not None:
                    yield self.other_row_finding(module, increment, *pair, direction, self.field_check(function, increment))
                    continue
            if receiver in session_rows:
                load = session_rows[receiver]
                if loads_versioned_row(module, loaded_model(load)):
                    continue  # the flush checks the version read and raises StaleDataError
                check = self.field_check(function, increment)
                model = loaded_model(load) or "Model"
                template = self.SQLALCHEMY_CHECKED_MESSAGE if check is not None else self.SQLALCHEMY_MESSAGE
                message = template.format(
                    target=ast.unparse(field),
                    field=field.attr,
                    model=model,
                    row_lock=row_lock_remedy("sqlalchemy", load),
                    check_line=check.line if check is not None else 0,
                    update=self.checked_update("sqlalchemy", model, increment, check),
                    **direction,
                )
                yield module.finding(self.code, message, line, increment.col_offset)
            elif receiver in entity_rows:
                message = self.PONY_MESSAGE.format(target=ast.unparse(field), field=field.attr, **direction)
                yield module.finding(self.code, message, line, increment.col_offset)
            elif saved_later:
                if self.bound_to_versioned_row(module, loads, receiver, line):
                    continue  # the save checks the version read and raises when it changed
                own = isinstance(field.value, ast.Name) and field.value.id == "self"
                check = self.field_check(function, increment)
                if own:
                    template = self.OWN_ROW_MESSAGE
                elif check is not None:
                    template = self.CHECKED_MESSAGE
                else:
                    template = self.MESSAGE
                if setattr_field_name(increment) is not None:
                    template = self.SETATTR_MESSAGE
                model = "type(self)" if own else self.bound_model(loads, receiver, line)
                message = template.format(
                    target=ast.unparse(field),
                    field=field.attr,
                    check_line=check.line if check is not None else 0,
                    update=self.checked_update("django", model, increment, check),
                    owner=ast.unparse(field.value),
                    **direction,
                )
                yield module.finding(self.code, message, line, increment.col_offset)

    @staticmethod
    def receiver_model(
        module: ModuleContext,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        field: ast.Attribute,
        loads: list[tuple[str, ast.Assign, Load | None]],
        session_rows: dict[str, ast.expr],
    ) -> str:
        """Return the model of the row whose field changes: as its load writes it, the qualified
        class of a model method for ``self``, or "" when neither is known."""
        receiver = ast.dump(field.value)
        if receiver in session_rows:
            return loaded_model(session_rows[receiver])
        if isinstance(field.value, ast.Name) and field.value.id == "self":
            summary = module.function_at(function.lineno)
            return (summary.class_name or "") if summary is not None else ""
        return IncrementThenSave.bound_model(loads, receiver, field.lineno)

    @staticmethod
    def extends_text_field(
        module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef, field: ast.Attribute, amount: ast.expr, model: str
    ) -> bool:
        """Return True when an amount of unknown type (``data["note"]``) is added to a field
        that contains text or a list: declared so on the model, or, when the declaration is not
        found, named so (``notes``, ``error_message``)."""
        if amount_kind(amount) != "unknown":
            return False  # the amount's shape decides; text amounts are no increment at all
        declared = declared_field_kind(module, model, field.attr) if model else None
        if declared is not None:
            return declared == "text"
        return text_named_field(field.attr)

    @staticmethod
    def field_check(function: ast.FunctionDef | ast.AsyncFunctionDef, increment: ast.Assign | ast.AugAssign | ast.Expr) -> FieldCheck | None:
        """Return the check of the changed field's old value that guards the change, if any."""
        found = field_increment(increment)
        assert found is not None
        field, _ = found
        if not isinstance(field.value, ast.Name):
            return None
        return guarding_check(function, field.value.id, field.attr, increment.lineno)

    @staticmethod
    def bound_model(loads: list[tuple[str, ast.Assign, Load | None]], receiver: str, line: int) -> str:
        """Return the model of the last row load bound to ``receiver`` before ``line``, or ""."""
        bound = [binding for key, binding, load in loads if key == receiver and binding.lineno < line and load is not None]
        return loaded_model(bound[-1].value) if bound else ""

    @staticmethod
    def checked_update(
        orm: str, model: str, increment: ast.Assign | ast.AugAssign | ast.Expr, check: FieldCheck | None
    ) -> str:
        """Return the single UPDATE that changes the field in the database, as the remedy names it.

        With ``check``, the update repeats the check in its filter or WHERE clause, so a row
        that no longer passes it is left alone and the update count tells the caller.
        ``model`` may be "" when the load does not name it, or ``type(self)`` for a model
        method's own row.
        """
        found = field_increment(increment)
        assert found is not None
        field, amount = found
        sign = IncrementThenSave.direction(increment)["sign"]
        shown = ast.unparse(amount)
        # The amount as written when it is short; without a check the message keeps ``n``.
        value = shown if check is not None and len(shown) <= 30 else "n"
        if orm == "sqlalchemy":
            model = model or "Model"
            new_value = f"{model}.{field.attr} {sign} {value}"
            if check is None:
                return f"update({model}).values({field.attr}={new_value})"
        else:
            new_value = f'F("{field.attr}") {sign} {value}'
            if check is None:
                manager = f"{model}.objects.filter(pk={ast.unparse(field.value)}.pk)." if model == "type(self)" else ""
                return f"{manager}update({field.attr}={new_value})"
        return conditional_update(orm, model, ast.unparse(field.value), field.attr, new_value, check)

    @staticmethod
    def versioned(module: ModuleContext, row: RowBinding) -> bool:
        """Return True for a row whose model has an optimistic version column."""
        return row.state != "related" and loads_versioned_row(module, loaded_model(row.value))

    @staticmethod
    def bound_to_versioned_row(module: ModuleContext, loads: list[tuple[str, ast.Assign, Load | None]], receiver: str, line: int) -> bool:
        """Return True when the last binding of ``receiver`` before ``line`` loads a row whose
        model has an optimistic version column."""
        bound = [binding for key, binding, load in loads if key == receiver and binding.lineno < line]
        return bool(bound) and loads_versioned_row(module, loaded_model(bound[-1].value))

    def operation_finding(self, module: ModuleContext, increment: ast.Assign | ast.AugAssign | ast.Expr, row: RowBinding, locks: DeclaredLocks) -> Finding:
        """Report an increment in an operation's ``run()`` of a row that no declared lock covers."""
        found = field_increment(increment)
        assert found is not None
        field, _ = found
        direction = self.direction(increment)
        if row.state == "related" and row.line == increment.lineno:
            origin = f"reached through {ast.unparse(row.value)}"
        elif row.state == "related":
            origin = f"reached through {ast.unparse(row.value)} on line {row.line}"
        else:
            origin = f"loaded on line {row.line} by a value that no lock key names"
        model = loaded_model(row.value) if row.state != "related" else ""
        message = self.OPERATION_MESSAGE.format(
            target=ast.unparse(field),
            origin=origin,
            declared=locks.describe(),
            row_lock=row_lock_remedy(row.orm, row.value if row.state != "related" else None),
            update=self.update_remedy(row.orm, model, field.attr, direction["sign"]),
            **direction,
        )
        return module.finding(self.code, message, increment.lineno, increment.col_offset)

    @staticmethod
    def update_remedy(orm: str | None, model: str, field: str, sign: str) -> str:
        """Return the single statement that changes ``field`` in the database, as the remedy names it."""
        if orm == "django":
            return f'update({field}=F("{field}") {sign} n)'
        if model:
            return f"update({model}).values({field}={model}.{field} {sign} n)"
        return f"one UPDATE (SET {field} = {field} {sign} n)"

    @staticmethod
    def other_row_lock(
        loads: list[tuple[str, ast.Assign, Load | None]], released: dict[str, tuple[int, ast.expr | None]], receiver: str, line: int
    ) -> tuple[tuple[ast.Assign, Load], ast.Assign] | None:
        """Return the unlocked load of ``receiver`` that the change at ``line`` writes, and
        the earlier load of another row whose lock still holds there, or None."""
        before = sorted(((key, statement, load) for key, statement, load in loads if statement.lineno < line), key=lambda item: item[1].lineno)
        own = next(((statement, load) for key, statement, load in reversed(before) if key == receiver), None)
        if own is None or own[1] is None or own[1].locked:
            return None
        own_load = own[1]
        for key, statement, load in before:
            if key == receiver or load is None or not load.locked or statement.lineno > own[0].lineno:
                continue
            if key in released and released[key][0] < line:
                continue
            return (own[0], own_load), statement
        return None

    def other_row_finding(
        self,
        module: ModuleContext,
        increment: ast.Assign | ast.AugAssign | ast.Expr,
        own: tuple[ast.Assign, Load],
        other: ast.Assign,
        direction: dict[str, str],
        check: FieldCheck | None = None,
    ) -> Finding:
        """Report the unlocked load of a row that the function increments while it locks another row.

        ``check`` is the check of the field's old value that guards the change.
        """
        found = field_increment(increment)
        assert found is not None
        field, _ = found
        statement, load = own
        orm = "sqlalchemy" if load.orm == "sqlalchemy" else "django"
        update = self.checked_update(orm, loaded_model(statement.value), increment, check)
        message = self.OTHER_ROW_MESSAGE.format(
            row=ast.unparse(statement.targets[0]),
            other=ast.unparse(other.targets[0]),
            locked_line=other.lineno,
            target=ast.unparse(field),
            row_lock=row_lock_remedy(load.orm, statement.value),
            update=update,
            **direction,
        )
        return module.finding(self.code, message, statement.lineno, statement.col_offset)

    @staticmethod
    def note_load(module: ModuleContext, node: ast.Assign, loads: list[tuple[str, ast.Assign, Load | None]], queries: dict[str, bool]) -> None:
        """Record what a name is bound to: a row load, locked or not, or None for any other value."""
        target = node.targets[0]
        if isinstance(target, ast.Name):
            key = ast.dump(ast.Name(id=target.id, ctx=ast.Load()))
            loads.append((key, node, classify_load(node.value, module.qualify, queries)))

    @staticmethod
    def direction(increment: ast.AST) -> dict[str, str]:
        """Return the message words for ``o.f += n`` or ``o.f -= n`` (``o.f = o.f - n`` too)."""
        operator: object = None
        if isinstance(increment, ast.AugAssign):
            operator = increment.op
        elif isinstance(increment, ast.Assign) and isinstance(increment.value, ast.BinOp):
            operator = increment.value.op
        elif isinstance(increment, ast.Expr) and isinstance(increment.value, ast.Call) and isinstance(increment.value.args[-1], ast.BinOp):
            operator = increment.value.args[-1].op  # setattr(o, name, getattr(o, name) - n)
        if isinstance(operator, ast.Sub):
            return {"changed": "decremented", "verb": "decrement", "sign": "-"}
        return {"changed": "incremented", "verb": "increment", "sign": "+"}

    @staticmethod
    def note_lock_end(
        module: ModuleContext,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        node: ast.Assign,
        released: dict[str, tuple[int, ast.expr | None]],
        queries: dict[str, bool],
    ) -> None:
        """Record where the lock of a row loaded with a lock ends, when it ends inside the function."""
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            return
        key = ast.dump(ast.Name(id=target.id, ctx=ast.Load()))
        released.pop(key, None)
        load = classify_load(node.value, module.qualify, queries)
        query = node.value
        if load is None:
            row = helper_load(module, node.value)
            load, query = (row.load, row.value) if row is not None else (None, query)
        if load is None or not load.locked:
            return
        end = lock_end_line(function, node, load.orm)
        if end is not None:
            released[key] = (end, query if load.orm == "sqlalchemy" else None)

    @staticmethod
    def note_refresh_lock(
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        statement: ast.Expr,
        fresh: set[str],
        released: dict[str, tuple[int, ast.expr | None]],
        queries: dict[str, bool],
    ) -> None:
        """Record a row reloaded with a lock, as a load with a lock would be recorded."""
        call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
        refreshed = refreshed_with_lock(call, queries) if isinstance(call, ast.Call) else None
        if refreshed is None:
            return
        name, orm = refreshed
        key = ast.dump(ast.Name(id=name, ctx=ast.Load()))
        fresh.add(key)
        released.pop(key, None)
        end = lock_end_line(function, statement, orm)
        if end is not None:
            released[key] = (end, call if orm == "sqlalchemy" else None)

    @staticmethod
    def note_entity(module: ModuleContext, node: ast.Assign, fresh: set[str], entity_rows: set[str], pony_module: bool) -> None:
        """Record a name bound to a Pony entity row: in ``entity_rows`` when loaded without a
        lock, in ``fresh`` when loaded with ``get_for_update()`` or ``for_update()``."""
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            return
        key = ast.dump(ast.Name(id=target.id, ctx=ast.Load()))
        entity_rows.discard(key)
        locked = pony_load(module, node.value, pony_module)
        if locked is None:
            return
        if locked:
            fresh.add(key)
        else:
            fresh.discard(key)
            entity_rows.add(key)

    @staticmethod
    def note_assignment(
        module: ModuleContext, node: ast.Assign, fresh: set[str], session_rows: dict[str, ast.expr], queries: dict[str, bool]
    ) -> None:
        target = node.targets[0]
        value = node.value
        if isinstance(target, ast.Attribute) and target.attr in ("pk", "id"):
            if isinstance(value, ast.Constant) and value.value is None:
                fresh.add(ast.dump(target.value))  # a copy that will be saved as a new row
            return
        if not isinstance(target, ast.Name):
            return
        key = ast.dump(ast.Name(id=target.id, ctx=ast.Load()))
        load = classify_load(value, module.qualify, queries)
        query = value
        if load is None:
            # account = _account_for_update(pk): the row a project helper loads and returns.
            row = helper_load(module, value)
            load, query = (row.load, row.value) if row is not None else (None, value)
        if load is not None:
            if load.locked:
                fresh.add(key)
            elif load.orm == "sqlalchemy":
                session_rows[key] = query
            return
        if isinstance(value, ast.Call):
            name = callee_name(value.func)
            if name[:1].isupper() or name in FRESH_CALLS:
                fresh.add(key)

    VALID = [
        # Both rows that the function changes are locked.
        "from sqlalchemy.orm import Session\n\n"
        "def add_line(session: Session, order_id, product_id, quantity):\n"
        "    with session.begin():\n"
        "        order = session.get(Order, order_id, with_for_update=True)\n"
        "        product = session.get(Product, product_id, with_for_update=True)\n"
        "        product.stock -= quantity\n"
        "        order.total += quantity * product.price\n",
        # A version column: the flush writes only while the version read is current.
        "from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column\n\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n\n"
        "class Item(Base):\n"
        "    __tablename__ = 'items'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    quantity: Mapped[int]\n"
        "    version: Mapped[int] = mapped_column(nullable=False)\n"
        "    __mapper_args__ = {'version_id_col': version}\n\n"
        "def take(session: Session, item_id, n):\n"
        "    item = session.get(Item, item_id)\n"
        "    item.quantity -= n\n"
        "    session.commit()\n",
        # The database does the arithmetic.
        "from django.db.models import F\n\n"
        "def redeem(value):\n"
        "    AccessCode.objects.filter(code=value).update(times_used=F('times_used') + 1)\n",
        # The row is locked for the rest of the transaction.
        "from django.db import transaction\n\n"
        "def redeem(value):\n"
        "    with transaction.atomic():\n"
        "        code = AccessCode.objects.select_for_update().get(code=value)\n"
        "        code.times_used += 1\n"
        "        code.save()\n",
        # A row from a locked queryset bound to a name first.
        "def redeem(value):\n"
        "    codes = AccessCode.objects.select_for_update()\n"
        "    code = codes.get(code=value)\n"
        "    code.times_used += 1\n"
        "    code.save()\n",
        # A new object no other request can see yet.
        "def build(order):\n"
        "    invoice = Invoice(order=order)\n"
        "    invoice.total += order.shipping\n"
        "    invoice.save()\n",
        # Text appended to a field being built is not a counter.
        "def describe(invoice, vat_id):\n"
        "    invoice.address += '\\nVAT-ID: ' + vat_id\n"
        "    invoice.save()\n",
        # A field named for text, with a request value of unknown type.
        "def annotate(request, pk):\n"
        "    ticket = Ticket.objects.get(pk=pk)\n"
        "    ticket.notes += request.POST['note']\n"
        "    ticket.save()\n",
        # A threading lock serialises the writers.
        "import threading\n"
        "counter_lock = threading.Lock()\n\n"
        "def bump(stats):\n"
        "    with counter_lock:\n"
        "        stats.hits += 1\n"
        "        stats.save()\n",
        # Code that takes an ExecutionContext outside an operation's run(): its locks are not known here.
        "from opsgen.runtime.execution import ExecutionContext\n\n"
        "def credit(ctx: ExecutionContext, account_id, amount):\n"
        "    account = ctx.session.get(Account, account_id)\n"
        "    account.balance += amount\n"
        "    ctx.session.flush()\n",
        # An operation's run(): the spec locks the order, and the customer row is loaded with a lock.
        Example(
            "from app.generated import SettleOrderBase\n\n"
            "class SettleOrder(SettleOrderBase):\n"
            "    def run(self, ctx, *, order_id, amount):\n"
            "        order = ctx.session.get(Order, order_id)\n"
            "        order.paid += amount\n"
            "        customer = ctx.session.get(Customer, order.customer_id, with_for_update=True)\n"
            "        customer.open_balance -= amount\n",
            path="app/settle.py",
            files=OPERATION_FILES,
        ),
        # The async result comes from a locking query.
        "from sqlalchemy import select\n\n"
        "async def pay(session, wallet_id, amount):\n"
        "    async with session.begin():\n"
        "        result = await session.execute(select(Wallet).where(Wallet.id == wallet_id).with_for_update())\n"
        "        wallet = result.scalar_one()\n"
        "        wallet.balance -= amount\n",
        # An in-memory tally that is never saved.
        "def total(lines):\n"
        "    summary = Summary()\n"
        "    for line in lines:\n"
        "        line.seen += 1\n"
        "    return summary\n",
        # Pony: the entity is loaded with SELECT ... FOR UPDATE.
        "from pony.orm import db_session\n\n"
        "@db_session\n"
        "def sell(event_id, count):\n"
        "    ticket = Ticket.get_for_update(event_id=event_id)\n"
        "    ticket.remaining -= count\n",
        # The inner atomic() is a savepoint: the outer block holds the lock until the save.
        "from django.db import transaction\n\n"
        "def spend(wallet_id, amount):\n"
        "    with transaction.atomic():\n"
        "        with transaction.atomic():\n"
        "            wallet = Wallet.objects.select_for_update().get(pk=wallet_id)\n"
        "        wallet.balance -= amount\n"
        "        wallet.save()\n",
    ]
    INVALID = [
        # The lock is on the order, but the product row it changes is read without one.
        "from django.db import transaction\n\n"
        "def add_line(order_id, product_id, quantity):\n"
        "    with transaction.atomic():\n"
        "        order = Order.objects.select_for_update().get(pk=order_id)\n"
        "        product = Product.objects.get(pk=product_id)  # OPS202\n"
        "        product.stock -= quantity\n"
        "        product.save(update_fields=['stock'])\n"
        "        order.lines.create(product=product, quantity=quantity)\n",
        "def redeem(value):\n"
        "    code = AccessCode.objects.get(code=value)\n"
        "    if code.times_used >= code.max_uses:\n"
        "        raise PermissionError(value)\n"
        "    code.times_used += 1  # OPS202\n"
        "    code.save()\n",
        # A model method that counts on its own stale copy.
        "class Schedule:\n"
        "    def fail(self, message):\n"
        "        self.error_count += 1  # OPS202\n"
        "        self.error_message = message\n"
        "        self.save(update_fields=['error_count', 'error_message'])\n",
        # The spelled-out form of the same increment, on an object handed in.
        "def redeem(code):\n"
        "    code.times_used = code.times_used + 1  # OPS202\n"
        "    code.save(update_fields=['times_used'])\n",
        # A decrement of a nested object, saved through the same expression.
        "def release(order):\n"
        "    order.quota.available -= order.count  # OPS202\n"
        "    order.quota.save()\n",
        # SQLAlchemy: the session writes the stale sum at flush.
        "def deposit(session, account_id, amount):\n"
        "    account = session.get(Account, account_id)\n"
        "    account.balance += amount  # OPS202\n"
        "    session.commit()\n",
        # A request value: the key of the lookup is no sign of text.
        "def deposit_view(request, pk):\n"
        "    account = Account.objects.get(pk=pk)\n"
        "    account.balance += request.POST['amount']  # OPS202\n"
        "    account.save()\n",
        # A session named db, and an async result unpacked after the query.
        "def transfer(db, source_id, amount):\n"
        "    source = db.get(Account, source_id)\n"
        "    source.balance -= amount  # OPS202\n"
        "    db.commit()\n",
        "from sqlalchemy import select\n\n"
        "async def pay(session, wallet_id, amount):\n"
        "    async with session.begin():\n"
        "        result = await session.execute(select(Wallet).where(Wallet.id == wallet_id))\n"
        "        wallet = result.scalar_one()\n"
        "        wallet.balance -= amount  # OPS202\n",
        # Pony: db_session writes the changed entity when it commits, with no save().
        "from pony.orm import db_session\n\n"
        "@db_session\n"
        "def sell(event_id, count):\n"
        "    ticket = Ticket.get(event_id=event_id)\n"
        "    if ticket.remaining < count:\n"
        "        raise ValueError(event_id)\n"
        "    ticket.remaining -= count  # OPS202\n",
        # A transaction without a row lock does not help.
        "from django.db import transaction\n\n"
        "def redeem(value):\n"
        "    with transaction.atomic():\n"
        "        code = AccessCode.objects.get(code=value)\n"
        "        code.times_used += 1  # OPS202\n"
        "        code.save()\n",
        # The lock ended with the atomic() block, before the decrement and the save.
        "from django.db import transaction\n\n"
        "def spend(wallet_id, amount):\n"
        "    with transaction.atomic():\n"
        "        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)\n"
        "    wallet.balance -= amount  # OPS202\n"
        "    wallet.save()\n",
        # SQLAlchemy: the begin() block commits and ends the lock; the next commit writes.
        "def spend(session, wallet_id, amount):\n"
        "    with session.begin():\n"
        "        wallet = session.get(Wallet, wallet_id, with_for_update=True)\n"
        "    wallet.balance -= amount  # OPS202\n"
        "    session.commit()\n",
        # An operation's run(): the spec's lock covers the order, not the customer loaded by its foreign key.
        Example(
            "from app.generated import SettleOrderBase\n\n"
            "class SettleOrder(SettleOrderBase):\n"
            "    def run(self, ctx, *, order_id, amount):\n"
            "        order = ctx.session.get(Order, order_id)\n"
            "        order.paid += amount\n"
            "        customer = ctx.session.get(Customer, order.customer_id)\n"
            "        customer.open_balance -= amount  # OPS202\n",
            path="app/settle.py",
            files=OPERATION_FILES,
        ),
    ]
