"""Syntax patterns of ORM reads and of locks, for the missing-lock rules (OPS2xx).

The rules work on one function body at a time and need three questions answered from the
syntax alone:

* Is an expression a load of one row, and is that row locked? ``Model.objects.get(...)``,
  ``qs.filter(...).first()``, ``get_object_or_404(Model, ...)``, a view's
  ``self.get_object()``, a related manager's
  ``.get(code=...)``, SQLAlchemy's ``session.get(Model, id)``, ``Model.query.get(id)`` and
  ``session.execute(select(...)).scalar_one()`` are loads; ``select_for_update()`` or
  ``with_for_update()`` anywhere in the chain locks the row.
* Does a ``with`` statement or a call take a lock? A name whose last part is a lock word
  (``lock``, ``Lock``, ``RLock``, ``acquire_lock``, ``lock_objects``, ``advisory_lock``,
  ``mutex``, ``Semaphore``) counts, because projects wrap their locks in helpers named
  for them and the linter cannot see through every helper.
* Is an expression Django's ``F()``? Matched by qualified name, so ``from
  django.db.models import F as Field`` counts and a local function named ``F`` does not.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsgen.lint.increment_amounts import amount_kind
from opsgen.lint.knowledge import is_http_session, sync_method
from opsgen.lint.query_chains import call_chain
from opsgen.lint.rule import ModuleContext, walk_scope
from opsgen.lint.summary import CallSite, FunctionSummary, ModuleSummary, dotted_text, function_nodes

if TYPE_CHECKING:
    from opsgen.lint.index import ProjectIndex

#: Last calls of a chain that return one row.
LOAD_TERMINALS = frozenset(
    {
        "get", "first", "last", "latest", "earliest", "one", "one_or_none",
        "scalar_one", "scalar_one_or_none", "get_or_404", "first_or_404", "one_or_404", "scalar",
    }
)  # fmt: skip
#: QuerySet and Query steps that may come before the terminal call.
QUERY_STEPS = frozenset(
    {
        "filter", "exclude", "select_related", "prefetch_related", "annotate", "only", "defer",
        "using", "all", "order_by", "filter_by", "options", "where", "join", "outerjoin",
        "scalars", "unique", "execution_options", "select_for_update", "with_for_update",
        "populate_existing", "with_parent",
    }
)  # fmt: skip
ROW_LOCKS = frozenset({"select_for_update", "with_for_update"})
#: Terminals that only a SQLAlchemy ``Result`` or ``Query`` has, not a Django queryset.
SQLALCHEMY_TERMINALS = frozenset({"one", "one_or_none", "scalar_one", "scalar_one_or_none", "scalar"})
LOCK_WORDS = frozenset({"lock", "locks", "rlock", "locked", "locking", "mutex", "semaphore", "flock"})
F_EXPRESSIONS = frozenset({"django.db.models.F", "django.db.models.expressions.F"})
GET_OBJECT_OR_404 = frozenset({"django.shortcuts.get_object_or_404"})
SESSION_WORDS = ("session", "sess", "db")
#: Top-level packages whose import marks a module as SQLAlchemy code.
SQLALCHEMY_PACKAGES = frozenset({"sqlalchemy", "flask_sqlalchemy", "sqlmodel"})

Qualify = Callable[[ast.expr], "str | None"]


@dataclass(frozen=True)
class Load:
    """A load of one row: which ORM it looks like and whether the query locks the row."""

    orm: str  # "django" or "sqlalchemy"
    locked: bool


def through_session(call_text: str) -> bool:
    """Return True for the dotted text of a call through a SQLAlchemy session or query:
    ``db.get``, ``db.session.add``, ``session.execute``, ``Coupon.query.filter_by``.
    Django's HTTP session (``request.session.get``) is not one."""
    receiver, _, method = call_text.rpartition(".")
    if is_http_session(receiver):
        return False
    owner = receiver.rpartition(".")[2].lower()
    return "session" in owner or "query" in call_text or method == "execute" or owner.endswith(SESSION_WORDS)


def _is_session(owner: ast.expr) -> bool:
    name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
    return name.lower().endswith(SESSION_WORDS)


def classify_load(value: ast.expr, qualify: Qualify, queries: Mapping[str, bool] | None = None) -> Load | None:
    """Return the row load ``value`` performs, or None when it is not one.

    ``queries`` maps local names bound to a query (``qs = Seat.objects.filter(...)``,
    ``stmt = select(Seat).with_for_update()``) to whether that query locks its rows, so
    ``qs.get(pk=1)`` and ``session.execute(stmt).scalar_one()`` are judged by it.
    """
    queries = queries or {}
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    if isinstance(value.func, ast.Name):
        if qualify(value.func) in GET_OBJECT_OR_404 and value.args:
            steps, _ = call_chain(value.args[0])
            return Load("django", any(name in ROW_LOCKS for name, _ in steps))
        return None

    steps, root = call_chain(value)
    names = [name for name, _ in steps]
    if names == ["get_object"] and isinstance(root, ast.Name) and root.id == "self" and not value.args:
        return Load("django", False)  # a Django or DRF view's object, loaded without a lock
    if not names or names[-1] not in LOAD_TERMINALS:
        return None
    locked = any(name in ROW_LOCKS for name in names) or any(_locks_in_arguments(c, queries) for _, c in steps if c is not None)
    terminal, call = steps[-1]
    before = names[:-1]
    assert call is not None  # a chain ending in a call has the call as its last step
    if isinstance(root, ast.Name) and root.id in queries:
        # qs.get(...) on a queryset bound earlier, or result.scalar_one() on a SQLAlchemy result.
        orm = "sqlalchemy" if terminal in SQLALCHEMY_TERMINALS or "scalars" in before else "django"
        return Load(orm, locked or queries[root.id])

    if terminal == "get":
        return _classify_get(call, before, locked)
    if "objects" in before:
        return Load("django", locked)
    if "query" in before or "execute" in before or "scalars" in before:
        return Load("sqlalchemy", locked)
    if terminal.endswith("_or_404") and not before and call.args and (_is_select(call.args[0]) or _looks_like_class(call.args[0])):
        return Load("sqlalchemy", locked)  # Flask-SQLAlchemy 3: db.get_or_404(User, id), db.one_or_404(select(...))
    if terminal == "scalar" and not before and call.args and _is_select(call.args[0]):
        return Load("sqlalchemy", locked)  # session.scalar(select(...)), a Core conn.scalar(select(...))
    if terminal in ("first", "last", "latest", "earliest") and any(name in QUERY_STEPS for name in before):
        return Load("django", locked)
    return None


def get_or_create_load(value: ast.expr) -> Load | None:
    """Return the load of ``Model.objects.get_or_create(...)``'s row, or None for other values."""
    if not isinstance(value, ast.Call):
        return None
    steps, _ = call_chain(value)
    names = [name for name, _ in steps]
    if names and names[-1] in ("get_or_create", "update_or_create") and len(names) > 1:
        return Load("django", any(name in ROW_LOCKS for name in names))
    return None


def _locks_in_arguments(call: ast.Call, queries: Mapping[str, bool]) -> bool:
    """Return True for ``session.execute(select(A).with_for_update())``: the lock is in an argument.

    A statement bound to a name earlier locks through a further step too:
    ``session.execute(stmt.execution_options(populate_existing=True))``.
    """
    for argument in call.args:
        steps, root = call_chain(argument)
        if isinstance(root, ast.Name) and queries.get(root.id):
            return True
        if any(name in ROW_LOCKS for name, _ in steps):
            return True
    return False


def refreshed_with_lock(call: ast.Call, queries: Mapping[str, bool] | None = None) -> tuple[str, str] | None:
    """Return the row variable and ORM of a call that reloads the row with a row lock, or None.

    These are SQLAlchemy's ``session.refresh(row, with_for_update=True)`` and Django's
    ``row.refresh_from_db(from_queryset=Row.objects.select_for_update())`` (Django 5.1 and
    later), also with a locking queryset bound to a name first.
    """
    if not isinstance(call.func, ast.Attribute):
        return None
    if call.func.attr == "refresh" and call.args and isinstance(call.args[0], ast.Name):
        for keyword in call.keywords:
            if keyword.arg == "with_for_update" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value in (None, False)):
                return call.args[0].id, "sqlalchemy"
    if call.func.attr == "refresh_from_db" and isinstance(call.func.value, ast.Name):
        for keyword in call.keywords:
            if keyword.arg != "from_queryset":
                continue
            steps, root = call_chain(keyword.value)
            named_lock = isinstance(root, ast.Name) and queries is not None and queries.get(root.id)
            if named_lock or any(name in ROW_LOCKS for name, _ in steps):
                return call.func.value.id, "django"
    return None


def query_binding(value: ast.expr, queries: Mapping[str, bool] | None = None) -> bool | None:
    """Return whether a query bound to a name locks its rows, or None when ``value`` is no query.

    A query is a Django queryset chain through ``.objects`` (not ending in a row load), a
    SQLAlchemy ``select(...)``/``update(...)`` chain, or the result of running a select
    through a session: ``result = await session.execute(select(Job))``, whose
    ``result.scalar_one()`` loads the row. ``queries`` gives the statements bound to names
    earlier, so ``session.execute(stmt)`` is judged by ``stmt``.
    """
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    steps, root = call_chain(value)
    names = [name for name, _ in steps]
    if names and names[-1] == "execute" and value.args and not value.keywords:
        statement = value.args[0]
        if isinstance(statement, ast.Name) and queries is not None and statement.id in queries:
            return queries[statement.id]
        if _is_select(statement):
            return any(name in ROW_LOCKS for name, _ in call_chain(statement)[0])
        return None
    locked = any(name in ROW_LOCKS for name in names)
    if "objects" in names and names[-1] not in LOAD_TERMINALS:
        return locked
    if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id in ("select", "update"):
        return locked
    if not steps and isinstance(value.func, ast.Name) and value.func.id == "select":
        return False
    return None


def _classify_get(call: ast.Call, before: list[str], locked: bool) -> Load | None:
    """Tell ``Model.objects.get(pk=1)`` and ``session.get(Model, 1)`` from ``dict.get(key)``."""
    if "query" in before:
        return Load("sqlalchemy", locked) if len(call.args) == 1 and not call.keywords else None
    lookups_only = bool(call.keywords) and all(k.arg for k in call.keywords)
    if "objects" in before or any(name in QUERY_STEPS for name in before):
        return Load("django", locked) if lookups_only or call.args else None
    if lookups_only and not call.args and before:
        return Load("django", locked)  # a related manager: event.orders.get(code=...)
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None
    if owner is not None and len(call.args) == 2 and _is_session(owner):
        first = call.args[0]
        if _looks_like_class(first):
            with_lock = any(k.arg == "with_for_update" for k in call.keywords)
            return Load("sqlalchemy", locked or with_lock)
    return None


def loaded_model(value: ast.expr) -> str:
    """Return the model class a row load names, as written: ``Account`` in
    ``session.get(Account, 1)``, Flask-SQLAlchemy's ``db.get_or_404(Account, 1)``,
    Django's ``get_object_or_404(Account, pk=1)``,
    ``select(Account)...``, ``Account.query...`` or ``Account.objects...``; ``""`` when
    the load does not name it."""
    if isinstance(value, ast.Await):
        value = value.value
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        name = callee_name(node.func)
        if name in ("get", "get_or_404", "get_object_or_404", "select", "query") and node.args and _looks_like_class(node.args[0]):
            return ast.unparse(node.args[0])
    steps, root = call_chain(value)
    names = [name for name, _ in steps]
    if ("objects" in names or "query" in names) and _looks_like_class(root):
        return ast.unparse(root)
    return ""


def module_orm(imports: Mapping[str, str]) -> str | None:
    """Return ``"django"`` or ``"sqlalchemy"`` when a module imports from that ORM only.

    ``imports`` maps local names to qualified names, as ``ModuleSummary.imports`` does.
    Flask-SQLAlchemy and SQLModel count as SQLAlchemy. A module that imports from both, or
    from neither, gives None.
    """
    found = set()
    for target in imports.values():
        package = target.partition(".")[0]
        if package == "django":
            found.add("django")
        elif package in SQLALCHEMY_PACKAGES:
            found.add("sqlalchemy")
    return found.pop() if len(found) == 1 else None


def row_lock_remedy(orm: str | None, load: ast.expr | None = None) -> str:
    """Return how ``orm`` locks a row it loads, as a message's remedy names it.

    SQLAlchemy's ``session.get(Model, id)`` takes the lock as a keyword argument, while
    its queries take ``with_for_update()``. When the ORM is unknown, both are named.
    """
    if orm == "django":
        return "select_for_update()"
    if orm == "sqlalchemy":
        if load is not None and _is_session_get(load):
            return "session.get(..., with_for_update=True)"
        return "with_for_update()"
    return "select_for_update() (Django) or with_for_update() (SQLAlchemy)"


def _is_session_get(value: ast.expr) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    return value.func.attr == "get" and _is_session(value.func.value)


def _is_select(expr: ast.expr) -> bool:
    """Return True for a SQLAlchemy ``select(...)`` chain: ``select(Item).where(...)``, or
    Flask-SQLAlchemy's ``db.select(Item).filter_by(...)``."""
    steps, root = call_chain(expr)
    if isinstance(root, ast.Call):
        return callee_name(root.func) == "select"
    if steps and steps[0][0] == "select" and isinstance(root, ast.Name):
        call = steps[0][1]
        return call is not None and bool(call.args) and _looks_like_class(call.args[0])
    return isinstance(expr, ast.Call) and callee_name(expr.func) == "select"


def _looks_like_class(expr: ast.expr) -> bool:
    """``Account`` or ``models.Account``, not ``SESSION_KEY`` or ``key``."""
    name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else ""
    return name[:1].isupper() and not name.isupper()


def is_lock_name(name: str) -> bool:
    """Return True for names that announce a lock: ``lock``, ``acquire_lock``, ``RLock``."""
    last = name.rpartition(".")[2]
    if last.endswith(("Lock", "Semaphore", "Mutex")):
        return True
    return not LOCK_WORDS.isdisjoint(last.lower().split("_"))


def names_in_chain(expr: ast.expr) -> Iterator[str]:
    """Yield every attribute and name along a call/attribute/subscript chain."""
    while True:
        if isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, ast.Attribute):
            yield expr.attr
            expr = expr.value
        elif isinstance(expr, ast.Subscript):
            expr = expr.value
        else:
            if isinstance(expr, ast.Name):
                yield expr.id
            return


#: Locks that serialise the threads of one process only.
THREAD_LOCKS = frozenset({"threading.Lock", "threading.RLock"})


def thread_lock_names(tree: ast.Module, qualify: Qualify) -> set[str]:
    """Return the dotted texts bound to a ``threading.Lock()`` or ``RLock()`` in the module:
    module-level names (``_quota_lock``) and attributes of ``self`` (``self._lock``)."""
    if "threading" not in {name.partition(".")[0] for name in _imported_roots(tree)}:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and qualify(node.value.func) in THREAD_LOCKS:
            names.update(dotted_text(target) for target in node.targets if isinstance(target, (ast.Name, ast.Attribute)))
    return names


def _imported_roots(tree: ast.Module) -> Iterator[str]:
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def takes_lock(item: ast.withitem) -> bool:
    """Return True when a ``with`` item takes a lock: ``with lock:``, ``with cache.lock(key):``."""
    return any(is_lock_name(name) for name in names_in_chain(item.context_expr))


def callee_name(func: ast.expr) -> str:
    """Return the last name of a callee: ``b`` for ``a.b``, ``f`` for ``f``, else ``""``.

    Django's asynchronous ORM methods give the synchronous name: ``save`` for ``row.asave``.
    """
    if isinstance(func, ast.Attribute):
        return sync_method(func.attr)
    if isinstance(func, ast.Name):
        return func.id
    return ""


def uses_f_expression(expr: ast.AST, qualify: Qualify) -> bool:
    """Return True when ``expr`` calls Django's ``F()``, however it was imported."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            if qualify(node.func) in F_EXPRESSIONS:
                return True
    return False


def field_increment(node: ast.AST) -> tuple[ast.Attribute, ast.expr] | None:
    """Return the field and the amount of ``o.f += n``, ``o.f -= n``, ``o.f = o.f + n`` or
    ``setattr(o, "f", getattr(o, "f") + n)``; else None.

    An amount whose shape shows text or a list (``o.note += "..."``) builds a value rather
    than counting, and is no increment; an amount of unknown type counts (see
    :func:`~opsgen.lint.increment_amounts.amount_kind`).
    """
    if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(node.target, ast.Attribute):
        return None if amount_kind(node.value) == "text" else (node.target, node.value)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return _setattr_increment(node.value)
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute)):
        return None
    target, value = node.targets[0], node.value
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub))):
        return None
    operands = [value.left, value.right] if isinstance(value.op, ast.Add) else [value.left]
    for position, operand in enumerate(operands):
        if ast.dump(operand, annotate_fields=False) == ast.dump(ast.Attribute(target.value, target.attr, ast.Load()), annotate_fields=False):
            amount = value.right if position == 0 else value.left
            return None if amount_kind(amount) == "text" else (target, amount)
    return None


def _setattr_increment(call: ast.Call) -> tuple[ast.Attribute, ast.expr] | None:
    """Return the field and amount of ``setattr(o, name, getattr(o, name) + n)``; else None.

    The field is an ``o.<name>`` attribute node: the literal's text for a string literal,
    or the variable's name for a name given by a variable (see :func:`setattr_field_name`).
    """
    if not (isinstance(call.func, ast.Name) and call.func.id == "setattr" and len(call.args) == 3 and not call.keywords):
        return None
    owner, name, value = call.args
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub))):
        return None
    read = ast.Call(ast.Name("getattr", ast.Load()), [owner, name], [])
    operands = [value.left, value.right] if isinstance(value.op, ast.Add) else [value.left]
    for position, operand in enumerate(operands):
        if ast.dump(operand, annotate_fields=False) == ast.dump(read, annotate_fields=False):
            amount = value.right if position == 0 else value.left
            if amount_kind(amount) == "text":
                return None
            attr = name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else ast.unparse(name)
            field = ast.Attribute(owner, attr, ast.Load())
            return ast.copy_location(field, call), amount
    return None


def setattr_field_name(node: ast.AST) -> str | None:
    """Return the expression that names the field of ``setattr(o, field, ...)`` when it is
    not a string literal, such as ``field``; None for other statements."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _setattr_increment(node.value)):
        return None
    name = node.value.args[1]
    return None if isinstance(name, ast.Constant) else ast.unparse(name)


#: The nodes of bodies walked so far, by ``id`` of the body, each kept with its body so
#: that the id cannot be reused while the entry lives. Many rules walk the same function
#: bodies; the cache is emptied when it grows past :data:`_SCOPE_CACHE_SIZE` bodies.
_scope_cache: dict[int, tuple[list[ast.stmt], tuple[ast.AST, ...]]] = {}
_SCOPE_CACHE_SIZE = 4096


def scope_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Yield the statements of ``body`` and every node that runs with them.

    A nested ``def``, ``lambda`` or ``class`` is yielded with its decorators, defaults and
    bases, but not its body, which defines code rather than running it here.
    """
    cached = _scope_cache.get(id(body))
    if cached is None or cached[0] is not body:
        if len(_scope_cache) >= _SCOPE_CACHE_SIZE:
            _scope_cache.clear()
        cached = _scope_cache[id(body)] = (body, tuple(_walk_scope_nodes(body)))
    return iter(cached[1])


def _walk_scope_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = statement.args
            for node in [*statement.decorator_list, *arguments.defaults, *[d for d in arguments.kw_defaults if d]]:
                yield node
                yield from walk_scope(node)
        elif isinstance(statement, ast.ClassDef):
            for node in [*statement.decorator_list, *statement.bases]:
                yield node
                yield from walk_scope(node)
        else:
            yield from walk_scope(statement)


def candidate_functions(
    module: ModuleContext, accept: Callable[[FunctionSummary], bool]
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Yield the definitions of the module's functions whose summary ``accept`` picks.

    Test files yield none. The summary decides cheaply, so only the picked functions'
    syntax trees are walked.
    """
    if is_test_path(module.relative_path):
        return
    candidates = {f.line for f in module.functions() if f.name != "<module>" and accept(f)}
    if candidates:
        yield from function_nodes(module.tree, candidates)


@dataclass(frozen=True)
class WithItem:
    """One item of a ``with`` statement: where its expression sits, and its dotted text."""

    line: int
    column: int
    text: str
    block_line: int  # the line of the ``with`` statement


@dataclass
class FunctionSyntax:
    """The bindings, ``with`` items and calls of one function body, not counting nested defs and lambdas."""

    #: Local name -> the lines where the function binds it and the dotted text of the value, in line order.
    bindings: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    with_items: list[WithItem] = field(default_factory=list)
    calls: dict[tuple[int, int], ast.Call] = field(default_factory=dict)  # by line and column

    def call_node(self, call: CallSite) -> ast.Call | None:
        """Return the syntax node of ``call``, one of the function's own calls."""
        return self.calls.get((call.line, call.column))

    def local_value(self, name: str, line: int) -> str | None:
        """Return the dotted text of what the local ``name`` was last bound to before ``line``,
        by an assignment or a ``with ... as name``, or None."""
        value: str | None = None
        for bound_line, text in self.bindings.get(name, []):
            if bound_line < line:
                value = text
        return value


def read_function(tree: ast.Module | None, function: FunctionSummary) -> FunctionSyntax:
    """Walk the body of ``function`` once and return its bindings, ``with`` items and calls."""
    syntax = FunctionSyntax()
    if tree is None:
        return syntax
    for node in function_nodes(tree, {function.line}):
        for inner in walk_scope(node):
            if isinstance(inner, ast.Call):
                syntax.calls.setdefault((inner.lineno, inner.col_offset), inner)
            elif isinstance(inner, ast.Assign):
                for target in inner.targets:
                    if isinstance(target, ast.Name):
                        syntax.bindings.setdefault(target.id, []).append((inner.lineno, dotted_text(inner.value)))
            elif isinstance(inner, (ast.With, ast.AsyncWith)):
                for item in inner.items:
                    expression = item.context_expr
                    text = dotted_text(expression)
                    syntax.with_items.append(WithItem(expression.lineno, expression.col_offset, text, inner.lineno))
                    if isinstance(item.optional_vars, ast.Name):
                        syntax.bindings.setdefault(item.optional_vars.id, []).append((inner.lineno, text))
    for entries in syntax.bindings.values():
        entries.sort()
    syntax.with_items.sort(key=lambda item: (item.line, item.column))
    return syntax


class FunctionSyntaxCache:
    """Reads the syntax of each function once. Each rule check makes a cache of its own, so no state outlives it."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.found: dict[tuple[str, int], FunctionSyntax] = {}

    def __call__(self, module: ModuleSummary, function: FunctionSummary) -> FunctionSyntax:
        """Return the syntax of ``function``, a function of ``module``."""
        key = (module.path, function.line)
        syntax = self.found.get(key)
        if syntax is None:
            syntax = self.found[key] = read_function(self.index.tree(module.path), function)
        return syntax


def module_bindings(tree: ast.Module, keep: Callable[[ast.expr], bool]) -> set[str]:
    """Return the names the module body binds to a value ``keep`` accepts (the last binding wins)."""
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        kept = keep(value)
        for target in targets:
            if isinstance(target, ast.Name):
                if kept:
                    names.add(target.id)
                else:
                    names.discard(target.id)
    return names


def callers_hold_lock(tree: ast.Module, source: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Return True when ``function`` is private and each of its calls in the module runs under a lock.

    ``self._perform_operations()`` called only after ``select_for_update()`` of the order, or
    inside ``with <lock>:``, runs with that lock held. A public function may have callers in
    other modules that the rule cannot see, so it gets no such credit. ``source`` is the
    module's text: only the functions around lines that name the function are read.
    """
    name = function.name
    if not name.startswith("_") or name.startswith("__"):
        return False
    lines = {number for number, text in enumerate(source.splitlines(), start=1) if f"{name}(" in text}
    called = False
    for caller in _functions_around(tree, lines):
        if caller is function:
            continue
        nodes = list(scope_nodes(caller.body))
        calls = [node for node in nodes if isinstance(node, ast.Call) and _calls_by_name(node, name)]
        if not calls:
            continue
        called = True
        lock_lines = [node.lineno for node in nodes if isinstance(node, ast.Call) and _takes_lock_call(node)]
        lock_blocks = [
            (node.lineno, node.end_lineno or node.lineno)
            for node in nodes
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in node.items)
        ]
        for call in calls:
            after_lock = any(line < call.lineno for line in lock_lines)
            in_lock_block = any(start <= call.lineno <= end for start, end in lock_blocks)
            if not (after_lock or in_lock_block):
                return False
    return called


def _functions_around(tree: ast.Module, lines: set[int]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Yield every function definition whose span contains one of ``lines``, nested ones included."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if start is None or end is None or not any(start <= line <= end for line in lines):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                pending.append(child)


def _takes_lock_call(call: ast.Call) -> bool:
    """Return True for ``select_for_update()``, ``with_for_update()`` or a lock helper's call."""
    name = callee_name(call.func)
    return bool(name) and (name in ROW_LOCKS or is_lock_name(name))


def _calls_by_name(call: ast.Call, name: str) -> bool:
    """Return True for ``name(...)``, ``self.name(...)`` or ``cls.name(...)``."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == name
    return isinstance(func, ast.Attribute) and func.attr == name and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls")


def runs_in_pipeline(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Return True when a parameter is annotated as opsgen's ``ExecutionContext``.

    Such code runs inside the operation pipeline, under the locks its spec declares; OPS204
    checks those locks against the rows the operation changes.
    """
    arguments = function.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        annotation = argument.annotation
        if annotation is not None and ast.unparse(annotation).strip("'\"").endswith("ExecutionContext"):
            return True
    return False


def is_test_path(path: str) -> bool:
    """Return True for test code: a ``tests``/``test`` folder, ``test_*.py``, ``*_test.py``, ``conftest.py``."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(part in ("tests", "test", "testing") for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def is_migration_path(path: str) -> bool:
    """Return True for Django or Alembic migration files, which run once, alone."""
    parts = path.replace("\\", "/").split("/")
    return any(part in ("migrations", "alembic", "versions") for part in parts[:-1])
