"""OPS205: a new row numbered from the maximum or the count of the existing rows, without a lock."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from opsgen.lint.orm import (
    ROW_LOCKS,
    callee_name,
    callers_hold_lock,
    classify_load,
    is_lock_name,
    is_migration_path,
    module_orm,
    row_lock_remedy,
    runs_in_pipeline,
    through_session,
    scope_nodes,
    takes_lock,
)
from opsgen.lint.returned_numbers import Read, ReturnedNumber, calls_number_helper, returned_number
from opsgen.lint.rule import Example, Finding, Hop, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary, function_nodes

#: Aggregates whose result, plus one, is the usual next number: Django's and SQLAlchemy's.
AGGREGATES = frozenset(
    {
        "django.db.models.Max",
        "django.db.models.Count",
        "django.db.models.aggregates.Max",
        "django.db.models.aggregates.Count",
        "sqlalchemy.func.max",
        "sqlalchemy.func.count",
        "sqlalchemy.sql.func.max",
        "sqlalchemy.sql.func.count",
    }
)
#: Calls whose result is a maximum or a count, by their last name.
READS = frozenset({"aggregate", "count", "max", "latest"})
#: Calls that write a new row with the values passed as keywords.
CREATES = frozenset({"create", "get_or_create", "update_or_create", "values", "insert"})
#: Statements with a body of statements. The reads and writes this rule follows are simple
#: statements, which the walk yields on their own, so a compound one is not searched whole.
COMPOUND = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, *([getattr(ast, "TryStar")] if hasattr(ast, "TryStar") else []),
)  # fmt: skip
#: ``+ 1`` or ``+1`` in a function's source: without one, no new row gets a next number.
ADDS_NUMBER = re.compile(r"\+\s*\d")
#: SQL text that takes a lock, written by hand in ``cursor.execute(...)``.
SQL_LOCK_WORDS = ("for update", "lock table", "advisory")


def _writes_row(node: ast.AST) -> bool:
    """Return True for a call that writes a new row with keywords: ``create(...)``, ``Invoice(...)``."""
    return isinstance(node, ast.Call) and (callee_name(node.func) in CREATES or callee_name(node.func)[:1].isupper())


def _value(statement: ast.stmt) -> ast.expr:
    """Return the value of an assignment or a ``return`` that has one."""
    value = getattr(statement, "value", None)
    assert isinstance(value, ast.expr)
    return value


def _called(value: ast.expr) -> ast.expr:
    """Return the call in ``value``: itself, awaited, or plus or minus a number (``top() + 1``)."""
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub)):
        for side in (value.left, value.right):
            inner = side.value if isinstance(side, ast.Await) else side
            if isinstance(inner, ast.Call):
                return inner
    return value


class NextNumberWithoutLock(Rule):
    """Flags a new row numbered from the current maximum or count of the rows, with no lock held.

    What it does:
        Reports the read of a maximum or a count when the function then writes that value
        plus a number into a row. The reads are ``aggregate(Max(...))``,
        ``aggregate(Count(...))``, a queryset's ``count()``, SQLAlchemy's
        ``func.max()``/``func.count()``, and the row that ``order_by(...).first()`` or
        ``latest()`` loads. The writes are ``create(number=last + 1)``,
        ``Invoice(number=last + 1)``, ``insert(...).values(...)`` and ``obj.position =
        count + 1``, also through a name bound to the sum first, in the statement that
        reads (``position = column.cards.count() + 1``) or later. Not reported: a function
        that locks before the read (``select_for_update()``, ``with_for_update()``, a lock
        helper, ``with <lock>:``, SQL text with ``FOR UPDATE``, ``LOCK TABLE`` or an
        advisory lock), a private function whose every call in the module runs after such
        a lock, migrations, and functions that take an opsgen ``ExecutionContext``.
        A project function that reads such a value and returns it, as it is or plus a
        number (``next_reference()`` that returns ``top + 1`` after ``top =
        Order.objects.aggregate(...)``), is that read where a caller calls it: in a write
        (``create(reference=next_reference())``, ``create(position=count_cards(c) + 1)``),
        through a name bound to its result, or through a dict item that ``create(**data)``
        writes. The finding sits at the caller's call, with the function's read as its
        ``via``. A lock that the function takes before its read, or the caller before the
        call, serialises the callers, and so does a helper that numbers from a counter row
        it loads with ``select_for_update()``.
        The message names the row lock of the ORM the read goes through:
        ``select_for_update()`` for Django, ``with_for_update()`` for SQLAlchemy, and both
        when neither the query nor the module's imports tell.

    Why is this bad:
        Two requests read the same maximum and both write maximum + 1: two invoices get one
        number, two items one position. A transaction alone does not stop it; an aggregate
        cannot be read ``FOR UPDATE``, so the rows to serialise on are the parent's.

    Example:
        with transaction.atomic():
            top = Invoice.objects.filter(shop=shop).aggregate(top=Max("number"))["top"] or 0
            Invoice.objects.create(shop=shop, number=top + 1)

    Use instead:
        with transaction.atomic():
            Shop.objects.select_for_update().get(pk=shop.pk)
            top = Invoice.objects.filter(shop=shop).aggregate(top=Max("number"))["top"] or 0
            Invoice.objects.create(shop=shop, number=top + 1)
    """

    code = "OPS205"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS205 {variable} is read from {source} and numbers a new row without a lock, so two "
        "concurrent calls read the same value and write the same number; lock the parent row "
        "with {row_lock} first, or let the database assign the number (a sequence, or a "
        "unique constraint and a retry)"
    )

    #: The message for a number that a project function reads and returns, inserted here.
    HELPER_MESSAGE = (
        "OPS205 {call}() returns {what} read from {source} without a lock ({path}:{line}), and "
        "this call numbers a new row with it, so two concurrent calls get the same value and "
        "write the same number; lock the parent row with {row_lock} before the call, or let "
        "the database assign the number (a sequence, or a unique constraint and a retry)"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if is_migration_path(module.path):
            return
        lines = module.source.splitlines()
        candidates = set()
        for function in module.functions():
            names = {call.text.rpartition(".")[2] for call in function.calls}
            if function.name == "<module>" or not any(name in CREATES or name[:1].isupper() for name in names):
                continue  # no new row, so nothing to number
            if self.reads_number(function) and ADDS_NUMBER.search("\n".join(lines[function.line - 1 : function.end_line])):
                candidates.add(function.line)
            elif calls_number_helper(module.analysis, function, self.reads_number):
                candidates.add(function.line)
        if not candidates:
            return
        for node in function_nodes(module.tree, candidates):
            if runs_in_pipeline(node):
                continue
            findings = list(self.check_function(module, node))
            if findings and not callers_hold_lock(module.tree, module.source, node):
                yield from findings

    @staticmethod
    def reads_number(function: FunctionSummary) -> bool:
        """Return True when the function may read a maximum, a count or the newest row: a
        method ``aggregate()``, ``count()`` (not ``text.count(",")``), ``max()`` (SQLAlchemy's
        ``func.max()``, not the builtin) or ``latest()``, or ``first()`` or ``last()`` with an
        ``order_by()``."""
        ordered = False
        for call in function.calls:
            receiver, _, last = call.text.rpartition(".")
            if last in READS and receiver and not (last == "count" and call.string_args):
                return True
            ordered = ordered or last == "order_by"
        return ordered and any(call.text.rpartition(".")[2] in ("first", "last") for call in function.calls)

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        nodes = list(scope_nodes(function.body))
        statements = self.simple_statements(nodes)
        returned = self.returned_numbers(module, statements)
        reads = {
            id(s)
            for s in statements
            if isinstance(s, (ast.Assign, ast.AnnAssign)) and s.value is not None and self.counted_source(module, s.value)
        }
        if not reads and not returned:
            return
        lock_line = self.first_lock_line(nodes)
        sources: dict[str, tuple[ast.stmt, str]] = {}  # name -> (statement that read it, what it read)
        sums: dict[str, str] = {}  # name bound to <source> + n -> the source name
        numbers: dict[str, ReturnedNumber] = {}  # name -> the number a project function returned into it
        reported: set[str] = set()
        for statement in statements:
            if self.track(module, statement, reads, returned, lock_line, sources, sums, numbers):
                continue
            if lock_line is None or lock_line > statement.lineno:
                for call, number in self.inserted_numbers(statement, returned):
                    yield self.helper_finding(module, statement, call, number)
            if not sources:
                continue  # nothing read yet that a new row could be numbered from
            for used in self.numbered_rows(statement, sources, sums):
                if used in reported:
                    continue
                reported.add(used)
                read, source = sources[used]
                if used in numbers:
                    assert isinstance(read, (ast.Assign, ast.AnnAssign)) and read.value is not None
                    yield self.helper_finding(module, read, _called(read.value), numbers[used])
                    continue
                row_lock = row_lock_remedy(self.orm_of_read(module, read))
                message = self.MESSAGE.format(variable=used, source=source, row_lock=row_lock)
                yield module.finding(self.code, message, read.lineno, read.col_offset)

    @staticmethod
    def simple_statements(nodes: list[ast.AST]) -> list[ast.stmt]:
        """Return the simple statements of a function body in source order."""
        # scope_nodes() walks breadth first; the reads must come before the writes, so sort.
        return sorted(
            (n for n in nodes if isinstance(n, ast.stmt) and not isinstance(n, COMPOUND)),
            key=lambda n: (n.lineno, n.col_offset),
        )

    def track(
        self,
        module: ModuleContext,
        statement: ast.stmt,
        reads: set[int],
        returned: dict[int, ReturnedNumber],
        lock_line: int | None,
        sources: dict[str, tuple[ast.stmt, str]],
        sums: dict[str, str],
        numbers: dict[str, ReturnedNumber],
    ) -> bool:
        """Record what an assignment binds: a maximum or a count read before any lock, a
        number a project function returned, or that plus a number. Return True when the
        statement is such a read, which numbers no row itself."""
        if not (isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None):
            return False
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        value = statement.value
        source = self.counted_source(module, value) if id(statement) in reads else None
        number = returned.get(id(_called(value)))
        if number is not None:
            source = number.source

        if source is not None and (lock_line is None or lock_line > statement.lineno):
            # data["position"] = count + 1 puts the number in a dict that create(**data) writes.
            names += [t.value.id for t in targets if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)]
            for name in names:
                sources[name] = (statement, source)
                if number is not None:
                    numbers[name] = number
                else:
                    numbers.pop(name, None)
                if self.adds_number(value) or (number is not None and number.next):
                    sums[name] = name  # position = column.cards.count() + 1: the name is the next number
                else:
                    sums.pop(name, None)
            return True

        used = self.incremented(value, sources, sums)
        for name in names:
            if used is not None:
                sums[name] = used
            else:
                sums.pop(name, None)
                sources.pop(name, None)
                numbers.pop(name, None)
        return False

    def returned_numbers(self, module: ModuleContext, statements: list[ast.stmt]) -> dict[int, ReturnedNumber]:
        """Return the calls of project functions that return a number read from a maximum or
        a count, by ``id`` of the call.

        A call counts when it is a keyword of a write, or the value of an assignment to a
        name that a write's keyword reads (``data["n"] = ...`` for ``create(**data)``). Only
        these calls can number a row, so only their functions are read.
        """
        writes = [node for statement in statements for node in [statement, *walk_scope(statement)] if _writes_row(node)]
        keywords = [keyword.value for write in writes if isinstance(write, ast.Call) for keyword in write.keywords]
        used = {node.id for value in keywords for node in ast.walk(value) if isinstance(node, ast.Name)}
        values = [_called(value) for value in keywords]
        for statement in statements:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                bound = {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}
                if bound & used:
                    values.append(_called(statement.value))
        found: dict[int, ReturnedNumber] = {}
        for value in values:
            number = self.returned_by_call(module, value)
            if number is not None:
                found[id(value)] = number
        return found

    def returned_by_call(self, module: ModuleContext, value: ast.expr) -> ReturnedNumber | None:
        """Return the number that ``value``, a call of a project function, returns, or None."""
        if not isinstance(value, ast.Call):
            return None
        return returned_number(module, value, self.read_number, self.reads_number)

    def inserted_numbers(self, statement: ast.stmt, returned: dict[int, ReturnedNumber]) -> Iterator[tuple[ast.Call, ReturnedNumber]]:
        """Yield the calls whose returned number a write in ``statement`` takes as it is, or
        plus a number: ``create(reference=next_reference())`` or ``create(position=top() + 1)``."""
        for node in [statement, *walk_scope(statement)]:
            if not isinstance(node, ast.Call) or not _writes_row(node):
                continue
            for keyword in node.keywords:
                call = _called(keyword.value)
                number = returned.get(id(call))
                if number is not None and isinstance(call, ast.Call) and (number.next or self.adds_number(keyword.value)):
                    yield call, number

    def helper_finding(self, module: ModuleContext, statement: ast.stmt, call: ast.expr, number: ReturnedNumber) -> Finding:
        """Report a new row numbered with what a project function read and returned."""
        message = self.HELPER_MESSAGE.format(
            call=ast.unparse(call.func) if isinstance(call, ast.Call) else ast.unparse(call),
            what="the next number" if number.next else "a value",
            source=number.source,
            path=module.index.relative(number.path),
            line=number.line,
            row_lock=row_lock_remedy(number.orm),
        )
        hop = Hop(number.path, number.line, number.column, number.source)
        return module.finding(self.code, message, statement.lineno, statement.col_offset, via=(hop,))

    def read_number(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Read | None:
        """Return what ``function`` returns when it is a maximum or a count read before any
        lock, as it is or plus a number: its source, whether it adds a number, the read, and
        the read's ORM. A value that another project function returned counts too."""
        nodes = list(scope_nodes(function.body))
        statements = self.simple_statements(nodes)
        valued: list[ast.stmt] = [s for s in statements if isinstance(s, (ast.Assign, ast.AnnAssign, ast.Return)) and s.value is not None]
        reads = {id(statement) for statement in valued if self.counted_source(module, _value(statement))}
        returned: dict[int, ReturnedNumber] = {}
        for binding in valued:
            call = _called(_value(binding))
            number = self.returned_by_call(module, call)
            if number is not None:
                returned[id(call)] = number
        if not reads and not returned:
            return None

        lock_line = self.first_lock_line(nodes)
        sources: dict[str, tuple[ast.stmt, str]] = {}
        sums: dict[str, str] = {}
        numbers: dict[str, ReturnedNumber] = {}
        for statement in statements:
            if not isinstance(statement, ast.Return) or statement.value is None:
                self.track(module, statement, reads, returned, lock_line, sources, sums, numbers)
                continue
            if lock_line is not None and lock_line < statement.lineno:
                return None
            value = statement.value
            if id(statement) in reads:
                source = self.counted_source(module, value)
                assert source is not None
                return source, self.adds_number(value), statement, self.orm_of_read(module, statement)
            number = returned.get(id(_called(value)))
            if number is not None:
                return number.source, number.next or self.adds_number(value), statement, number.orm
            used = self.incremented(value, sources, sums)
            if used is None and isinstance(value, ast.Name) and value.id in sources:
                used = value.id
            if used is not None:
                read, source = sources[used]
                adds = used in sums or value is not None and self.adds_number(value)
                orm = numbers[used].orm if used in numbers else self.orm_of_read(module, read)
                return source, adds, read, orm
        return None

    @staticmethod
    def first_lock_line(nodes: list[ast.AST]) -> int | None:
        """Return the first line of ``nodes`` (a function body's) that takes a lock, or None."""
        lines = []
        for node in nodes:
            if isinstance(node, ast.Call):
                name = callee_name(node.func)
                if name in ROW_LOCKS or (name and is_lock_name(name)):
                    lines.append(node.lineno)
                elif any(k.arg == "with_for_update" for k in node.keywords):
                    lines.append(node.lineno)
            elif isinstance(node, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in node.items):
                lines.append(node.lineno)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if any(word in node.value.lower() for word in SQL_LOCK_WORDS):
                    lines.append(node.lineno)
        return min(lines) if lines else None

    @staticmethod
    def counted_source(module: ModuleContext, value: ast.expr) -> str | None:
        """Return what ``value`` reads when it is a maximum, a count or the newest row, else None."""
        for node in [value, *walk_scope(value)]:
            if not isinstance(node, ast.Call):
                continue
            name = callee_name(node.func)
            if isinstance(node.func, (ast.Name, ast.Attribute)) and module.qualify(node.func) in AGGREGATES:
                return ast.unparse(node)
            if name == "count" and not node.args and not node.keywords and isinstance(node.func, ast.Attribute):
                if isinstance(node.func.value, (ast.Call, ast.Attribute)):
                    return f"{ast.unparse(node.func.value)}.count()"
        if isinstance(value, ast.Call) and callee_name(value.func) in ("first", "last", "latest"):
            steps = ast.unparse(value.func)
            if ("order_by" in steps or callee_name(value.func) == "latest") and classify_load(value, module.qualify) is not None:
                return f"{steps}()"
        return None

    @staticmethod
    def orm_of_read(module: ModuleContext, read: ast.stmt) -> str | None:
        """Return the ORM the read goes through, from its aggregate or query, else from the
        module's imports; None when neither names one."""
        for node in ast.walk(read):
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                qualified = module.qualify(node.func) or ""
                if qualified in AGGREGATES:
                    return qualified.partition(".")[0]
                load = classify_load(node, module.qualify)
                if load is not None:
                    return load.orm
                text = ast.unparse(node.func)
                if ".objects." in f".{text}":
                    return "django"
                if through_session(text) and callee_name(node.func) != "execute":
                    return "sqlalchemy"  # a cursor's execute() may be any database's
        return module_orm(module.summary.imports)

    @staticmethod
    def adds_number(expr: ast.expr) -> bool:
        """Return True when ``expr`` adds a whole number to what it reads: ``qs.count() + 1``."""
        for node in [expr, *walk_scope(expr)]:
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                for operand in (node.left, node.right):
                    if isinstance(operand, ast.Constant) and isinstance(operand.value, int) and not isinstance(operand.value, bool):
                        return True
        return False

    @staticmethod
    def incremented(expr: ast.expr, sources: dict[str, tuple[ast.stmt, str]], sums: dict[str, str]) -> str | None:
        """Return the source name that ``expr`` adds a number to (``last + 1``, ``row.number + 1``), else None."""
        for node in [expr, *walk_scope(expr)]:
            if isinstance(node, ast.Name) and node.id in sums and node is expr:
                return sums[node.id]
            if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
                continue
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if not (isinstance(other, ast.Constant) and isinstance(other.value, int) and not isinstance(other.value, bool)):
                    continue
                for inner in [side, *ast.walk(side)]:
                    if isinstance(inner, ast.Name) and inner.id in sources:
                        return inner.id
        return None

    def numbered_rows(self, statement: ast.stmt, sources: dict[str, tuple[ast.stmt, str]], sums: dict[str, str]) -> Iterator[str]:
        """Yield the source names whose value plus a number goes into a new row in ``statement``."""
        if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Attribute) for t in statement.targets):
            used = self.incremented(statement.value, sources, sums)
            if used is not None:
                yield used
        for node in [statement, *walk_scope(statement)]:
            if not isinstance(node, ast.Call):
                continue
            name = callee_name(node.func)
            if name not in CREATES and not name[:1].isupper():
                continue
            for keyword in node.keywords:
                used = self.incremented(keyword.value, sources, sums)
                if used is not None:
                    yield used
            if name in ("values", "insert"):
                for argument in node.args:
                    if isinstance(argument, ast.Dict):
                        for value in argument.values:
                            used = self.incremented(value, sources, sums)
                            if used is not None:
                                yield used

    VALID = [
        # The parent row is locked first, so numbering is serialised per shop.
        "from django.db import transaction\n"
        "from django.db.models import Max\n\n"
        "def next_invoice(shop, order):\n"
        "    with transaction.atomic():\n"
        "        Shop.objects.select_for_update().get(pk=shop.pk)\n"
        "        top = Invoice.objects.filter(shop=shop).aggregate(top=Max('number'))['top'] or 0\n"
        "        return Invoice.objects.create(shop=shop, order=order, number=top + 1)\n",
        # A count shown to the user is not a number given to a row.
        "def summary(shop):\n"
        "    total = shop.invoices.count()\n"
        "    return Report.objects.create(shop=shop, title=f'{total} invoices')\n",
        # A lock helper serialises the callers.
        "from django.db.models import Max\n\n"
        "def add_item(todo, text):\n"
        "    with advisory_lock(f'todo-{todo.pk}'):\n"
        "        top = todo.items.aggregate(top=Max('position'))['top'] or 0\n"
        "        return todo.items.create(text=text, position=top + 1)\n",
        # A private method whose only caller locks the parent row first.
        "from django.db.models import Max\n\n"
        "class OrderChange:\n"
        "    def commit(self):\n"
        "        Order.objects.select_for_update().get(pk=self.order.pk)\n"
        "        self._add_position()\n\n"
        "    def _add_position(self):\n"
        "        top = self.order.positions.aggregate(m=Max('number'))['m'] + 1\n"
        "        return self.order.positions.create(number=top)\n",
        # Max() from another library is not Django's aggregate.
        "from stats import Max\n\n"
        "def record(series, value):\n"
        "    peak = series.aggregate(Max(value))\n"
        "    return Sample.objects.create(series=series, value=peak + 1)\n",
    ]
    INVALID = [
        # The maximum is read in a project function whose caller inserts the row.
        Example(
            "from django.db import transaction\n"
            "from orders.numbers import next_reference\n\n"
            "@transaction.atomic\n"
            "def place(customer):\n"
            "    return Order.objects.create(customer=customer, reference=next_reference())  # OPS205\n",
            path="orders/services.py",
            files={
                "orders/__init__.py": "",
                "orders/numbers.py": (
                    "from django.db.models import Max\n\n"
                    "def next_reference():\n"
                    "    top = Order.objects.aggregate(top=Max('reference'))['top'] or 0\n"
                    "    return top + 1\n"
                ),
            },
        ),
        "from django.db import transaction\n"
        "from django.db.models import Max\n\n"
        "def next_invoice(shop, order):\n"
        "    with transaction.atomic():\n"
        "        top = Invoice.objects.filter(shop=shop).aggregate(top=Max('number'))['top'] or 0  # OPS205\n"
        "        return Invoice.objects.create(shop=shop, order=order, number=top + 1)\n",
        # A position from a count, set on a new object through a name bound first.
        "def add_item(todo, text):\n"
        "    count = todo.items.count()  # OPS205\n"
        "    position = count + 1\n"
        "    item = Item(todo=todo, text=text)\n"
        "    item.position = position\n"
        "    item.save()\n",
        # The next number computed in the statement that reads the count.
        "def add_card(column, title):\n"
        "    position = column.cards.count() + 1  # OPS205\n"
        "    return Card.objects.create(column=column, title=title, position=position)\n",
        # The newest row's number, plus one.
        "def next_ticket(queue):\n"
        "    last = Ticket.objects.filter(queue=queue).order_by('-number').first()  # OPS205\n"
        "    return Ticket.objects.create(queue=queue, number=(last.number if last else 0) + 1)\n",
        # SQLAlchemy: func.max() read through the session, then an INSERT.
        "from sqlalchemy import func, insert, select\n\n"
        "def next_version(session, document_id):\n"
        "    top = session.scalar(select(func.max(Version.number)).where(Version.document_id == document_id))  # OPS205\n"
        "    session.execute(insert(Version).values(document_id=document_id, number=(top or 0) + 1))\n",
    ]
