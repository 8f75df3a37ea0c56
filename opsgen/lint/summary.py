"""One pass over a module's syntax tree that records what the linter needs to know about it.

The summary is plain data, which round-trips through JSON for the on-disk cache. It does
not depend on the configuration: which calls are side effects is decided later, from
each call's qualified name, so a change to ``[tool.opsgen.lint]`` never invalidates it.

Calls are named through an import map, so ``from requests import post as p`` makes
``p(...)`` a call of ``requests.post``. Instances get a ``()`` suffix: after
``client = httpx.Client()``, ``client.post(...)`` is a call of ``httpx.Client().post``.
The walk keeps a stack of scopes. The body of a nested ``def`` or ``lambda`` is a
definition, so its calls belong to the nested function, never to the code around it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import Any, ClassVar

from opsgen.lint import knowledge
from opsgen.lint.configured_files import FILE_FUNCTIONS, OPENERS, PATH_WRITES, configured_root, configured_write, path_type
from opsgen.lint.created_flag import INSERTING_METHODS, ROW_LOADS, always_exits, flag_value, implied_value
from opsgen.lint.name_patterns import builds_text, name_pattern
from opsgen.lint.query_chains import loaded_row_model

#: Values that may build a path on a configured folder, and the calls that may write one.
_PATH_EXPRESSIONS = (ast.BinOp, ast.Call, ast.JoinedStr)
_FILE_CALLS = OPENERS | FILE_FUNCTIONS.keys()
_FILE_METHODS = PATH_WRITES | {"open"}

#: The ``decorator_keywords`` entry that lists the databases ``@non_atomic_requests`` exempts
#: a view from. It is no identifier, so no decorator keyword can have its name.
NON_ATOMIC_KEY = "@non_atomic_requests"

#: Bump when the summary's shape or meaning changes, so old cache entries are ignored.
SUMMARY_FORMAT = 46


@dataclass
class CallSite:
    """One call written in a function body, with what was known about it where it sits."""

    line: int
    column: int
    end_line: int
    target: str | None  # qualified name, or None when the callee cannot be named
    text: str  # dotted source text of the callee, such as ``note.queue_for_delivery``
    keywords: list[str]
    transaction: int  # index into FunctionSummary.transactions of the innermost open block, or -1
    session_write: str | None  # session text with writes not yet committed here, if any
    result_used: bool
    awaited: bool
    write: str | None  # ORM write kind: save, create, delete, update, bulk, flush, session
    model: str | None  # qualified model class the write or call applies to, when known
    in_loop: bool = False
    branch: str = ""  # the if-arms the call sits in, as "line:arm/line:arm", outermost first
    string_args: list[str] = field(default_factory=list)
    loops: str = ""  # the repeating loops the call sits in, as "line/line", outermost first
    #: A ``save()`` of a row this function created (``create()``, ``get_or_create()``) earlier.
    fresh: bool = False
    #: The function or method that runs this callable in a worker thread, such as
    #: ``asyncio.to_thread`` for ``to_thread(send_mail, ...)``; empty for a plain call.
    runner: str = ""
    #: The database alias the call passes as ``using=``, in the form of
    #: ``TransactionBlock.using``; None without that keyword. For an ORM write without
    #: keywords, the alias its queryset names with ``using()`` or ``db_manager()``.
    using: str | None = None
    #: For a ``save()`` of a row that a call of another function returned (``profile =
    #: get_profile(user)``), that call's position as ``line:column``; empty otherwise.
    row_from: str = ""
    #: An assignment to an attribute of a typed object (``ticket.state = value``), recorded
    #: because it runs a property setter when the object's class has one. It calls nothing
    #: when the class has no such setter.
    assigned: bool = False
    #: The arguments that name a function, class or method rather than a value, as
    #: ``position=qualified name`` or ``keyword=qualified name``: ``0=pkg.mod.drop_cache``
    #: for ``book.subscribe(drop_cache)``.
    handed: list[str] = field(default_factory=list)
    #: For a Django write that sends ``post_save``: True when it inserts a row, so that
    #: ``created`` is True, and False when it updates a row known to exist. None when it
    #: may do either, as a ``save()`` of a parameter does (:mod:`opsgen.lint.created_flag`).
    inserts: bool | None = None
    #: True when the call runs only if the ``created`` argument of a ``post_save``
    #: receiver is true (``if created:``), False when only if it is false, else None.
    when_created: bool | None = None


@dataclass
class TransactionBlock:
    """A ``with`` block of the function that opens, or may open, a transaction.

    ``kind`` is ``atomic``, ``session`` or ``savepoint`` for the blocks the linter
    recognises. ``with`` is any other context manager called, or an instance of a type,
    named by a qualified ``name`` (``pkg.Cls()`` for an instance). It opens a transaction
    when the configuration lists it in ``transaction-openers``, or when the project's code
    for it wraps a transaction.
    """

    line: int
    end_line: int
    kind: str
    using: str | None = None  # database alias; "=expr" when given by a variable, such as "=db_alias"
    name: str | None = None
    parent: int = -1  # index of the enclosing block, or -1
    #: A ``for`` loop over a call, whose body runs wherever a generator called there yields.
    loop: bool = False


@dataclass
class FunctionSummary:
    qualname: str
    name: str
    line: int
    column: int
    end_line: int
    class_name: str | None  # qualified name of the enclosing class for methods
    params: list[str]
    decorators: list[str]  # qualified names; a decorator call adds "()" as in "receiver()"
    decorator_keywords: dict[str, str]  # keyword -> qualified value of decorator calls
    receives: list[list[str | None]]  # [signal, sender] pairs from @receiver or blinker's @signal.connect_via
    listens: list[str]  # SQLAlchemy event names from @event.listens_for
    raises: list[int] = field(default_factory=list)
    nested: bool = False
    is_async: bool = False
    returns: list[str] = field(default_factory=list)  # instance types returned, as ``pkg.Cls()``
    #: The session whose writes are still uncommitted when the body ends, as ``session:line``.
    open_session: str | None = None
    #: Attributes of ``self`` the body sets to one of its parameters: ``self.ctx = ctx`` gives
    #: ``{"ctx": "ctx"}``.
    parameter_attributes: dict[str, str] = field(default_factory=dict)
    #: For each ``yield`` of a generator, the index into ``transactions`` of the innermost
    #: block open there, or -1.
    yields: list[int] = field(default_factory=list)
    #: The name of the ``**kwargs`` parameter, or None.
    keywords_param: str | None = None
    #: True when every ``return`` with a value returns a row that the function created
    #: through a manager's ``create()``, ``get_or_create()`` or ``update_or_create()``.
    returns_created: bool = False
    #: FastAPI dependencies of the parameters, by qualified name: ``Depends(get_session)``
    #: as a default or inside ``Annotated[...]``, also through a module-level alias.
    depends: list[str] = field(default_factory=list)
    #: The containers that the function stores a parameter in and then returns it, as a
    #: registering decorator does: ``pkg.mod.HANDLERS`` for ``HANDLERS[kind] = handler``,
    #: ``pkg.mod.Registry._handlers`` for ``self._handlers[kind] = handler``.
    registers: list[str] = field(default_factory=list)
    #: The parameters the function stores in a container that outlives the call, as
    #: ``param=container``: ``listener=pkg.mod.PriceBook._listeners`` for
    #: ``self._listeners.append(listener)``.
    stores: list[str] = field(default_factory=list)
    #: True when every ``return`` with a value hands back one of the function's parameters
    #: as it is, as a decorator does that registers the function it was given rather than
    #: wrapping it.
    returns_param: bool = False
    # Last, so that the cache row of the other fields maps onto the first parameters.
    calls: list[CallSite] = field(default_factory=list)
    transactions: list[TransactionBlock] = field(default_factory=list)


@dataclass
class ClassSummary:
    qualname: str
    name: str
    line: int
    bases: list[str]
    methods: list[str]
    decorators: list[str]
    list_attributes: dict[str, list[str]]  # class attribute -> qualified names in a list literal
    #: class attribute -> the qualified classes whose methods its value has, such as
    #: ``objects = InvoiceManager()`` or ``objects = InvoiceQuerySet.as_manager()``
    attribute_classes: dict[str, list[str]] = field(default_factory=dict)
    #: Django relation fields: ``[attribute, kind, target, related_name]``, where kind is
    #: ``many`` (a many-to-many field) or ``one`` (a foreign key), and target is the
    #: qualified class or the string the field names (``"self"``, ``"app.Model"``).
    relations: list[list[str | None]] = field(default_factory=list)
    #: class attribute -> the qualified name it is set to, such as ``serializer_class = OrderSerializer``
    name_attributes: dict[str, str] = field(default_factory=dict)
    #: method -> database alias of the ``atomic()`` that ``@method_decorator(atomic(...), name=method)``
    #: wraps it in, written as ``TransactionBlock.using`` is
    decorator_using: dict[str, str] = field(default_factory=dict)


@dataclass
class Connection:
    """A receiver connected to a signal or a session event outside a decorator."""

    #: "signal", "event", "transaction" for a callback run inside a transaction, "view" for
    #: a Pyramid view added with ``config.add_view()``, "include" for a package that the
    #: app includes and that opens a transaction around each request (``pyramid_tm``),
    #: "request-commit" for a setting that commits the session after each Flask request,
    #: or "middleware" for a dotted path listed in Django's ``MIDDLEWARE`` setting
    kind: str
    source: str  # qualified signal name, SQLAlchemy event name, the method that runs the callback, or the package
    handler: str  # qualified name of the handler function
    sender: str | None = None


@dataclass
class ModuleSummary:
    path: str
    module: str
    functions: dict[str, FunctionSummary]
    classes: dict[str, ClassSummary]
    imports: dict[str, str]
    connections: list[Connection]
    #: The database aliases whose settings in this module turn ``ATOMIC_REQUESTS`` on;
    #: "default" where the setting names no database.
    atomic_requests: list[str] = field(default_factory=list)
    syntax_error: str | None = None
    #: Dispatch tables: a dict, list or tuple literal of functions or classes bound to a
    #: name, by that name qualified (``pkg.mod.HANDLERS``, ``pkg.mod.Cls.HANDLERS`` or
    #: ``pkg.mod.func.<locals>.handlers``), to the qualified names of its values.
    tables: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return plain data for the cache: each dataclass as the list of its field values.

        Lists rather than mappings keep the cache about half the size and quick to load.
        """
        return {
            "path": self.path,
            "module": self.module,
            "functions": [
                [*_function_row(f), list(map(_call_row, f.calls)), list(map(_block_row, f.transactions))] for f in self.functions.values()
            ],
            "classes": list(map(_class_row, self.classes.values())),
            "imports": self.imports,
            "connections": list(map(_connection_row, self.connections)),
            "atomic_requests": self.atomic_requests,
            "syntax_error": self.syntax_error,
            "tables": self.tables,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleSummary:
        functions = {}
        for row in data["functions"]:
            *values, calls, blocks = row
            function = FunctionSummary(*values)
            function.calls = [CallSite(*c) for c in calls]
            function.transactions = [TransactionBlock(*b) for b in blocks]
            functions[function.qualname] = function
        classes = [ClassSummary(*row) for row in data["classes"]]
        return cls(
            path=data["path"],
            module=data["module"],
            functions=functions,
            classes={c.qualname: c for c in classes},
            imports=data["imports"],
            connections=[Connection(*row) for row in data["connections"]],
            atomic_requests=data["atomic_requests"],
            syntax_error=data["syntax_error"],
            tables=data["tables"],
        )


def _field_names(kind: type, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind) if f.name not in skip)


def _row_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Return a function that reads the fields ``names`` of a dataclass instance as a tuple,
    which JSON writes as a list. ``operator.attrgetter`` reads them in C: for the 885 modules
    of Django 5.2, ``to_json()`` took 0.04 s against 0.07 s with a ``getattr()`` loop."""
    if len(names) < 2:
        raise ValueError(f"invalid cache row fields {names}: attrgetter() returns a tuple only for two or more")
    return attrgetter(*names)


#: Container methods that store their last argument: ``append(handler)``, ``add(handler)``,
#: ``setdefault(kind, handler)``.
_STORING_METHODS = frozenset({"append", "add", "setdefault"})

#: Manager methods that return a row they may have inserted.
_CREATING_METHODS = ("create", "get_or_create", "update_or_create", "acreate", "aget_or_create", "aupdate_or_create")

#: Values a name may be bound to before a ``with`` statement enters it as a transaction.
_CONTEXT_VALUES = (ast.Call, ast.IfExp)

#: ORM writes whose queryset may name the database: ``Model.objects.using(alias).create()``.
_ALIASED_WRITES = frozenset({"save", "create", "delete", "update", "bulk"})

_call_row = _row_getter(_field_names(CallSite))
_block_row = _row_getter(_field_names(TransactionBlock))
_function_row = _row_getter(_field_names(FunctionSummary, skip=("calls", "transactions")))
_class_row = _row_getter(_field_names(ClassSummary))
_connection_row = _row_getter(_field_names(Connection))


def atomic_alias(call: ast.Call) -> str | None:
    """Return the database alias an ``atomic(...)`` call names: the literal alias, or
    ``"=expression"`` when a variable or attribute gives it (``using=db_alias``)."""
    return _alias_of([keyword.value for keyword in call.keywords if keyword.arg == "using"] + call.args[:1])


def _alias_of(values: list[ast.expr]) -> str | None:
    using = None
    for value in values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            using = value.value
        elif isinstance(value, (ast.Name, ast.Attribute)):
            using = "=" + dotted_text(value)  # an expression, not a literal alias
    return using


def _is_api_item(name: str) -> bool:
    """Return True when ``name[]`` is an item of a remote API client, such as Typesense's
    ``client.collections["books"]``: a handle of that client, unlike an item of a table."""
    base = name.removesuffix("[]")
    if f"{base}[]" in knowledge.CACHE_HANDLES:
        return True  # caches["prices"]: a handle of one of Django's caches
    return knowledge.is_external_api(f"{base}.") or knowledge.is_external_api(f"{base}[].")


def names_session(owner: str) -> bool:
    """Return True for the dotted text of a value named like a SQLAlchemy session
    (``session``, ``db.session``, ``self.db``), except Django's ``request.session``."""
    if knowledge.is_http_session(owner):
        return False
    return owner.rpartition(".")[2] in knowledge.SESSION_NAMES or owner.lower().endswith("session")


def is_overload(node: ast.AST) -> bool:
    """Return True for an ``@overload`` stub (``typing``, ``typing_extensions``): a signature
    for type checkers, which the undecorated definition after it replaces at run time."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Name) and decorator.id == "overload":
            return True
        if isinstance(decorator, ast.Attribute) and decorator.attr == "overload" and isinstance(decorator.value, ast.Name):
            return True
    return False


def dotted_text(node: ast.expr) -> str:
    """Return a short dotted rendering of a callee: ``a.b().c``; other nodes become ``?``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted_text(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{dotted_text(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{dotted_text(node.value)}[]"
    if isinstance(node, ast.NamedExpr):
        return dotted_text(node.target)
    return "?"


class _Scope:
    """Names bound in one function (or the module): imports, nested defs, typed locals."""

    def __init__(self, qualname: str, parent: _Scope | None, class_name: str | None = None) -> None:
        self.qualname = qualname
        self.parent = parent
        self.class_name = class_name
        self.bindings: dict[str, str] = {}

    def lookup(self, name: str) -> str | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None


class _Summarizer:
    def __init__(self, path: str, module: str, is_package: bool) -> None:
        self.path = path
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.functions: dict[str, FunctionSummary] = {}
        self.classes: dict[str, ClassSummary] = {}
        self.connections: list[Connection] = []
        self.module_scope = _Scope(module, None)
        self.tables: dict[str, list[str]] = {}
        #: Attributes of ``self`` that hold a connection in autocommit mode, as ``Cls().conn``.
        self.autocommit_attributes: set[str] = set()
        #: Whether the module imports Django's settings or Flask, whose values may name
        #: configured folders (see configured_files).
        self.reads_settings = False
        #: Whether the module imports FastAPI, whose ``Depends(...)`` parameters the summary reads.
        self.uses_fastapi = False
        #: Module-level aliases of a dependency: ``SessionDep = Annotated[Session, Depends(get_db)]``.
        self.dependency_aliases: dict[str, str] = {}
        #: Module-level names bound to an empty container, which a decorator may fill with
        #: handlers: ``HANDLERS = {}``, ``HOOKS = defaultdict(list)``.
        self.empty_containers: set[str] = set()
        #: Module-level names bound to a string literal: ``LEDGER_DB = "ledger"``.
        self.string_constants: dict[str, str] = {}

    # -- names -------------------------------------------------------------------------

    def bind_import(self, node: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.bindings[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    scope.bindings[top] = top
            return
        base = node.module or ""
        if node.level:
            parts = self.package.split(".") if self.package else []
            if node.level > 1:
                parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            if alias.name == "*":
                continue
            scope.bindings[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        if base == "flask" or (base == "django.conf" and any(alias.name == "settings" for alias in node.names)):
            self.reads_settings = True
        if base.partition(".")[0] == "fastapi":
            self.uses_fastapi = True

    def qualify(self, node: ast.expr, scope: _Scope) -> str | None:
        """Return the qualified name of a Name/Attribute/Call chain, or None."""
        if isinstance(node, ast.Subscript):
            # An item of a remote API client, as Typesense's ``client.collections["books"]``
            # or django-haystack's ``connections["default"]``, is a handle of that client.
            # Other subscripts have no name.
            base = self.qualify(node.value, scope)
            if not base:
                return None
            return f"{base}[]" if _is_api_item(base) else None
        if isinstance(node, ast.Name):
            return scope.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value, scope)
            if not base or (base.endswith("[]") and not _is_api_item(base)):
                return None  # an attribute of a table's item, whose type is unknown
            # ``self.client`` typed by an assignment in ``__init__``.
            attribute_type = self.module_scope.bindings.get(f"{base}.{node.attr}") if base.endswith("()") else None
            return attribute_type or f"{base}.{node.attr}"
        if isinstance(node, ast.NamedExpr):
            return self.qualify(node.value, scope)  # (charge := ops.billing.charge)(ctx)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "super" and scope.class_name:
                return "super()"
            base = self.qualify(node.func, scope)
            return f"{base}()" if base else None
        return None

    def infer_instance(self, value: ast.expr, scope: _Scope) -> str | None:
        """Return the qualified type, as ``pkg.Cls()``, of the value an expression builds.

        Of ``given or Repository()`` and ``given if given else Repository()``, the default
        that an injected dependency replaces, it is the first operand whose type is known.
        """
        if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
            return next((found for found in (self.infer_instance(v, scope) for v in value.values) if found), None)
        if isinstance(value, ast.IfExp):
            return self.infer_instance(value.body, scope) or self.infer_instance(value.orelse, scope)
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return None
        if value.args and isinstance(value.args[0], ast.Call) and self.qualify(value.func, scope) in knowledge.AWAIT_WRAPPERS:
            value = value.args[0]  # await asyncio.wait_for(nats.connect(url), 5) is what connect() returns
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in knowledge.MANAGER_RETURNS_INSTANCE:
            model = self.manager_model(func.value, scope)
            if model:
                return f"{model}()"
        if isinstance(func, ast.Attribute):
            row_model = loaded_row_model(value, lambda owner: self.is_session(owner, scope))
            model = self.qualify(row_model, scope) if row_model is not None else None
            if model:
                return f"{model}()"  # session.get(Wallet, pk) is a Wallet
        target = self.qualify(func, scope)
        if target in knowledge.ROW_SHORTCUTS and value.args:
            model = self.manager_model(value.args[0], scope) or self.qualify(value.args[0], scope)
            if model:
                return f"{model}()"  # get_object_or_404(Order, pk=pk) is an Order
        return f"{target}()" if target else None

    def is_session(self, owner: ast.expr, scope: _Scope) -> bool:
        """Return True when ``owner`` is a SQLAlchemy session: named like one (``session``,
        ``db.session``, ``self.db``) or of a session class."""
        if names_session(dotted_text(owner)):
            return True
        return self.qualify(owner, scope) in knowledge.SESSION_TYPES

    def manager_model(self, node: ast.expr, scope: _Scope) -> str | None:
        """For ``Model.objects`` (or ``Model.objects.filter(...)``), return ``Model``'s name."""
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "_base_manager"):
            return self.qualify(node.value, scope)
        return None

    # -- module and classes ------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        scope = self.module_scope
        for node in tree.body:
            self.predeclare(node, scope, self.module)
        module_fn = self.new_function(self.module, "<module>", tree, None, nested=False)
        _BodyWalker(self, module_fn, scope).walk_body(tree.body)

    def predeclare(self, node: ast.stmt, scope: _Scope, prefix: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope.bindings[node.name] = f"{prefix}.{node.name}"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if self.bind_table(node.targets[0].id, node.value, scope, prefix):
                return
            if self.uses_fastapi and isinstance(node.value, ast.Subscript):
                dependency = self.dependency_of(node.value, scope)
                if dependency:
                    self.dependency_aliases[node.targets[0].id] = dependency
            if scope is self.module_scope and _is_empty_container(node.value):
                self.empty_containers.add(node.targets[0].id)
            if scope is self.module_scope and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                self.string_constants[node.targets[0].id] = node.value.value
            if isinstance(node.value, (ast.Name, ast.Attribute)):
                alias = self.qualify(node.value, scope)  # atomic = transaction.atomic
            else:
                alias = self.infer_instance(node.value, scope)
            if alias:
                scope.bindings[node.targets[0].id] = alias
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            if scope is self.module_scope and _is_empty_container(node.value):
                self.empty_containers.add(node.target.id)  # HANDLERS: dict[str, Handler] = {}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.bind_import(node, scope)
        elif isinstance(node, (ast.If, ast.Try)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.predeclare(child, scope, prefix)
                elif isinstance(child, ast.ExceptHandler):
                    for inner in child.body:
                        self.predeclare(inner, scope, prefix)

    def dependency_of(self, node: ast.expr | None, scope: _Scope) -> str | None:
        """Return the dependency that a parameter's default or annotation names:
        ``Depends(get_session)``, ``Annotated[Session, Depends(get_session)]`` or a module-level
        alias of such an ``Annotated``."""
        if isinstance(node, ast.Call) and self.qualify(node.func, scope) in knowledge.FASTAPI_DEPENDS:
            dependency = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dependency"), None)
            return self.qualify(dependency, scope) if dependency is not None else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
            if self.qualify(node.value, scope) in knowledge.ANNOTATED:
                return next((found for found in (self.dependency_of(item, scope) for item in node.slice.elts[1:]) if found), None)
        if isinstance(node, ast.Name):
            return self.dependency_aliases.get(node.id)
        return None

    def dependencies(self, arguments: ast.arguments, scope: _Scope) -> list[str]:
        """Return the dependencies of a function's parameters, in order."""
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        pairs = [*zip(positional, defaults), *zip(arguments.kwonlyargs, arguments.kw_defaults)]
        found = []
        for argument, default in pairs:
            dependency = self.dependency_of(default, scope) or self.dependency_of(argument.annotation, scope)
            if dependency:
                found.append(dependency)
        return found

    def bind_table(self, name: str, value: ast.expr, scope: _Scope, prefix: str) -> bool:
        """Record ``name = {key: handler, ...}`` (or a list or tuple of handlers) in the
        module or a function as a dispatch table, and bind ``name`` to it."""
        values = self.table_values(value, scope)
        if values is None:
            return False
        key = f"{prefix}.{name}"
        self.tables[key] = values
        scope.bindings[name] = key
        return True

    def table_values(self, value: ast.expr, scope: _Scope, class_name: str = "", methods: Sequence[str] = ()) -> list[str] | None:
        """Return the qualified functions or classes that a literal table holds, or None
        when ``value`` is no such table: each value must name one (or be its ``partial()``).
        In a class body, ``methods`` are the names of the methods defined above the table,
        which its values may name."""
        if isinstance(value, ast.Dict):
            elements = list(value.values)
        elif isinstance(value, (ast.List, ast.Tuple)):
            elements = list(value.elts)
        else:
            return None
        found: list[str] = []
        for element in elements:
            if isinstance(element, ast.Call) and element.args and self.qualify(element.func, scope) == "functools.partial":
                element = element.args[0]
            if isinstance(element, ast.Name) and element.id in methods:
                found.append(f"{class_name}.{element.id}")
                continue
            if not isinstance(element, (ast.Name, ast.Attribute)):
                return None
            name = self.qualify(element, scope)
            if not name or "()" in name:
                return None  # a value of unknown kind, or an instance: a table of data, not of handlers
            found.append(name)
        return found or None

    def new_function(
        self,
        qualname: str,
        name: str,
        node: ast.AST,
        class_name: str | None,
        nested: bool,
    ) -> FunctionSummary:
        line: int = getattr(node, "lineno", 1)
        end_line: int | None = getattr(node, "end_lineno", None)
        summary = FunctionSummary(
            qualname=qualname,
            name=name,
            line=line,
            column=getattr(node, "col_offset", 0),
            end_line=end_line if end_line is not None else line,
            class_name=class_name,
            params=[],
            decorators=[],
            decorator_keywords={},
            receives=[],
            listens=[],
            nested=nested,
            is_async=isinstance(node, ast.AsyncFunctionDef),
        )
        self.functions[qualname] = summary
        return summary

    def add_class(self, node: ast.ClassDef, qualname: str, scope: _Scope) -> _Scope:
        bases = [b for b in (self.qualify(base, scope) for base in node.bases) if b]
        decorators = [d for d in (self.qualify(dec, scope) for dec in node.decorator_list) if d]
        decorator_using: dict[str, str] = {}
        for decorator in node.decorator_list:
            # @method_decorator(transaction.atomic, name="dispatch") -> "django.db.transaction.atomic@dispatch";
            # a wrapped call, atomic(using="other"), is named without its "()" and keeps its alias.
            if isinstance(decorator, ast.Call) and decorator.args:
                if self.qualify(decorator.func, scope) in knowledge.METHOD_DECORATOR:
                    wrapped = self.qualify(decorator.args[0], scope)
                    method = next((k.value for k in decorator.keywords if k.arg == "name"), None)
                    if wrapped and isinstance(method, ast.Constant) and isinstance(method.value, str):
                        decorators.append(f"{wrapped.removesuffix('()')}@{method.value}")
                        using = atomic_alias(decorator.args[0]) if isinstance(decorator.args[0], ast.Call) else None
                        if using is not None:
                            decorator_using[method.value] = using
        list_attributes: dict[str, list[str]] = {}
        attribute_classes: dict[str, list[str]] = {}
        relations: list[list[str | None]] = []
        name_attributes: dict[str, str] = {}
        methods: list[str] = []
        class_scope = _Scope(qualname, scope, class_name=qualname)
        method_scope = _Scope(qualname, scope)
        method_scope.bindings["self"] = f"{qualname}()"
        for item in node.body:
            if is_overload(item):
                continue
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                methods.append(item.name)
                self.bind_self_attributes(item.body, qualname, method_scope)
            elif isinstance(item, ast.Assign) and isinstance(item.value, ast.Call):
                classes = self.instance_classes(item.value, scope)
                for target in item.targets:
                    if isinstance(target, ast.Name) and classes:
                        attribute_classes[target.id] = classes
                relation = self.relation_field(item.value, scope)
                if relation is not None and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                    relations.append([item.targets[0].id, *relation])
            elif isinstance(item, ast.Assign) and isinstance(item.value, (ast.Name, ast.Attribute)):
                referenced = self.qualify(item.value, scope)
                for target in item.targets:
                    if isinstance(target, ast.Name) and referenced:
                        name_attributes[target.id] = referenced
            elif isinstance(item, ast.Assign) and isinstance(item.value, (ast.List, ast.Tuple)):
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        names = [self.qualify(e, scope) or (e.value if isinstance(e, ast.Constant) else None) for e in item.value.elts]
                        list_attributes[target.id] = [str(n) for n in names if n]
            if isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
                handlers = self.table_values(item.value, scope, qualname, methods)
                if handlers is not None:
                    self.tables[f"{qualname}.{item.targets[0].id}"] = handlers  # called as self.HANDLERS[kind](...)
        self.classes[qualname] = ClassSummary(
            qualname=qualname,
            name=node.name,
            line=node.lineno,
            bases=bases,
            methods=methods,
            decorators=decorators,
            list_attributes=list_attributes,
            attribute_classes=attribute_classes,
            relations=relations,
            name_attributes=name_attributes,
            decorator_using=decorator_using,
        )
        return class_scope

    def bind_self_attributes(self, body: list[ast.stmt], class_name: str, scope: _Scope) -> None:
        """Type the attributes of ``self`` that a method's statements set to a built object,
        as ``self.conn = psycopg.connect(dsn)`` or ``self.nc = await nats.connect(url)``.

        Every method is read before any body is walked, so a method that uses ``self.nc``
        sees the type even when the method that connects comes later in the class. Names
        imported inside the method are not seen here.
        """
        for statement in body:
            if isinstance(statement, ast.Assign):
                target = statement.targets[0]
                if len(statement.targets) != 1 or not isinstance(target, ast.Attribute):
                    continue
                owner = target.value
                if isinstance(owner, ast.Name) and owner.id == "self":
                    instance = self.infer_instance(statement.value, scope)
                    if instance:
                        key = f"{class_name}().{target.attr}"
                        self.module_scope.bindings.setdefault(key, instance)
                        if _opens_in_autocommit(statement.value):
                            self.autocommit_attributes.add(key)
                elif isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "self":
                    if _sets_autocommit(target.attr, statement.value):
                        self.autocommit_attributes.add(f"{class_name}().{owner.attr}")  # self.conn.autocommit = True
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                callee = statement.value.func
                if isinstance(callee, ast.Attribute) and _switches_autocommit(callee.attr, statement.value):
                    owner = callee.value  # self.conn.set_autocommit(True)
                    if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "self":
                        self.autocommit_attributes.add(f"{class_name}().{owner.attr}")
            elif isinstance(statement, _COMPOUND_STATEMENTS):
                for inner in (statement.body, getattr(statement, "orelse", None), getattr(statement, "finalbody", None)):
                    if inner:
                        self.bind_self_attributes(inner, class_name, scope)
                for handler in getattr(statement, "handlers", ()):
                    self.bind_self_attributes(handler.body, class_name, scope)

    def relation_field(self, value: ast.Call, scope: _Scope) -> tuple[str, str, str | None] | None:
        """Return the kind, target and ``related_name`` of a Django relation field, or None.

        ``models.ManyToManyField(Tag, related_name="articles")`` gives ``("many", "app.models.Tag",
        "articles")``. A one-to-one field is left out: its reverse accessor is a row, not a manager.
        """
        name = self.qualify(value.func, scope) or dotted_text(value.func)
        kind = knowledge.RELATION_FIELDS.get(name.rpartition(".")[2])
        if kind is None:
            return None
        target_node = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "to"), None)
        if isinstance(target_node, ast.Constant) and isinstance(target_node.value, str):
            target: str | None = target_node.value
        elif target_node is not None:
            target = self.qualify(target_node, scope) or dotted_text(target_node)
        else:
            target = None
        if target is None:
            return None
        related = next((k.value for k in value.keywords if k.arg == "related_name"), None)
        related_name = related.value if isinstance(related, ast.Constant) and isinstance(related.value, str) else None
        return kind, target, related_name

    def instance_classes(self, value: ast.Call, scope: _Scope) -> list[str]:
        """Return the classes whose methods the value of a call has.

        ``Manager()`` gives ``Manager``; Django's ``QuerySet.as_manager()`` gives the queryset
        class and ``Manager.from_queryset(QuerySet)()`` both classes, since such a manager
        has the queryset's methods too.
        """
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "as_manager":
            owner = self.qualify(func.value, scope)
            return [owner] if owner else []
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "from_queryset":
            names = [self.qualify(func.func.value, scope), *(self.qualify(a, scope) for a in func.args[:1])]
            return [name for name in names if name]
        if isinstance(func, (ast.Name, ast.Attribute)):
            owner = self.qualify(func, scope)
            return [owner] if owner and owner.rpartition(".")[2][:1].isupper() else []
        return []


#: Methods of a session that write through it or end its transaction.
_SESSION_CALLS = knowledge.SESSION_METHODS | knowledge.SESSION_ENDS

#: Node types whose visit records nothing: names, constants, and the operator and
#: expression-context nodes, which have no children. The walker skips them without a call,
#: because they were about half the nodes it met on Django's source.
_INERT_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Name,
        ast.Constant,
        *ast.expr_context.__subclasses__(),
        *ast.operator.__subclasses__(),
        *ast.unaryop.__subclasses__(),
        *ast.cmpop.__subclasses__(),
        *ast.boolop.__subclasses__(),
    }
)


class _BodyWalker(ast.NodeVisitor):
    """Walk one function body in source order, recording calls and open transactions."""

    #: The visitor method of each node type, looked up once rather than by name on every
    #: node as ``ast.NodeVisitor.visit`` does.
    _visitors: ClassVar[dict[type[ast.AST], Callable[[_BodyWalker, Any], None]]] = {}

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        visitor = self._visitors.get(kind)
        if visitor is None:
            found: Callable[[_BodyWalker, Any], None] = getattr(_BodyWalker, f"visit_{kind.__name__}", _BodyWalker.generic_visit)
            visitor = self._visitors[kind] = found
        visitor(self, node)

    def __init__(self, summarizer: _Summarizer, function: FunctionSummary, scope: _Scope) -> None:
        self.s = summarizer
        self.function = function
        self.scope = scope
        self.open_blocks: list[int] = []
        self.open_transactions = 0  # blocks of a known kind among open_blocks
        self.session_writes: dict[str, int] = {}  # session text -> line of the first uncommitted write
        self.unused_calls: set[int] = set()
        self.awaited_calls: set[int] = set()
        self.loop_depth = 0
        self.loops: list[int] = []  # lines of the enclosing repeating loops, innermost last
        self.loop_repeats: list[bool] = []  # each enclosing loop, innermost last: does it repeat
        self.loaded: dict[str, str] = {}  # local name -> session it was loaded through
        self.branches: list[str] = []  # "line:arm" of each enclosing if statement
        self.fresh_rows: set[str] = set()  # local names bound to a row the function created
        #: Local names bound to what a call returned -> that call's node.
        self.returned_rows: dict[str, ast.Call] = {}
        self.other_returns = False  # a return of something other than a created row was seen
        self.cursors: dict[str, str] = {}  # local cursor name -> source text of its connection
        self.autocommit: set[str] = set()  # source texts of connections in autocommit mode
        #: The thread or process most recently built, as (id of its call node, its call).
        self.built_thread: tuple[int, CallSite] | None = None
        #: Threads and processes bound to a name and not started yet: source text -> call.
        self.unstarted: dict[str, CallSite] = {}
        #: Parameters stored in a container, with the container's key, and parameters returned.
        self.stored_params: list[tuple[str, str]] = []
        self.returned_params: set[str] = set()
        self.returns_other = False  # a return whose value is not a parameter as it is
        #: Local names bound to an expression that may open a transaction in a later ``with``:
        #: ``scope = transaction.atomic() if dry_run else nullcontext()``.
        self.context_values: dict[str, ast.expr] = {}
        #: Local names bound to an attribute name built at run time -> its pattern, as ``handle_*``.
        self.name_patterns: dict[str, str] = {}
        #: Local names bound to a model instance: True for one built here and not saved yet,
        #: whose ``save()`` inserts, False for a row stored in the database.
        self.row_inserts: dict[str, bool] = {}
        #: Local names that hold ``post_save``'s ``created`` flag (True) or its negation (False).
        self.created_names: dict[str, bool] = {"created": True} if "created" in function.params else {}
        self.reads_created = bool(self.created_names) or function.keywords_param is not None
        self.when_created: bool | None = None  # the flag value the code walked now runs under

    def walk_body(self, body: list[ast.stmt]) -> None:
        # A block inside a loop that ends in ``break`` or ``return`` runs at most once per
        # loop, so its calls do not repeat with that loop.
        ends = body[-1] if body else None
        if self.loop_repeats and isinstance(ends, (ast.Break, ast.Return)):
            saved = (self.loops, self.loop_depth, self.loop_repeats)
            if isinstance(ends, ast.Return):
                self.loops, self.loop_depth, self.loop_repeats = [], 0, []
            elif self.loop_repeats[-1]:
                self.loops, self.loop_depth = self.loops[:-1], self.loop_depth - 1
                self.loop_repeats = self.loop_repeats[:-1]
            for statement in body:
                self.visit(statement)
            self.loops, self.loop_depth, self.loop_repeats = saved
            return
        if self.reads_created:
            self.walk_created_guards(body)
            return
        for statement in body:
            self.visit(statement)

    def walk_created_guards(self, body: list[ast.stmt]) -> None:
        """Walk a body of a function that may read ``post_save``'s ``created`` flag. After
        ``if not created: return``, the rest of the body runs only for inserts."""
        saved = self.when_created
        for statement in body:
            self.visit(statement)
            if type(statement) is ast.If and not statement.orelse and always_exits(statement.body):
                value = flag_value(statement.test, self.created_names, self.function.keywords_param)
                if value is not None:
                    self.when_created = not value
        self.when_created = saved

    def visit_Try(self, node: ast.Try) -> None:
        # The handlers and the else block exclude each other; the try body may run in part
        # before any handler, so it takes no arm.
        self.walk_body(node.body)
        for number, handler in enumerate(node.handlers):
            if handler.type is not None:
                self.visit(handler.type)
            self.branches.append(f"{node.lineno}:h{number}")
            self.walk_body(handler.body)
            self.branches.pop()
        if node.orelse:
            self.branches.append(f"{node.lineno}:else")
            self.walk_body(node.orelse)
            self.branches.pop()
        self.walk_body(node.finalbody)

    visit_TryStar = visit_Try

    # -- definitions: recorded as their own functions, not run here ----------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if is_overload(node):
            return  # a signature only: the definition without ``@overload`` is the function
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)

        in_class = self.scope.class_name is not None and self.scope.qualname == self.scope.class_name
        if self.function.name == "<module>" or in_class:
            qualname = f"{self.scope.qualname}.{node.name}"
            nested = False
        else:
            qualname = f"{self.function.qualname}.<locals>.{node.name}"
            nested = True
            self.scope.bindings[node.name] = qualname
        class_name = self.scope.class_name if in_class else None
        summary = self.s.new_function(qualname, node.name, node, class_name, nested)
        self.describe_decorators(summary, node.decorator_list)

        inner = _Scope(qualname, self.scope if not in_class else self.scope.parent, class_name=None)
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        summary.params = [a.arg for a in arguments]
        summary.keywords_param = node.args.kwarg.arg if node.args.kwarg is not None else None
        if self.s.uses_fastapi:
            summary.depends = self.s.dependencies(node.args, self.scope)
        for index, argument in enumerate(arguments):
            if index == 0 and class_name and argument.arg in ("self", "cls"):
                is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
                if not is_static:
                    suffix = "()" if argument.arg == "self" else ""
                    inner.bindings[argument.arg] = f"{class_name}{suffix}"
                    continue
            if argument.annotation is not None:
                annotated = self.s.qualify(argument.annotation, self.scope)
                if annotated:
                    inner.bindings[argument.arg] = f"{annotated}()"
                    continue
            inner.bindings[argument.arg] = ""  # a parameter shadows outer names
        walker = _BodyWalker(self.s, summary, inner)
        walker.walk_body(node.body)
        summary.open_session = walker.pending_session()
        for param, key in walker.stored_params:
            if param in walker.returned_params and key not in summary.registers:
                summary.registers.append(key)
            stored = f"{param}={key}"
            if stored not in summary.stores:
                summary.stores.append(stored)
        summary.returns_param = bool(walker.returned_params) and not walker.returns_other

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in node.args.defaults:
            self.visit(default)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for item in [*node.bases, *node.keywords, *node.decorator_list]:
            self.visit(item)
        if self.function.name == "<module>":
            qualname = f"{self.scope.qualname}.{node.name}"
        else:
            qualname = f"{self.function.qualname}.<locals>.{node.name}"
            self.scope.bindings[node.name] = qualname
        class_scope = self.s.add_class(node, qualname, self.scope)
        # Methods see the enclosing scope, not names bound in the class body.
        class_walker = _BodyWalker(self.s, self.function, class_scope)
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                class_walker.visit(item)

    def describe_decorators(self, summary: FunctionSummary, decorators: list[ast.expr]) -> None:
        for decorator in decorators:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = self.s.qualify(call.func if call else decorator, self.scope) or dotted_text(
                call.func if call else decorator
            )
            summary.decorators.append(f"{name}()" if call else name)
            if name in knowledge.NON_ATOMIC_REQUESTS:
                self.record_non_atomic_alias(summary, call)
            blinker_signal, dot, method = name.rpartition(".")
            if dot and (method == "connect_via" if call else method == "connect"):
                # blinker: @signal.connect_via(sender) and @signal.connect register the function.
                summary.receives.append([blinker_signal, None])
            if call is None:
                continue
            for keyword in call.keywords:
                if keyword.arg:
                    value = self.s.qualify(keyword.value, self.scope)
                    if value is None and isinstance(keyword.value, ast.Constant):
                        value = repr(keyword.value.value)
                    if value:
                        summary.decorator_keywords[keyword.arg] = value
            if name in knowledge.RECEIVER_DECORATORS and call.args:
                sender = next((k.value for k in call.keywords if k.arg == "sender"), None)
                sender_name = self.s.qualify(sender, self.scope) if sender is not None else None
                first = call.args[0]
                signals = first.elts if isinstance(first, (ast.List, ast.Tuple)) else [first]
                for signal in signals:
                    signal_name = self.s.qualify(signal, self.scope) or dotted_text(signal)
                    summary.receives.append([signal_name, sender_name])
            if name.endswith("listens_for") and len(call.args) >= 2:
                event = call.args[1]
                if isinstance(event, ast.Constant) and isinstance(event.value, str):
                    summary.listens.append(event.value)
            if name in knowledge.METHOD_DECORATOR and call.args:
                inner = self.s.qualify(call.args[0], self.scope)
                if inner:
                    summary.decorators.append(inner)
                wrapped = call.args[0]
                if isinstance(wrapped, ast.Call) and (self.s.qualify(wrapped.func, self.scope) or "") in knowledge.ATOMIC_OPENERS:
                    self.record_atomic_alias(summary, wrapped)
            elif name in knowledge.ATOMIC_OPENERS:
                self.record_atomic_alias(summary, call)

    @staticmethod
    def record_non_atomic_alias(summary: FunctionSummary, call: ast.Call | None) -> None:
        """Add the database that ``@non_atomic_requests`` exempts the view from to
        ``decorator_keywords[NON_ATOMIC_KEY]``, a comma-separated list: "default" when the
        decorator names none, the literal alias, or "=expression" for an alias held in an
        expression."""
        alias = "default"
        if call is not None and (call.args or call.keywords):
            alias = atomic_alias(call) or "=?"
        known = summary.decorator_keywords.get(NON_ATOMIC_KEY)
        summary.decorator_keywords[NON_ATOMIC_KEY] = f"{known},{alias}" if known else alias

    @staticmethod
    def record_atomic_alias(summary: FunctionSummary, call: ast.Call) -> None:
        """Keep the database alias of an ``atomic()`` decorator call as ``decorator_keywords["using"]``:
        a literal alias quoted (``"'other'"``), an expression as ``"=expression"``."""
        using = atomic_alias(call)
        if using is None:
            summary.decorator_keywords.pop("using", None)
        else:
            summary.decorator_keywords["using"] = using if using.startswith("=") else repr(using)

    # -- statements that change what is open -----------------------------------------------

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        opened: list[ast.expr] = []  # context expressions that opened a block, in order
        for item in node.items:
            self.visit(item.context_expr)
            block = self.transaction_of(item.context_expr, node)
            if block is not None:
                block.parent = self.open_blocks[-1] if self.open_blocks else -1
                self.function.transactions.append(block)
                self.open_blocks.append(len(self.function.transactions) - 1)
                self.open_transactions += block.kind != "with"
                opened.append(item.context_expr)
            if isinstance(item.optional_vars, ast.Name):
                instance = self.s.infer_instance(item.context_expr, self.scope)
                if instance:
                    self.scope.bindings[item.optional_vars.id] = instance
                self.note_cursor(item.optional_vars, item.context_expr)
        self.walk_body(node.body)
        for item in node.items:
            if isinstance(item.optional_vars, ast.Name) and self.closes_on_exit(item.context_expr):
                # Leaving the block closes the connection or session, which rolls back what it did not commit.
                self.session_writes.pop(item.optional_vars.id, None)
        for context_expr in reversed(opened):
            block = self.function.transactions[self.open_blocks.pop()]
            self.open_transactions -= block.kind != "with"
            session = self.session_of(context_expr)
            if block.kind == "session":
                # Leaving ``with session.begin():`` commits, so none of that session's writes is pending.
                self.session_writes.pop(session, None)
            elif block.kind == "savepoint" and not self.open_transactions:
                # After begin_nested() the session's outer transaction is still open. Inside an
                # enclosing transaction block, that block already covers the calls that follow.
                self.session_writes.setdefault(session, node.lineno)

    visit_AsyncWith = visit_With

    def closes_on_exit(self, expr: ast.expr) -> bool:
        """Return True for ``engine.connect()`` or a session built by its class: the block
        they open ends their transaction, whether or not it was committed."""
        if not isinstance(expr, ast.Call):
            return False
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "connect":
            return True
        return self.s.infer_instance(expr, self.scope) in knowledge.SESSION_TYPES

    def note_context_value(self, name: str, value: ast.expr | None) -> None:
        """Remember a call, or a choice between calls, bound to a name that a later ``with``
        may enter; forget the name when it is bound to anything else."""
        if value is not None and type(value) in _CONTEXT_VALUES:
            self.context_values[name] = value
        elif name in self.context_values:
            del self.context_values[name]

    def transaction_of(self, expr: ast.expr, node: ast.With | ast.AsyncWith) -> TransactionBlock | None:
        bound = self.context_values.get(expr.id) if isinstance(expr, ast.Name) else None
        if bound is not None:
            # scope = transaction.atomic(), then with scope: the block of the call bound. Other
            # calls keep the type of what they return (with conn: on a psycopg2 connection).
            block = self.transaction_of(bound, node)
            if block is not None and (block.kind != "with" or isinstance(bound, ast.IfExp)):
                return block
        if isinstance(expr, ast.IfExp):
            # atomic() if dry_run else nullcontext(): a transaction on one path is enough to
            # report an effect inside the block, which runs on that path too.
            arms = [self.transaction_of(arm, node) for arm in (expr.body, expr.orelse)]
            return next((arm for arm in arms if arm is not None and arm.kind != "with"), arms[0] or arms[1])
        call = expr if isinstance(expr, ast.Call) else None
        callee = call.func if call else expr
        name = self.s.qualify(callee, self.scope)
        end = node.end_lineno or node.lineno
        if name in knowledge.ATOMIC_OPENERS:
            using = atomic_alias(call) if call is not None else None
            return TransactionBlock(node.lineno, end, "atomic", using)
        if isinstance(callee, ast.Attribute) and call is not None:
            if callee.attr == "begin":
                return TransactionBlock(node.lineno, end, "session")
            if callee.attr == "begin_nested":
                return TransactionBlock(node.lineno, end, "savepoint")
        if name and call is not None:
            return TransactionBlock(node.lineno, end, "with", name=name)
        if name and (knowledge.is_library_transaction(name) or name.endswith("()")):
            # An object that is itself the context manager: ``with conn:`` on a psycopg2
            # connection, ``with transaction.manager:``, or ``with self.uow:`` on an
            # instance of a project class whose ``__exit__`` commits.
            return TransactionBlock(node.lineno, end, "with", name=name)
        if call is None and isinstance(expr, ast.Attribute) and expr.attr == "tm" and dotted_text(expr.value) in ("request", "self.request"):
            return TransactionBlock(node.lineno, end, "with", name="request.tm")  # pyramid_tm's manager
        if call is not None and isinstance(callee, ast.Attribute) and callee.attr in knowledge.LIBRARY_TRANSACTION_METHODS:
            # ``async with conn.transaction():`` on a connection of unknown type
            return TransactionBlock(node.lineno, end, "with", name=dotted_text(callee))
        return None

    def session_of(self, expr: ast.expr) -> str:
        node = expr.func if isinstance(expr, ast.Call) else expr
        if isinstance(node, ast.Attribute):
            return dotted_text(node.value)
        return dotted_text(node)

    def visit_For(self, node: ast.For | ast.AsyncFor | ast.While) -> None:
        # A ``for`` body runs once an item. A ``while`` or ``for ... in range(n)`` body is as
        # often a retry loop that ends after one success, so it does not count as repeating.
        repeats = not isinstance(node, ast.While) and not _is_range(node.iter)
        if isinstance(node, ast.While):
            self.visit(node.test)
        else:
            self.visit(node.iter)
            self.visit(node.target)
            # Each item of rows loaded through a session is a loaded row: ``for photo in photos``.
            self.track_loaded(node.target, self.loaded_through(node.iter), node.lineno)
            if type(node.target) is ast.Name:
                # Each item of a queryset is a stored row: ``for order in Order.objects.filter(...)``.
                if self.queries_rows(node.iter):
                    self.row_inserts[node.target.id] = False
                else:
                    self.row_inserts.pop(node.target.id, None)
            if isinstance(node.target, ast.Name) and isinstance(node.iter, (ast.Tuple, ast.List, ast.Set)):
                # for handle in (ops.billing.charge, ops.billing.refund): the first element that names something
                named = (self.alias_of(element) for element in node.iter.elts)
                self.scope.bindings[node.target.id] = next((name for name in named if name), "")
            else:
                self.bind_table_loop(node.target, node.iter)
        generator = self.loop_over_call(node)
        if generator is not None:
            self.push_block(generator)
        self.loop_depth += repeats
        if repeats:
            self.loops.append(node.lineno)
        self.loop_repeats.append(repeats)
        self.walk_body(node.body)
        self.loop_repeats.pop()
        if repeats:
            self.loops.pop()
        self.loop_depth -= repeats
        if generator is not None:
            self.open_blocks.pop()
        self.walk_body(node.orelse)

    visit_AsyncFor = visit_For
    visit_While = visit_For

    def push_block(self, block: TransactionBlock) -> None:
        """Record ``block`` inside the innermost open one and open it."""
        block.parent = self.open_blocks[-1] if self.open_blocks else -1
        self.function.transactions.append(block)
        self.open_blocks.append(len(self.function.transactions) - 1)

    def bind_table_loop(self, target: ast.expr, iterable: ast.expr) -> None:
        """Bind the loop variable of ``for handler in HANDLERS``, ``HANDLERS.values()``,
        ``for key, handler in HANDLERS.items()``, or of a table of handler lists
        (``HANDLERS[kind]``, ``HANDLERS.get(kind, ())``), to an item of the table."""
        method = ""
        if isinstance(iterable, ast.Subscript):
            iterable = iterable.value  # for handler in HANDLERS[kind]: the handlers of one key
        elif isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and iterable.func.attr == "get":
            iterable = iterable.func.value  # for handler in HANDLERS.get(kind, ()):
        elif isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args:
            method = iterable.func.attr
            iterable = iterable.func.value
        if method not in ("", "values", "items") or not isinstance(iterable, (ast.Name, ast.Attribute)):
            return
        item = self.table_of(iterable)
        if item is None:
            return
        if method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
            target = target.elts[1]
        if isinstance(target, ast.Name):
            self.scope.bindings[target.id] = item

    def loop_over_call(self, node: ast.For | ast.AsyncFor | ast.While | ast.comprehension, owner: ast.expr | None = None) -> TransactionBlock | None:
        """Return the block of a ``for`` loop, or of a comprehension's ``for`` (in ``owner``),
        over a call of a named function, also inside ``enumerate()``. The body runs each
        time the callee, when it is a generator, yields, so a generator that yields inside
        ``atomic()`` runs the body in that transaction."""
        if isinstance(node, ast.While):
            return None
        span = owner if owner is not None else node
        iterable = node.iter
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "enumerate" and iterable.args:
            iterable = iterable.args[0]
        if not isinstance(iterable, ast.Call):
            return None
        name = self.s.qualify(iterable.func, self.scope)
        if not name or name.endswith("[]"):
            return None
        line: int = getattr(span, "lineno", 1)
        end_line: int | None = getattr(span, "end_lineno", None)
        return TransactionBlock(line, end_line or line, "with", name=name, loop=True)

    def visit_comprehension_owner(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        for generator in node.generators:
            self.visit(generator.iter)
        blocks = len(self.open_blocks)
        for generator in node.generators:
            block = self.loop_over_call(generator, node)
            if block is not None:
                self.push_block(block)
        self.loop_depth += 1
        self.loops.append(node.lineno)
        for generator in node.generators:
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.loops.pop()
        self.loop_depth -= 1
        del self.open_blocks[blocks:]

    visit_ListComp = visit_comprehension_owner
    visit_SetComp = visit_comprehension_owner
    visit_GeneratorExp = visit_comprehension_owner
    visit_DictComp = visit_comprehension_owner

    # -- fast paths: most nodes hold no call, and NodeVisitor's dispatch is the cost ----------

    def visit_Constant(self, node: ast.Constant) -> None:
        return None

    def visit_Name(self, node: ast.Name) -> None:
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        value = node.value
        while isinstance(value, ast.Attribute):
            value = value.value
        if not isinstance(value, ast.Name):
            self.visit(value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in _INERT_NODES:
                        self.visit(item)
            elif isinstance(value, ast.AST) and type(value) not in _INERT_NODES:
                self.visit(value)

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Await):
            self.awaited_calls.add(id(value.value))
            value = value.value
        self.unused_calls.add(id(value))
        self.visit(node.value)

    def visit_Await(self, node: ast.Await) -> None:
        self.awaited_calls.add(id(node.value))
        self.visit(node.value)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        # A function-local import (often used to break an import cycle) names callees too.
        self.s.bind_import(node, self.scope)

    visit_ImportFrom = visit_Import

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        guards: tuple[bool | None, bool | None] = (None, None)
        if self.reads_created:
            keywords = self.function.keywords_param
            alone = flag_value(node.test, self.created_names, keywords)
            guards = (implied_value(node.test, self.created_names, keywords), None if alone is None else not alone)
        saved = self.when_created
        for arm, body in enumerate((node.body, node.orelse)):
            if not body:
                continue
            self.branches.append(f"{node.lineno}:{arm}")
            if guards[arm] is not None:
                self.when_created = guards[arm]
            self.walk_body(body)
            self.when_created = saved
            self.branches.pop()

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is None:
            return
        self.visit(node.value)
        if isinstance(node.value, ast.Name) and node.value.id in self.function.params:
            self.returned_params.add(node.value.id)
        else:
            self.returns_other = True
        created = isinstance(node.value, ast.Name) and node.value.id in self.fresh_rows
        if not created and not self.other_returns:
            created = self.manager_creates(node.value.value if isinstance(node.value, ast.Await) else node.value, ("create", "acreate"))
        self.other_returns = self.other_returns or not created
        self.function.returns_created = not self.other_returns
        instance = self.s.infer_instance(node.value, self.scope)
        if instance is None and isinstance(node.value, (ast.Name, ast.Attribute)):
            bound = self.s.qualify(node.value, self.scope)
            instance = bound if bound and bound.endswith("()") else None
        if instance and instance not in self.function.returns:
            self.function.returns.append(instance)

    def visit_Yield(self, node: ast.Yield) -> None:
        self.function.yields.append(self.open_blocks[-1] if self.open_blocks else -1)
        self.generic_visit(node)

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        """Record ``yield from gen()`` as ``for item in gen(): yield item``: it yields
        wherever ``gen()`` yields, inside a loop block named for ``gen``."""
        self.visit(node.value)
        name = self.s.qualify(node.value.func, self.scope) if isinstance(node.value, ast.Call) else None
        if not name or name.endswith("[]"):
            self.function.yields.append(self.open_blocks[-1] if self.open_blocks else -1)
            return
        self.push_block(TransactionBlock(node.lineno, node.end_lineno or node.lineno, "with", name=name, loop=True))
        self.function.yields.append(self.open_blocks.pop())

    def visit_Raise(self, node: ast.Raise) -> None:
        self.function.raises.append(node.lineno)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        if node.value is not None and type(node.value) not in _INERT_NODES:
            self.visit(node.value)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        loaded_from = self.session_read(node.value) if node.value is not None else None
        self.note_fresh_rows(targets, node.value)
        self.note_row_state(targets, node.value)
        if self.name_patterns or builds_text(node.value):
            self.note_name_pattern(targets, node.value)
        alias = self.alias_of(node.value)
        self.note_unstarted(targets, node.value)
        for target in targets:
            if type(target) not in _INERT_NODES:
                self.visit(target)
            self.track_loaded(target, loaded_from, node.lineno)
            if type(target) is ast.Name and (self.context_values or type(node.value) in _CONTEXT_VALUES):
                self.note_context_value(target.id, node.value)
            if isinstance(target, ast.Subscript):
                self.note_stored_param(target.value, node.value)
            if node.value is not None:
                self.note_cursor(target, node.value)
            if isinstance(target, ast.Name) and isinstance(node.value, (ast.Dict, ast.List, ast.Tuple)) and len(targets) == 1:
                prefix = self.s.module if self.function.name == "<module>" else f"{self.function.qualname}.<locals>"
                if self.s.bind_table(target.id, node.value, self.scope, prefix):
                    continue
            instance = self.s.infer_instance(node.value, self.scope) if node.value is not None else None
            if isinstance(node, ast.AnnAssign) and instance is None and alias is None:
                annotated = self.s.qualify(node.annotation, self.scope)
                instance = f"{annotated}()" if annotated else None
            if isinstance(target, ast.Name):
                # An item of a table of this module is one of its handlers. An item of a name
                # that may be a table counts only when nothing else gives the name a type.
                item = None if alias else self.table_item(node.value)
                known = item if item is not None and item[:-2] in self.s.tables else None
                if self.s.reads_settings and isinstance(node.value, _PATH_EXPRESSIONS):
                    folder = configured_root(node.value, self.qualify_here)
                    instance = path_type(folder) if folder is not None else instance
                self.scope.bindings[target.id] = alias or known or instance or item or ""
            elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
                self.bind_unpacked(target, node.value)  # charge, refund = ops.billing.charge, ops.billing.refund
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Call):
                func = node.value.func
                if isinstance(func, ast.Attribute) and func.attr in ("get_or_create", "update_or_create"):
                    model = self.s.manager_model(func.value, self.scope)
                    first = target.elts[0] if target.elts else None
                    if model and isinstance(first, ast.Name):
                        self.scope.bindings[first.id] = f"{model}()"
            if type(target) is ast.Attribute:
                self.note_attribute_store(target)
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                if self.function.name == "__init__" and (alias or instance):
                    self.s.module_scope.bindings.setdefault(f"{self.function.class_name}().{target.attr}", alias or instance or "")
                if isinstance(node.value, ast.Name) and node.value.id in self.function.params[1:]:
                    self.function.parameter_attributes[target.attr] = node.value.id

    visit_AnnAssign = visit_Assign

    def note_unstarted(self, targets: Sequence[ast.expr], value: ast.expr | None) -> None:
        """Remember a thread or process bound to a name where it is built, whose
        ``start()`` decides where the target runs, and forget names bound to anything else."""
        built = self.built_thread
        if built is None and not self.unstarted:
            return
        is_thread = built is not None and value is not None and built[0] == id(value)
        for target in targets:
            if is_thread and built is not None:
                self.unstarted[dotted_text(target)] = built[1]
            else:
                self.unstarted.pop(dotted_text(target), None)

    def move_to_start(self, start: CallSite, thread: str) -> None:
        """Move the call of a thread's target to the thread's ``start()``, where the target
        begins to run: a thread built inside ``atomic()`` and started after it runs after
        the commit."""
        built = self.unstarted.pop(thread)
        if built not in self.function.calls:
            return
        self.function.calls.remove(built)
        moved = replace(
            built,
            line=start.line,
            column=start.column,
            end_line=start.end_line,
            transaction=start.transaction,
            session_write=start.session_write,
            result_used=False,
            in_loop=start.in_loop,
            branch=start.branch,
            loops=start.loops,
        )
        self.function.calls.insert(len(self.function.calls) - 1, moved)

    def alias_of(self, value: ast.expr | None) -> str | None:
        """Return the qualified name that a value stands for when it names a function or an
        object instead of building one: ``transaction.atomic``, ``partial(send_mail, ...)``
        (``send_mail``), either arm of ``a if test else b``, or a walrus's value."""
        if isinstance(value, (ast.Name, ast.Attribute)):
            return self.s.qualify(value, self.scope) or None
        if isinstance(value, ast.IfExp):
            return self.alias_of(value.body) or self.alias_of(value.orelse)
        if isinstance(value, ast.NamedExpr):
            return self.alias_of(value.value)
        return self.partial_of(value) or self.getattr_target(value)

    def getattr_target(self, value: ast.expr | None) -> str | None:
        """Return ``owner.pattern`` for ``getattr(owner, name)`` when the name is a literal or
        is built from one: ``pkg.mod.Processor().handle_*`` for
        ``getattr(self, f"handle_{kind}")``, and ``pkg.mod.*`` for
        ``getattr(sys.modules[__name__], name)``."""
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "getattr"):
            return None
        if not 2 <= len(value.args) <= 3 or self.scope.lookup("getattr") is not None:
            return None  # not the built-in, or not a call of it that names an attribute
        pattern = name_pattern(value.args[1], self.name_patterns)
        if pattern is None:
            return None
        owner_node = value.args[0]
        if isinstance(owner_node, ast.Subscript) and dotted_text(owner_node.value) == "sys.modules":
            owner: str | None = self.s.module if dotted_text(owner_node.slice) == "__name__" else None
        else:
            owner = self.s.qualify(owner_node, self.scope)
        if not owner or owner.endswith("[]"):
            return None
        return f"{owner}.{pattern}"

    def note_name_pattern(self, targets: Sequence[ast.expr], value: ast.expr | None) -> None:
        """Remember the names bound to an attribute name built at run time, and forget
        names bound to anything else."""
        pattern = name_pattern(value, self.name_patterns) if value is not None and builds_text(value) else None
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if pattern is not None:
                self.name_patterns[target.id] = pattern
            else:
                self.name_patterns.pop(target.id, None)

    def table_item(self, value: ast.expr | None) -> str | None:
        """Return ``"X[]"`` for an item taken from a table, ``X[key]`` or ``X.get(key, ...)``,
        when X may be a dispatch table: a table of this module, a name imported from another
        module, or an attribute of ``self`` or ``cls``. Whether X is a table is settled where
        the item is called."""
        if isinstance(value, ast.Subscript):
            return self.table_of(value.value)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
            return self.table_of(value.func.value)
        return None

    def table_of(self, owner: ast.expr) -> str | None:
        """Return ``"X[]"``, an item of ``owner``, when ``owner`` may be a dispatch table.

        A module-level empty container may be one too, once a registering decorator fills it.
        """
        if isinstance(owner, ast.Name) and owner.id in self.s.empty_containers:
            key = f"{self.s.module}.{owner.id}"
            if self.container_key(owner) == key:
                return f"{key}[]"
        name = self.s.qualify(owner, self.scope)
        if not name or name.endswith("[]"):
            return None
        if name in self.s.tables:
            return f"{name}[]"
        if isinstance(owner, ast.Name):
            imported = self.s.module_scope.bindings.get(owner.id) == name and not name.startswith(f"{self.s.module}.")
            return f"{name}[]" if imported and "()" not in name else None
        if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id in ("self", "cls"):
            if name.endswith("()"):
                # An attribute that __init__ sets to a container it builds, such as
                # ``self.handlers = defaultdict(list)``, is named for its class, as the
                # decorators that fill it name it.
                name = f"{self.s.qualify(owner.value, self.scope)}.{owner.attr}"
            return f"{name}[]"
        return None

    def bind_unpacked(self, target: ast.Tuple | ast.List, value: ast.Tuple | ast.List) -> None:
        """Bind each name of ``a, b = x, y`` as ``a = x`` and ``b = y`` would; a starred
        element or a length mismatch binds nothing."""
        if len(target.elts) != len(value.elts) or any(isinstance(e, ast.Starred) for e in [*target.elts, *value.elts]):
            return
        for name, element in zip(target.elts, value.elts):
            if isinstance(name, ast.Name):
                self.scope.bindings[name.id] = self.alias_of(element) or self.s.infer_instance(element, self.scope) or ""
            elif isinstance(name, (ast.Tuple, ast.List)) and isinstance(element, (ast.Tuple, ast.List)):
                self.bind_unpacked(name, element)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.scope.bindings[node.target.id] = self.alias_of(node.value) or self.s.infer_instance(node.value, self.scope) or ""

    def partial_of(self, value: ast.expr | None) -> str | None:
        """Return the qualified function that ``functools.partial(function, ...)`` wraps, else None."""
        if not (isinstance(value, ast.Call) and value.args and isinstance(value.args[0], (ast.Name, ast.Attribute))):
            return None
        if self.s.qualify(value.func, self.scope) != "functools.partial":
            return None
        return self.s.qualify(value.args[0], self.scope)

    def manager_creates(self, value: ast.expr | None, methods: tuple[str, ...]) -> bool:
        """Return True for a call of one of ``methods`` on a model's manager: ``Model.objects.create(...)``."""
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in methods):
            return False
        owner = value.func.value
        return self.s.manager_model(owner, self.scope) is not None or ".objects" in f".{dotted_text(owner)}"

    def note_fresh_rows(self, targets: Sequence[ast.expr], value: ast.expr | None) -> None:
        """Remember names bound to a row that a manager's ``create()``, ``get_or_create()`` or
        ``update_or_create()`` just wrote (their ``a``-prefixed async forms too), and names
        bound to what another call returned; forget names bound to anything else."""
        call = value.value if isinstance(value, ast.Await) else value
        created = self.manager_creates(call, _CREATING_METHODS)
        returned = call if isinstance(call, ast.Call) and not created else None
        for target in targets:
            if isinstance(target, ast.Tuple) and target.elts:
                target = target.elts[0]  # row, created = Model.objects.get_or_create(...)
            if not isinstance(target, ast.Name):
                continue
            if created:
                self.fresh_rows.add(target.id)
            else:
                self.fresh_rows.discard(target.id)
            if returned is not None:
                self.returned_rows[target.id] = returned
            else:
                self.returned_rows.pop(target.id, None)

    def note_row_state(self, targets: Sequence[ast.expr], value: ast.expr | None) -> None:
        """Remember local names bound to a model instance built here (``Order(...)``) or to
        a row in the database (loaded by a query, or created by a manager). Track the names
        that hold ``post_save``'s ``created`` flag, and forget names bound to anything else."""
        inserts = self.row_state(value)
        for target in targets:
            if self.reads_created:
                self.note_created_name(target, value)
            if isinstance(target, ast.Tuple) and target.elts:
                target = target.elts[0]  # row, created = Model.objects.get_or_create(...)
            if type(target) is not ast.Name:
                continue
            if inserts is None:
                self.row_inserts.pop(target.id, None)
            else:
                self.row_inserts[target.id] = inserts

    def note_created_name(self, target: ast.expr, value: ast.expr | None) -> None:
        """Track a name bound to the ``created`` flag (``is_new = kwargs["created"]``), and
        forget one bound to anything else (``profile, created = ...get_or_create(...)``)."""
        if type(target) is ast.Name:
            flag = flag_value(value, self.created_names, self.function.keywords_param) if value is not None else None
            if flag is None:
                self.created_names.pop(target.id, None)
            else:
                self.created_names[target.id] = flag
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.note_created_name(element, None)

    def row_state(self, value: ast.expr | None) -> bool | None:
        """Return True for a model instance built by calling its class, False for a row that
        a query loads or a manager creates, and None for any other value.

        An instance built with its primary key (``Order(pk=5)``) may name a stored row, so
        it counts as neither. A class is recognised by the capital first letter of its name.
        """
        call = value.value if type(value) is ast.Await else value
        if type(call) is not ast.Call:
            return None
        func = call.func
        if type(func) is ast.Attribute:
            method = knowledge.sync_method(func.attr)
            if method in ROW_LOADS or method in _CREATING_METHODS:
                return False if self.queries_rows(func.value) else None
            if not func.attr[:1].isupper():
                return None
        elif type(func) is ast.Name:
            if func.id.endswith("get_object_or_404"):
                return False if self.s.qualify(func, self.scope) in knowledge.ROW_SHORTCUTS else None
            if not func.id[:1].isupper():
                return None
        else:
            return None
        if any(keyword.arg in ("pk", "id") for keyword in call.keywords):
            return None
        return True

    def queries_rows(self, owner: ast.expr) -> bool:
        """Return True for a Django manager or a queryset built from one or from a related
        manager: ``Order.objects``, ``Order.objects.select_for_update()``, ``qs.filter(...)``."""
        if self.s.manager_model(owner, self.scope) is not None or _is_queryset_chain(owner):
            return True
        return ".objects" in f".{dotted_text(owner)}"

    def track_loaded(self, target: ast.expr, loaded_from: str | None, line: int) -> None:
        """Remember rows loaded through a session; changing one is a pending session write."""
        if isinstance(target, ast.Name):
            if loaded_from is not None:
                self.loaded[target.id] = loaded_from
            else:
                self.loaded.pop(target.id, None)
            return
        root = target
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if root is not target and isinstance(root, ast.Name) and root.id in self.loaded:
            self.mark_session_write(self.loaded[root.id], line)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self.visit(node.target)
        if not isinstance(node.target, ast.Name):
            self.track_loaded(node.target, None, node.lineno)
        if isinstance(node.target, ast.Attribute):
            self.note_attribute_store(node.target)

    def note_attribute_store(self, target: ast.Attribute) -> None:
        """Record ``row.attr = value`` on a local name or parameter of a known class as an
        ``assigned`` call site, since a property setter of that class would run there."""
        receiver = target.value
        if type(receiver) is not ast.Name or receiver.id in ("self", "cls"):
            return
        owner = self.scope.lookup(receiver.id)
        if not owner or not owner.endswith("()") or "()" in owner[:-2]:
            return  # no type, or the type of a call's result rather than of a class
        self.function.calls.append(
            CallSite(
                line=target.lineno,
                column=target.col_offset,
                end_line=target.end_lineno or target.lineno,
                target=f"{owner}.{target.attr}",
                text=f"{receiver.id}.{target.attr}",
                keywords=[],
                transaction=self.open_blocks[-1] if self.open_blocks else -1,
                session_write=self.pending_session(),
                result_used=False,
                awaited=False,
                write=None,
                model=None,
                in_loop=self.loop_depth > 0,
                branch="/".join(self.branches) if self.branches else "",
                loops="/".join(map(str, self.loops)) if self.loops else "",
                assigned=True,
                when_created=self.when_created,
            )
        )

    # -- calls -----------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        callee_root = node.func
        while type(callee_root) is ast.Attribute:
            callee_root = callee_root.value  # visit_Attribute inlined, because most callees are attributes
        if type(callee_root) not in _INERT_NODES:
            self.visit(callee_root)
        for argument in node.args:
            if type(argument) not in _INERT_NODES:
                self.visit(argument)
        for keyword in node.keywords:
            if type(keyword.value) not in _INERT_NODES:
                self.visit(keyword.value)

        func = node.func
        callee: ast.expr = func
        runner = ""
        # async_to_sync(layer.group_send)(...) calls group_send.
        if isinstance(func, ast.Call) and func.args:
            wrapper = self.s.qualify(func.func, self.scope)
            if wrapper in knowledge.CALL_WRAPPERS:
                callee = func.args[0]
                runner = wrapper
        qualified = self.s.qualify(func, self.scope)
        if isinstance(func, (ast.Subscript, ast.Call)):
            qualified = self.table_item(func) or self.getattr_target(func) or qualified  # HANDLERS[kind](order)
        run = self.thread_runner(node, qualified or "")
        if run is not None:
            callee, runner = run
        target = qualified if callee is func else self.s.qualify(callee, self.scope)
        text = dotted_text(callee)
        if self.s.reads_settings and ((target or text) in _FILE_CALLS or (type(func) is ast.Attribute and func.attr in _FILE_METHODS)):
            target = configured_write(node, target or text, self.qualify_here) or target
        session = self.session_text(callee)
        write, model = self.classify_write(node, callee, target, session)
        if session is None and write == "session" and isinstance(callee, ast.Attribute):
            session = dotted_text(callee.value)
        if session is not None and write in ("session", "flush"):
            self.mark_session_write(session, node.lineno)
        self.note_autocommit_call(callee, node)
        raw_connection = self.raw_sql_write(node, callee)
        if raw_connection is not None:
            self.mark_session_write(raw_connection, node.lineno)

        self.function.calls.append(
            CallSite(
                line=node.lineno,
                column=node.col_offset,
                end_line=node.end_lineno or node.lineno,
                target=target or None,
                text=text,
                keywords=[k.arg for k in node.keywords if k.arg],
                transaction=self.open_blocks[-1] if self.open_blocks else -1,
                session_write=self.pending_session(),
                result_used=id(node) not in self.unused_calls,
                awaited=id(node) in self.awaited_calls,
                write=write,
                model=model,
                in_loop=self.loop_depth > 0,
                branch="/".join(self.branches) if self.branches else "",
                string_args=self.string_args(node, target) if target in knowledge.URI_OPENERS else _string_literals(node),
                loops="/".join(map(str, self.loops)) if self.loops else "",
                fresh=write == "save" and isinstance(callee, ast.Attribute) and dotted_text(callee.value) in self.fresh_rows,
                runner=runner,
                using=(
                    self.write_alias(node, callee)
                    if write in _ALIASED_WRITES
                    else _alias_of([k.value for k in node.keywords if k.arg == "using"] + self.positional_alias(node, target))
                ),
                row_from=self.row_source(callee) if write == "save" else "",
                handed=self.handed_names(node) if target else [],
                inserts=self.write_inserts(node, callee, write) if write == "save" or write == "create" else None,
                when_created=self.when_created,
            )
        )
        self.record_connection(node, callee, target)
        if runner in knowledge.THREAD_STARTERS:
            self.built_thread = (id(node), self.function.calls[-1])
        elif isinstance(callee, ast.Attribute) and callee.attr == "start" and self.unstarted:
            started = dotted_text(callee.value)
            if started in self.unstarted:
                self.move_to_start(self.function.calls[-1], started)

        if isinstance(callee, ast.Attribute) and callee.attr in knowledge.SESSION_ENDS and session in self.session_writes:
            del self.session_writes[session]
        if type(func) is ast.Attribute and func.attr in _STORING_METHODS and node.args:
            self.note_stored_param(func.value, node.args[-1])

    def write_inserts(self, call: ast.Call, callee: ast.expr, write: str) -> bool | None:
        """Return the ``inserts`` fact of a ``save()`` or manager ``create()``-like write.

        A ``save()`` with ``update_fields`` or ``force_update=True`` updates, and Django
        raises when no row matches. Without them, a ``save()`` inserts a model instance
        built in this function and updates a row that a query loaded. A row of unknown
        origin, such as a parameter or ``self``, may be new, so it counts as either.

        NOTE: so does ``self.save()`` in a model method that the caller runs on a loaded
        row (``order.mark_paid()``), because the method's body cannot see the row's origin.
        """
        if not isinstance(callee, ast.Attribute):
            return None
        if write == "create":
            return True if knowledge.sync_method(callee.attr) in INSERTING_METHODS else None
        keywords = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
        if _is_true(keywords.get("force_insert")):
            return True
        update_fields = keywords.get("update_fields")
        if _is_true(keywords.get("force_update")) or not (update_fields is None or _is_none(update_fields)):
            return False
        owner = callee.value
        if type(owner) is ast.Call:
            return self.row_state(owner)  # Order(customer=customer).save()
        if type(owner) is not ast.Name:
            return None
        if owner.id in self.fresh_rows:
            return False
        inserts = self.row_inserts.get(owner.id)
        if inserts:
            del self.row_inserts[owner.id]  # saved once, it may be stored or not after this line
        return inserts

    def write_alias(self, call: ast.Call, callee: ast.expr) -> str | None:
        """Return the database alias of an ORM write: its ``using=`` (``row.save(using=DB)``),
        or the alias its queryset names (``Entry.objects.using("ledger").create(...)``,
        ``Entry.objects.db_manager(DB)``). A module-level string constant is read as its
        literal."""
        alias = _alias_of([k.value for k in call.keywords if k.arg == "using"])
        node = callee.value if isinstance(callee, ast.Attribute) else None
        while alias is None and isinstance(node, (ast.Call, ast.Attribute)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("using", "db_manager"):
                alias = _alias_of(node.args[:1])
            node = node.func if isinstance(node, ast.Call) else node.value
        if alias is not None and alias.startswith("="):
            return self.s.string_constants.get(alias[1:], alias)
        return alias

    def handed_names(self, node: ast.Call) -> list[str]:
        """Return the arguments of a call that name a function, class or method, which the
        callee may store to call later (``book.subscribe(drop_cache)``)."""
        found = []
        for position, value in enumerate(node.args):
            if type(value) is ast.Name or type(value) is ast.Attribute:
                name = self.s.qualify(value, self.scope)
                if name and not name.endswith(("()", "[]")):
                    found.append(f"{position}={name}")
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg and (type(value) is ast.Name or type(value) is ast.Attribute):
                name = self.s.qualify(value, self.scope)
                if name and not name.endswith(("()", "[]")):
                    found.append(f"{keyword.arg}={name}")
        return found

    def note_stored_param(self, container: ast.expr, value: ast.expr | None) -> None:
        """Remember that a parameter of this function is stored in a container: the step a
        registering decorator takes, as ``HANDLERS[kind] = handler``,
        ``HANDLERS.setdefault(kind, []).append(handler)`` or ``self._handlers.add(handler)``."""
        if not (isinstance(value, ast.Name) and value.id in self.function.params and value.id not in ("self", "cls")):
            return
        key = self.container_key(container)
        if key is not None:
            self.stored_params.append((value.id, key))

    def container_key(self, container: ast.expr) -> str | None:
        """Return the key of a container that outlives the call: a module-level name, as
        ``pkg.mod.HANDLERS``, or an attribute of ``self`` or ``cls``, as
        ``pkg.mod.Registry._handlers``. A local container gives None."""
        while True:
            if isinstance(container, ast.Subscript):
                container = container.value  # HANDLERS[kind].append(handler)
            elif isinstance(container, ast.Call) and isinstance(container.func, ast.Attribute) and container.func.attr in ("setdefault", "get"):
                container = container.func.value  # HANDLERS.setdefault(kind, []).append(handler)
            else:
                break
        if isinstance(container, ast.Attribute) and isinstance(container.value, ast.Name) and container.value.id in ("self", "cls"):
            owner = self.s.qualify(container.value, self.scope)
            return f"{owner.removesuffix('()')}.{container.attr}" if owner else None
        if not isinstance(container, ast.Name):
            return None
        scope: _Scope | None = self.scope
        while scope is not None and scope is not self.s.module_scope:
            if container.id in scope.bindings:
                return None  # a local, or a parameter
            scope = scope.parent
        bound = self.s.module_scope.bindings.get(container.id)
        if bound and "()" not in bound and not bound.endswith("[]"):
            return bound  # a container imported from another module
        return f"{self.s.module}.{container.id}"

    def qualify_here(self, node: ast.expr) -> str | None:
        return self.s.qualify(node, self.scope)

    def row_source(self, callee: ast.expr) -> str:
        """Return where the call that returned a saved row sits, as ``line:column``, or ""."""
        source = self.returned_rows.get(dotted_text(callee.value)) if isinstance(callee, ast.Attribute) else None
        return f"{source.lineno}:{source.col_offset}" if source is not None else ""

    @staticmethod
    def string_args(node: ast.Call, target: str | None) -> list[str]:
        """Return the first three positional string literals of a call. For a function that
        opens a URI (``smart_open.open``), a ``mode=`` literal comes last, where the mode
        given by position would be."""
        found = _string_literals(node)
        if target in knowledge.URI_OPENERS:
            mode = next((k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
                found = [*found[:2], mode.value]
        return found

    @staticmethod
    def positional_alias(node: ast.Call, target: str | None) -> list[ast.expr]:
        """Return the database alias that ``on_commit(func, "ledger")`` passes by position."""
        return node.args[1:2] if target in knowledge.ON_COMMIT_BY_ALIAS else []

    def thread_runner(self, node: ast.Call, runner: str) -> tuple[ast.expr, str] | None:
        """Return the callable that a call runs in a worker thread, and the runner's name.

        ``runner`` is the qualified name of the called function, or an empty string.

        ``asyncio.to_thread(f, ...)``, ``loop.run_in_executor(None, f, ...)`` and
        ``executor.submit(f, ...)`` call ``f`` where they stand. ``partial(f, ...)`` and
        ``lambda: f(...)`` in that place stand for ``f``. ``threading.Thread(target=f)``,
        ``threading.Timer(30, f)`` and ``multiprocessing.Process(target=f)`` are taken to
        call ``f`` where they are built.
        """
        func = node.func
        position = knowledge.THREAD_RUNNERS.get(runner)
        starter = knowledge.THREAD_STARTERS.get(runner)
        if position is None and starter is None and isinstance(func, ast.Attribute):
            position = knowledge.THREAD_RUNNER_METHODS.get(func.attr)
            if func.attr == "map" and self.is_pool(func.value):
                position = 0
            if position is None:
                return None
            runner = dotted_text(func)
        if starter is not None:
            keyword, position = starter
            passed = [k.value for k in node.keywords if k.arg == keyword]
            if passed:
                return self.runnable(passed[0], runner)
        if position is None or len(node.args) <= position:
            return None
        return self.runnable(node.args[position], runner)

    def runnable(self, argument: ast.expr, runner: str) -> tuple[ast.expr, str] | None:
        """Return the function that an argument handed to ``runner`` calls, and the runner."""
        if isinstance(argument, ast.Lambda) and isinstance(argument.body, ast.Call):
            argument = argument.body.func
        elif self.partial_of(argument) is not None:
            assert isinstance(argument, ast.Call)
            argument = argument.args[0]
        if not isinstance(argument, (ast.Name, ast.Attribute)):
            return None
        return argument, runner

    def is_pool(self, owner: ast.expr) -> bool:
        """Return True for an executor or a process or thread pool, by its type or its name."""
        if self.s.qualify(owner, self.scope) in knowledge.POOL_CLASSES:
            return True
        return dotted_text(owner).rpartition(".")[2].lower().endswith(("executor", "pool"))

    def pending_session(self) -> str | None:
        """Return ``session:line`` of the first write whose implicit transaction is still open."""
        for session, line in self.session_writes.items():
            return f"{session}:{line}"
        return None

    def session_text(self, callee: ast.expr) -> str | None:
        if isinstance(callee, ast.Attribute) and callee.attr in _SESSION_CALLS:
            owner = dotted_text(callee.value)
            if knowledge.is_http_session(owner):
                return None
            if names_session(owner) or self.s.qualify(callee.value, self.scope) in knowledge.SESSION_TYPES:
                return owner
            if callee.attr in knowledge.SESSION_ENDS and owner in self.session_writes:
                return owner  # conn.commit() after conn.execute(insert(...)) on a Core connection
        return None

    def loaded_through(self, rows: ast.expr) -> str | None:
        """Return the session that the rows an expression holds were loaded through: a name
        bound to a session read, or the read itself."""
        if isinstance(rows, ast.Name):
            return self.loaded.get(rows.id)
        return self.session_read(rows)

    def session_read(self, value: ast.expr) -> str | None:
        """Return the session an expression loads rows through: ``session.get(...)``,
        ``session.execute(select(...)).scalar_one()`` or Flask-SQLAlchemy's ``Model.query``."""
        node = value.value if isinstance(value, ast.Await) else value
        while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Attribute):
                if node.attr == "query" and isinstance(node.value, ast.Name) and node.value.id[:1].isupper():
                    return "db.session"
                if node.attr in knowledge.SESSION_READS:
                    owner = dotted_text(node.value)
                    if knowledge.is_http_session(owner):
                        return None
                    if names_session(owner):
                        return owner
                node = node.value
            elif isinstance(node, ast.Call):
                node = node.func
            else:
                node = node.value
        return None

    def note_cursor(self, target: ast.expr, value: ast.expr) -> None:
        """Remember that ``target`` is a cursor of a connection (``cur = conn.cursor()``), or a
        connection in autocommit mode: ``psycopg.connect(dsn, autocommit=True)``,
        ``sqlite3.connect(path, isolation_level=None)``, ``conn.autocommit = True``."""
        node = value.value if isinstance(value, ast.Await) else value
        if isinstance(target, ast.Name) and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "cursor":
                self.cursors[target.id] = dotted_text(node.func.value)
        if isinstance(node, ast.Call) and any(_sets_autocommit(keyword.arg, keyword.value) for keyword in node.keywords):
            self.autocommit.add(dotted_text(target))
        if isinstance(target, ast.Attribute) and _sets_autocommit(target.attr, node):
            self.autocommit.add(dotted_text(target.value))

    def raw_sql_write(self, call: ast.Call, callee: ast.expr) -> str | None:
        """Return the connection whose implicit transaction an SQL text write begins:
        ``await db.execute("INSERT ...")`` on an aiosqlite connection, or ``cur.execute("UPDATE
        ...")`` on a cursor of a sqlite3 one. The write stays uncommitted until ``db.commit()``.
        """
        if not isinstance(callee, ast.Attribute) or callee.attr not in knowledge.SQL_TEXT_METHODS or not call.args:
            return None
        sql = call.args[0]
        if not isinstance(sql, ast.Constant) or not isinstance(sql.value, str):
            return None
        if not sql.value.lstrip().upper().startswith(knowledge.SQL_WRITE_WORDS):
            return None
        owner = dotted_text(callee.value)
        connection = self.cursors.get(owner, owner)
        if connection in self.autocommit or self.in_library_transaction():
            return None
        if connection.isidentifier():
            connection_type = self.scope.lookup(connection)
        else:
            attribute = self.self_attribute(connection)
            if attribute is None or attribute in self.s.autocommit_attributes:
                return None
            connection_type = self.s.module_scope.bindings.get(attribute)
        return connection if connection_type in knowledge.IMPLICIT_TRANSACTION_CONNECTIONS else None

    def self_attribute(self, text: str) -> str | None:
        """Return ``Cls().conn`` for the source text ``self.conn`` in a method of ``Cls``, else None."""
        head, _, attribute = text.partition(".")
        if head != "self" or not attribute.isidentifier():
            return None
        owner = self.scope.lookup("self")
        return f"{owner}.{attribute}" if owner and owner.endswith("()") else None

    def in_library_transaction(self) -> bool:
        """Return True inside a block that is a transaction of its own, such as psycopg 3's
        ``with conn.transaction():``, whose end commits what the block wrote."""
        blocks = (self.function.transactions[index] for index in self.open_blocks)
        return any(block.kind != "with" or knowledge.is_library_transaction(block.name or "") for block in blocks)

    def note_autocommit_call(self, callee: ast.expr, call: ast.Call) -> None:
        """Remember a connection switched to autocommit by a method: ``conn.set_autocommit(True)``."""
        if isinstance(callee, ast.Attribute) and _switches_autocommit(callee.attr, call):
            self.autocommit.add(dotted_text(callee.value))

    def mark_session_write(self, session: str, line: int) -> None:
        if not self.open_transactions:
            self.session_writes.setdefault(session, line)

    def classify_write(self, call: ast.Call, callee: ast.expr, target: str | None, session: str | None) -> tuple[str | None, str | None]:
        """Return the ORM write kind of a call and the model written, when it is a write.

        Django's write methods take keyword arguments only (``bulk_create`` and
        ``bulk_update`` excepted), so ``cache.delete(key)`` or ``Table.create(bind)`` with a
        positional argument is not taken for one. ``session`` is what :meth:`session_text`
        returns for ``callee``.
        """
        if not isinstance(callee, ast.Attribute):
            return None, None
        attr = knowledge.sync_method(callee.attr)  # await row.asave() writes like row.save()
        owner = callee.value
        if session is not None and attr in knowledge.SESSION_METHODS:
            return ("flush" if attr == "flush" else "session"), None
        owner_text = dotted_text(owner)
        if attr == "execute" and call.args and _is_dml(call.args[0]):
            owner_name = owner_text.rpartition(".")[2].lower()
            if owner_name in ("conn", "connection", "db") or owner_name.endswith("session") or owner_name in knowledge.SESSION_NAMES:
                return "session", None
        if target and knowledge.is_external_api(target):
            return None, None
        manager_model = self.s.manager_model(owner, self.scope)
        through_manager = manager_model is not None or ".objects" in f".{owner_text}"
        if attr in knowledge.USER_MANAGER_WRITES and through_manager:
            return "create", manager_model
        positional = len(call.args)
        if attr in ("bulk_create", "bulk_update"):
            positional = 0
        if isinstance(owner, ast.Call) and owner_text == "super()" and all(isinstance(a, ast.Starred) for a in call.args):
            positional = 0  # a save() override forwarding its arguments: super().save(*args, **kwargs)
        if positional:
            return None, None

        if owner_text.lower().endswith("session"):
            return None, None  # request.session.save() stores the HTTP session, not a row
        is_super = isinstance(owner, ast.Call) and owner_text == "super()"
        if attr in knowledge.MANAGER_WRITES and (through_manager or isinstance(owner, ast.Attribute)):
            return knowledge.MANAGER_WRITES[attr], manager_model
        if attr in ("update", "delete") and through_manager:
            return attr, manager_model
        if attr in ("update", "delete") and _is_queryset_chain(owner):
            return attr, None  # a related manager's queryset: order.lines.filter(...).delete()
        if attr in ("save", "delete") and is_super:
            return attr, self.function.class_name
        if attr in ("save", "delete") and isinstance(owner, (ast.Name, ast.Attribute)):
            owner_type = self.s.qualify(owner, self.scope)
            model = owner_type[:-2] if owner_type and owner_type.endswith("()") else None
            return attr, model
        if attr == "save" and isinstance(owner, ast.Call) and dotted_text(owner.func).rpartition(".")[2][:1].isupper():
            return attr, self.s.qualify(owner.func, self.scope)  # Order(customer=c).save()
        return None, None

    def record_connection(self, node: ast.Call, callee: ast.expr, target: str | None) -> None:
        if not isinstance(callee, ast.Attribute):
            return
        if callee.attr == "include" and node.args and isinstance(node.args[0], ast.Constant):
            if node.args[0].value in knowledge.REQUEST_TRANSACTION_PACKAGES:
                # config.include("pyramid_tm"): every view runs inside a request transaction.
                self.s.connections.append(Connection("include", str(node.args[0].value), self.function.qualname))
            return
        if callee.attr == "add_view":
            view = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "view"), None)
            view_name: str | None = None
            if isinstance(view, ast.Constant) and isinstance(view.value, str):
                view_name = view.value  # a dotted name: config.add_view("app.views.signup")
            elif view is not None:
                view_name = self.s.qualify(view, self.scope)
            if view_name:
                self.s.connections.append(Connection("view", "add_view", view_name))
            return
        if callee.attr in knowledge.TRANSACTION_CALLBACK_METHODS and node.args:
            # MongoDB's session.with_transaction(callback) runs the callback inside the transaction.
            ran = self.runnable(node.args[0], callee.attr)
            handler = self.s.qualify(ran[0], self.scope) if ran is not None else None
            if handler:
                self.s.connections.append(Connection("transaction", callee.attr, handler))
            return
        if callee.attr == "connect" and node.args:
            signal = self.s.qualify(callee.value, self.scope) or dotted_text(callee.value)
            handler = self.s.qualify(node.args[0], self.scope)
            sender_node = next((k.value for k in node.keywords if k.arg == "sender"), None)
            if sender_node is None and len(node.args) >= 2:
                sender_node = node.args[1]
            sender = self.s.qualify(sender_node, self.scope) if sender_node is not None else None
            if handler:
                self.s.connections.append(Connection("signal", signal, handler, sender))
        if target and target.endswith("event.listen") and len(node.args) >= 3:
            event, handler_node = node.args[1], node.args[2]
            handler = self.s.qualify(handler_node, self.scope)
            if isinstance(event, ast.Constant) and isinstance(event.value, str) and handler:
                self.s.connections.append(Connection("event", event.value, handler))


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_queryset_chain(node: ast.expr) -> bool:
    """Return True for ``a.b.filter(...)`` or ``a.b.all()``: a Django queryset built from a
    related manager. A chain through SQLAlchemy's ``query`` or a session is not one."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in knowledge.QUERYSET_STEPS:
        return False
    names = dotted_text(node).replace("()", "").split(".")
    return not any(name == "query" or name.lower().endswith("session") or name in knowledge.SESSION_NAMES for name in names)


def _sets_autocommit(name: str | None, value: ast.expr) -> bool:
    """Return True for ``autocommit=True`` or sqlite3's ``isolation_level=None``, as a
    keyword argument or an attribute assignment."""
    if not isinstance(value, ast.Constant):
        return False
    return (name == "autocommit" and value.value is True) or (name == "isolation_level" and value.value is None)


def _string_literals(node: ast.Call) -> list[str]:
    """Return the first three positional string literals of a call."""
    return [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)][:3]


def _switches_autocommit(method: str, call: ast.Call) -> bool:
    """Return True for a connection method call that switches autocommit on:
    ``set_autocommit(True)``, ``autocommit(True)`` or psycopg2's ``set_session(autocommit=True)``."""
    if method in knowledge.AUTOCOMMIT_METHODS and call.args:
        return isinstance(call.args[0], ast.Constant) and call.args[0].value is True
    return method == "set_session" and any(_sets_autocommit(keyword.arg, keyword.value) for keyword in call.keywords)


def _opens_in_autocommit(value: ast.expr) -> bool:
    """Return True for a connect call given ``autocommit=True`` or ``isolation_level=None``."""
    node = value.value if isinstance(value, ast.Await) else value
    return isinstance(node, ast.Call) and any(_sets_autocommit(keyword.arg, keyword.value) for keyword in node.keywords)


#: Statements whose bodies ``bind_self_attributes`` reads. Loops are left out: a connection
#: or client is set up once, not per pass.
_COMPOUND_STATEMENTS = (ast.If, ast.Try, ast.With, ast.AsyncWith)


def _is_empty_container(node: ast.expr) -> bool:
    """Return True for ``{}``, ``[]``, ``dict()``, ``list()``, ``set()``, ``OrderedDict()`` or
    ``defaultdict(list)``: a container built empty, to be filled later."""
    if isinstance(node, ast.Dict):
        return not node.keys
    if isinstance(node, ast.List):
        return not node.elts
    if not isinstance(node, ast.Call) or node.keywords:
        return False
    name = dotted_text(node.func).rpartition(".")[2]
    if name == "defaultdict":
        return len(node.args) <= 1
    return name in ("dict", "list", "set", "OrderedDict") and not node.args


def _is_range(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"


def _is_dml(node: ast.expr) -> bool:
    """Return True for ``insert(T)...``, ``update(T)...``, ``delete(T)...`` or ``T.insert()``."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            name = dotted_text(node.func).rpartition(".")[2]
            if name in ("insert", "update", "delete"):
                return True
            node = node.func
        else:
            node = node.value
    return False


def _settings_enable(tree: ast.Module, setting: str) -> bool:
    """Return True when the module sets ``setting`` to True anywhere: in a dict literal, as
    a name or an item (``app.config["X"] = True``), or as a keyword of ``dict(...)`` or of
    ``config.update(...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == setting:
                    if isinstance(value, ast.Constant) and value.value is True:
                        return True
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is True:
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == setting:
                    return True
                if isinstance(target, ast.Subscript):
                    key = target.slice
                    if isinstance(key, ast.Constant) and key.value == setting:
                        return True
        elif isinstance(node, ast.Call) and dotted_text(node.func).rpartition(".")[2] in ("dict", "update"):
            for keyword in node.keywords:
                if keyword.arg == setting and isinstance(keyword.value, ast.Constant):
                    if keyword.value.value is True:
                        return True
    return False


def atomic_request_databases(tree: ast.Module) -> list[str]:
    """Return the database aliases that the module's settings give ``"ATOMIC_REQUESTS": True``.

    The alias is the key of ``DATABASES`` that contains the setting: ``{"analytics": {...,
    "ATOMIC_REQUESTS": True}}``, ``{"analytics": dict(..., ATOMIC_REQUESTS=True)}``,
    ``DATABASES["analytics"]["ATOMIC_REQUESTS"] = True``, ``DATABASES["analytics"] = {...}``
    or ``DATABASES["analytics"].update(ATOMIC_REQUESTS=True)``. A setting that names no
    database (a plain ``ATOMIC_REQUESTS = True``, a loop over the databases) counts as
    "default".
    """
    aliases: list[str] = []
    named: set[int] = set()  # settings whose database alias was found
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _enables_atomic_requests(value):
                    aliases.append(key.value)
                    named.add(id(value))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                alias = _subscript_key(target)
                if alias == "ATOMIC_REQUESTS" and isinstance(node.value, ast.Constant) and node.value.value is True:
                    assert isinstance(target, ast.Subscript)
                    aliases.append(_subscript_key(target.value) or "default")
                    named.add(id(node.value))
                elif alias is not None and _enables_atomic_requests(node.value):
                    aliases.append(alias)
                    named.add(id(node.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            if _enables_atomic_requests(node):
                aliases.append(_subscript_key(node.func.value) or "default")
                named.add(id(node))
    for node in ast.walk(tree):
        if id(node) in named or isinstance(node, ast.Module):
            continue
        if isinstance(node, (ast.Dict, ast.Call)) and _enables_atomic_requests(node):
            aliases.append("default")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is True and id(node.value) not in named:
            if any(isinstance(target, ast.Name) and target.id == "ATOMIC_REQUESTS" for target in node.targets):
                aliases.append("default")
            elif any(_subscript_key(target) == "ATOMIC_REQUESTS" for target in node.targets):
                aliases.append("default")
    return sorted(set(aliases))


def _enables_atomic_requests(value: ast.expr) -> bool:
    """Return True for a dict literal, or a ``dict(...)`` or ``update(...)`` call, that sets ``ATOMIC_REQUESTS`` to True."""
    if isinstance(value, ast.Dict):
        return any(
            isinstance(key, ast.Constant) and key.value == "ATOMIC_REQUESTS" and isinstance(item, ast.Constant) and item.value is True
            for key, item in zip(value.keys, value.values)
        )
    if isinstance(value, ast.Call) and dotted_text(value.func).rpartition(".")[2] in ("dict", "update"):
        return any(
            keyword.arg == "ATOMIC_REQUESTS" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True
            for keyword in value.keywords
        )
    return False


def _subscript_key(node: ast.expr) -> str | None:
    """Return the string key of ``x["key"]``, or None."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _middleware_paths(tree: ast.Module) -> Iterator[str]:
    """Yield the dotted paths that a settings module lists in Django's ``MIDDLEWARE``:
    assigned as a list or tuple of strings, extended with ``+=``, or added with
    ``MIDDLEWARE.append(...)`` or ``insert(...)``."""
    for node in tree.body:
        values: list[ast.expr] = []
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in knowledge.MIDDLEWARE_SETTINGS for t in node.targets):
            values = [node.value]
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id in knowledge.MIDDLEWARE_SETTINGS:
            values = [node.value]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            owner, _, method = dotted_text(node.value.func).rpartition(".")
            if owner in knowledge.MIDDLEWARE_SETTINGS and method in ("append", "insert"):
                values = node.value.args[-1:]
        for value in values:
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            for item in items:
                if isinstance(item, ast.Constant) and isinstance(item.value, str) and "." in item.value:
                    yield item.value


def summarize(path: str, module: str, source: str | bytes, is_package: bool = False) -> tuple[ModuleSummary, ast.Module | None]:
    """Parse ``source`` and summarize it; a file that does not parse gets an empty summary."""
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        summary = ModuleSummary(path, module, {}, {}, {}, [], syntax_error=str(exc))
        return summary, None
    summarizer = _Summarizer(path, module, is_package)
    summarizer.run(tree)
    text = source if isinstance(source, str) else source.decode("utf-8", "replace")
    atomic_requests = atomic_request_databases(tree) if "ATOMIC_REQUESTS" in text else []
    if knowledge.COMMIT_ON_TEARDOWN in text and _settings_enable(tree, knowledge.COMMIT_ON_TEARDOWN):
        # Flask-SQLAlchemy 2.x commits the session when the app context ends, after the view.
        summarizer.connections.append(Connection("request-commit", knowledge.COMMIT_ON_TEARDOWN, ""))
    if "MIDDLEWARE" in text:
        summarizer.connections.extend(Connection("middleware", dotted, "") for dotted in _middleware_paths(tree))
    own = f"{module}."
    imports = {k: v for k, v in summarizer.module_scope.bindings.items() if v and v != own + k and "()" not in k}
    summary = ModuleSummary(
        path=path,
        module=module,
        functions=summarizer.functions,
        classes=summarizer.classes,
        imports=imports,
        connections=summarizer.connections,
        atomic_requests=atomic_requests,
        tables=summarizer.tables,
    )
    return summary, tree


def function_node(tree: ast.Module, function: FunctionSummary) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """Return the definition of ``function`` in ``tree``, its module's syntax tree, or None."""
    return next((node for node in function_nodes(tree, {function.line}) if node.name == function.name), None)


def function_nodes(tree: ast.Module, lines: set[int]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Yield the function definitions whose ``def`` sits on one of ``lines``.

    Only statements whose span contains one of the lines are entered, so a rule that picked its
    candidate functions from the module summary does not walk the whole tree.
    """
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        start = getattr(node, "lineno", None)
        end = getattr(node, "end_lineno", None)
        if start is None or end is None or not any(start <= line <= end for line in lines):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno in lines:
            yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                pending.append(child)



def iter_calls(summary: ModuleSummary) -> Iterator[tuple[FunctionSummary, CallSite]]:
    for function in summary.functions.values():
        for call in function.calls:
            yield function, call
