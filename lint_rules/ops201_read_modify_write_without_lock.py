"""OPS201: a row loaded, checked and written back without a row lock."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint.orm import (
    LOAD_TERMINALS,
    Load,
    Qualify,
    callee_name,
    classify_load,
    field_increment,
    function_nodes,
    get_or_create_load,
    is_lock_name,
    query_binding,
    runs_in_pipeline,
    takes_lock,
    uses_f_expression,
)
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary

ENDS_BLOCK = (ast.Raise, ast.Return, ast.Continue, ast.Break)


@dataclass(frozen=True)
class _Event:
    """One step of a function body, in source order, with the conditions around it."""

    kind: str  # "bind", "write", "guard", "save", "lock"
    node: ast.AST
    name: str = ""  # variable bound, written or saved
    attr: str = ""  # field written
    load: Load | None = None
    guards: tuple[ast.expr, ...] = ()  # tests of the enclosing if/while statements
    locked: bool = False  # inside ``with <lock>:``


class _BodyEvents:
    """Flatten a function body into events; nested definitions are skipped (they do not run here)."""

    def __init__(self, qualify: Qualify) -> None:
        self.qualify = qualify
        self.events: list[_Event] = []
        self.queries: dict[str, bool] = {}  # local name -> whether the query bound to it locks

    def body(self, statements: list[ast.stmt], guards: tuple[ast.expr, ...], locked: bool) -> None:
        for statement in statements:
            self.statement(statement, guards, locked)

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
            for handler in getattr(node, "handlers"):
                self.body(handler.body, guards, locked)
            self.body(getattr(node, "orelse"), guards, locked)
            self.body(getattr(node, "finalbody"), guards, locked)
        elif isinstance(node, ast.Match):
            self.expressions([node.subject], guards, locked)
            for case in node.cases:
                self.body(case.body, guards, locked)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self.assignment(node, guards, locked)
        else:
            self.expressions([node], guards, locked)

    def assignment(self, node: ast.Assign | ast.AnnAssign, guards: tuple[ast.expr, ...], locked: bool) -> None:
        if node.value is None:
            return
        self.expressions([node.value], guards, locked)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            self.target(target, node, guards, locked)

    def target(self, target: ast.expr, node: ast.Assign | ast.AnnAssign, guards: tuple[ast.expr, ...], locked: bool) -> None:
        if isinstance(target, ast.Name):
            load = classify_load(node.value, self.qualify, self.queries) if node.value is not None else None
            query = query_binding(node.value) if node.value is not None and load is None else None
            if query is None:
                self.queries.pop(target.id, None)
            else:
                self.queries[target.id] = query
            self.events.append(_Event("bind", node, name=target.id, load=load, guards=guards, locked=locked))
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            # obj, created = Model.objects.get_or_create(...): the first element is a loaded row.
            first_load = get_or_create_load(node.value) if node.value is not None else None
            for position, element in enumerate(target.elts):
                if isinstance(element, ast.Name):
                    load = first_load if position == 0 else None
                    self.events.append(_Event("bind", node, name=element.id, load=load, guards=guards, locked=locked))
            return
        field = target.value if isinstance(target, ast.Subscript) else target
        if isinstance(field, ast.Attribute) and isinstance(field.value, ast.Name):
            kind = "write-item" if isinstance(target, ast.Subscript) else "write"
            self.events.append(_Event(kind, node, name=field.value.id, attr=field.attr, guards=guards, locked=locked))

    def expressions(self, nodes: list[ast.AST], guards: tuple[ast.expr, ...], locked: bool) -> None:
        for root in nodes:
            for node in [root, *walk_scope(root)]:
                if not isinstance(node, ast.Call):
                    continue
                name = callee_name(node.func)
                if name == "save" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                    self.events.append(_Event("save", node, name=node.func.value.id, guards=guards, locked=locked))
                elif name in ("update", "values", "update_or_create") and node.keywords:
                    self.events.append(_Event("update", node, guards=guards, locked=locked))
                elif name and is_lock_name(name):
                    self.events.append(_Event("lock", node, guards=guards, locked=locked))


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


def _skips_same_value(test: ast.expr, variable: str, attr: str, value: ast.expr) -> bool:
    """Return True for ``if v.a != x: v.a = x``: the test only avoids a needless write."""
    if isinstance(test, ast.BoolOp):
        return isinstance(test.op, ast.And) and any(_skips_same_value(t, variable, attr, value) for t in test.values)
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = {ast.dump(test.left), ast.dump(test.comparators[0])}
    field = ast.Attribute(value=ast.Name(id=variable, ctx=ast.Load()), attr=attr, ctx=ast.Load())
    return ast.dump(field) in sides and ast.dump(value) in sides


class ReadModifyWriteWithoutLock(Rule):
    """Flags a row that is loaded, checked or read, and written back without a row lock.

    What it does:
        Reports the load of a row (``Model.objects.get(...)``, ``get_object_or_404``,
        ``session.get(Model, id)``, ``Model.query...first()``) when the same function then
        writes a field of it that it has checked or read first, and saves it (Django) or
        leaves it to the session's flush (SQLAlchemy). A check counts when a condition on
        the field guards the write (``if seat.holder_id is not None: raise``); a read counts
        when the new value is computed from the old one (``a.total = max(a.total - x, 0)``) or
        when an item of a field is set (``row.data["k"] = v``), also through
        ``update(f=row.f + 1)``, SQLAlchemy's ``values(f=row.f + 1)`` or the ``defaults``
        of ``update_or_create()``. A local name computed from the field
        (``current = pot.total if pot else 0``) counts as a read of it. A plain increment
        (``x.f += n`` or ``x.f = x.f + n``) is OPS202's, reported at the increment.

        Not reported: a load with ``select_for_update()`` or ``with_for_update()``, code
        inside ``with <lock>:`` or after a call that takes a lock (``lock_objects(...)``,
        ``acquire_lock(...)``), a write of an ``F()`` expression, a copy saved as a new row
        (``obj.pk = None``), and ``if v.a != x: v.a = x``, whose test only skips a needless
        write. A function that takes an opsgen ``ExecutionContext`` runs under the locks its
        spec declares, which OPS204 checks instead.

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
        "OPS201 {variable} is loaded here, then its field {attr} is checked or read and written "
        "back without a row lock, so two concurrent calls can both pass and the later write "
        "wins; load it with select_for_update() (SQLAlchemy: with_for_update()) inside the "
        "transaction, write with a conditional update() and F(), or declare a lock"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        candidates = {f.line for f in module.functions() if f.name != "<module>" and self.may_read_modify_write(f)}
        if not candidates:
            return
        for node in function_nodes(module.tree, candidates):
            if not runs_in_pipeline(node):
                yield from self.check_function(module, node)

    @staticmethod
    def may_read_modify_write(function: FunctionSummary) -> bool:
        """Return True when the function's calls include a row load and a way to persist it."""
        loads = [
            c.text
            for c in function.calls
            if c.text.rpartition(".")[2] in (*LOAD_TERMINALS, "get_or_create", "update_or_create")
            or c.text == "self.get_object"
            or (c.target or c.text).endswith("get_object_or_404")
        ]
        if not loads:
            return False
        saves = any(c.text.endswith((".save", ".update", ".values", ".update_or_create")) for c in function.calls)
        return saves or any("session" in text.lower() or "query" in text or "execute" in text for text in loads)

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        collector = _BodyEvents(module.qualify)
        collector.body(function.body, (), False)
        events = collector.events
        for position, event in enumerate(events):
            if event.kind != "bind" or event.load is None or event.load.locked or event.locked:
                continue
            if any(earlier.kind == "lock" for earlier in events[:position]):
                continue
            field = self.unlocked_write(events[position + 1 :], event.name, event.load, module.qualify)
            if field is not None:
                message = self.MESSAGE.format(variable=event.name, attr=field)
                node = event.node
                assert isinstance(node, (ast.Assign, ast.AnnAssign))
                yield module.finding(self.code, message, node.lineno, node.col_offset)

    def unlocked_write(self, events: list[_Event], variable: str, load: Load, qualify: Qualify) -> str | None:
        """Return the field written back after a check or read of it, when it is persisted."""
        guard_tests: list[ast.expr] = []
        pending: str | None = None
        derived: dict[str, set[str]] = {}  # local name -> fields of the row it was computed from
        for event in events:
            if event.kind == "bind" and event.name == variable:
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
            if event.kind == "guard":
                assert isinstance(event.node, ast.expr)
                guard_tests.append(event.node)
            elif event.kind in ("write", "write-item") and event.name == variable and not event.locked:
                node = event.node
                assert isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
                value = node.value
                field = _field(event.attr)
                if field in ("pk", "id") and isinstance(value, ast.Constant) and value.value is None:
                    return None  # a copy saved as a new row
                if uses_f_expression(value, qualify) or field_increment(node) is not None:
                    continue  # an F() write is atomic; o.f = o.f + n is OPS202's, at that line
                if self.depends_on_old_value(event, field, value, guard_tests, variable, derived):
                    if load.orm == "sqlalchemy":
                        return event.attr
                    pending = pending or event.attr
            elif event.kind == "save" and event.name == variable and pending is not None:
                return pending
            elif event.kind == "update" and not event.locked:
                assert isinstance(event.node, ast.Call)
                for written, new_value in _written_values(event.node):
                    # update(times_used=code.times_used + 1): the new value was computed from the copy read.
                    if _field(written) in _fields_read(new_value, variable, derived):
                        if not uses_f_expression(new_value, qualify):
                            return written
        return None

    @staticmethod
    def depends_on_old_value(
        event: _Event, field: str, value: ast.expr, guard_tests: list[ast.expr], variable: str, derived: dict[str, set[str]]
    ) -> bool:
        if event.kind == "write-item" or field in _fields_read(value, variable, derived):
            return True
        for test in [*guard_tests, *event.guards]:
            if field in _fields_read(test, variable) and not _skips_same_value(test, variable, event.attr, value):
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
        # A conditional update does the check and the write in one statement.
        "from django.db.models import F, Q\n\n"
        "def redeem(value):\n"
        "    return AccessCode.objects.filter(code=value).filter(Q(times_used__lt=F('max_uses'))).update(times_used=F('times_used') + 1)\n",
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
        # The nested function is a definition: its write does not run here.
        "def claim(seat_id, user):\n"
        "    seat = Seat.objects.get(pk=seat_id)\n"
        "    def later():\n"
        "        if seat.holder_id is None:\n"
        "            seat.holder = user\n"
        "            seat.save()\n"
        "    return later\n",
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
        # An F() from another package is not Django's.
        "from formulas import F\n\n"
        "def bump(code_id):\n"
        "    code = AccessCode.objects.get(pk=code_id)  # OPS201\n"
        "    code.times_used = F(code.times_used) + 1\n"
        "    code.save()\n",
        # The lock is taken in a nested function that never runs here.
        "def claim(event, code, user):\n"
        "    def locked():\n"
        "        lock_objects([event])\n"
        "    ticket = event.tickets.get(code=code)  # OPS201\n"
        "    if ticket.owner_id is None:\n"
        "        ticket.owner = user\n"
        "        ticket.save()\n",
    ]
