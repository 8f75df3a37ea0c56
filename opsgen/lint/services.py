"""Service classes and their entry points, for the interface rules (OPS3xx).

A service is a class whose instances do one piece of business work when called through
an entry method. The entry verbs are the names projects give that method: ``run``,
``execute``, ``call``, ``perform``, ``process``, ``handle``, ``act``, ``apply``,
``invoke`` and ``__call__``. A ``__call__`` whose body only returns ``self.<verb>(...)``
forwards to that verb and is not a second entry point, and so does one that ends in
``return self.<entry verb>(...)`` after checks of its own (a base class's template).
Likewise an entry method that calls ``self.<other entry verb>(...)``, whose body in the
same class only raises ``NotImplementedError`` (or is marked ``@abstractmethod``), is a
template method: the other verb is a hook that subclasses implement, and neither it nor
a subclass's override of it is a second entry point (Django's ``BaseCommand.execute()``
calls ``handle()``). A module may add a verb of its own: a method name that two or more classes each have as
their only public method (``send()`` on every notification class) is an entry verb there.

Two ways to find services:

* In a module of ``service-packages`` (``[tool.opsgen.lint]``), every public class with a
  public method is a service, and every public module-level function is a service
  written as a function.
* Elsewhere, a module-level class that defines an entry verb and derives only from
  ``object``, ``ABC``, another such class of the same module, or an imported base whose
  name ends in ``Service``, ``UseCase`` or ``Interactor``. A class with any other base (a
  thread, a view, a management command, a task) keeps the verb its framework dictates,
  so it is not compared with the others. Beside two or more such services, a class built
  with its inputs whose one public method takes none is a service too, entered through
  that method. Left out are classes that are objects with an interface of their own:
  more than five public methods (unless named for a service), a fluent builder or a
  DB-API cursor.
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import re
from collections import Counter
from functools import lru_cache
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from opsgen.lint.analysis import Analysis
from opsgen.lint.operations import OperationInfo
from opsgen.lint.orm import scope_nodes
from opsgen.lint.service_state import inputs_set_after_build, is_error_callback, is_outcome_callback, outcome_callbacks, stored_results
from opsgen.lint.summary import is_overload

ENTRY_VERBS = frozenset({"run", "execute", "call", "perform", "process", "handle", "act", "apply", "invoke", "__call__"})
#: A ``def`` of an entry verb somewhere in the source: modules without one have no services.
ENTRY_DEF = re.compile(r"^[ \t]+(?:async[ \t]+)?def[ \t]+(?:" + "|".join(sorted(ENTRY_VERBS)) + r")\b", re.MULTILINE)
NEUTRAL_BASES = frozenset({"object", "ABC", "abc.ABC"})
#: Class name endings of service objects, whose one public method is their entry point.
AGENT_SUFFIXES = (
    "Service", "Builder", "Calculator", "Sender", "Creator", "Updater", "Processor", "Handler",
    "Importer", "Exporter", "Notifier", "Generator", "Command", "Action", "Interactor", "UseCase",
)  # fmt: skip
#: A module-level class with no base, ``object`` or ``ABC``: no framework gives it a verb.
ROOT_CLASS = re.compile(r"^class[ \t]+\w+[ \t]*(?:\([ \t]*(?:object|ABC|abc\.ABC)?[ \t]*\))?[ \t]*:", re.MULTILINE)
#: A ``def`` of a public method: indented, with a name that does not start with ``_``.
METHOD_DEF = re.compile(r"^[ \t]+(?:async[ \t]+)?def[ \t]+([a-zA-Z]\w*)", re.MULTILINE)
AGENT_CLASS = re.compile(r"^class[ \t]+\w*(?:" + "|".join(AGENT_SUFFIXES) + r")\b", re.MULTILINE)
#: ENTRY_DEF and AGENT_CLASS without the start of the line. A pattern that starts with a
#: literal is searched for quickly, while ``^`` under ``re.MULTILINE`` is tried at every
#: character. On Django's source the anchored searches took about 8 times as long.
ENTRY_NAME = re.compile(r"def[ \t]+(?:" + "|".join(sorted(ENTRY_VERBS)) + r")\b")
AGENT_NAME = re.compile(r"class[ \t]+\w*(?:" + "|".join(AGENT_SUFFIXES) + r")\b")
#: Imported bases that name a project's own service layer (``BaseService``, ``UseCase``).
SERVICE_BASE_SUFFIXES = ("Service", "UseCase", "Interactor")
#: Method name prefixes of data objects (``to_dict()``, ``get_total()``), not of services.
ACCESSOR_PREFIXES = ("to_", "as_", "get_", "is_", "has_")
#: Base class of every generated operation base class.
OPERATION_BASE = "opsgen.runtime.operation.Operation"

Method = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class ServiceClass:
    """A service class, its entry methods in source order and the verb callers use."""

    node: ast.ClassDef
    entries: list[Method] = field(default_factory=list)
    verb: str | None = None
    by_name: bool = False  # the entry is the one public method of an agent-named class


def in_service_packages(module: str, patterns: Sequence[str]) -> bool:
    """Return True when ``module`` is one of ``patterns`` (dotted names or globs) or inside one."""
    for pattern in patterns:
        if module == pattern or module.startswith(pattern + ".") or fnmatch.fnmatchcase(module, pattern):
            return True
        if fnmatch.fnmatchcase(module, pattern + ".*"):
            return True
    return False


def base_names(node: ast.ClassDef) -> list[str]:
    """Return the dotted source text of each base (``Generic[T]`` counts as ``Generic``)."""
    names = []
    for base in node.bases:
        while isinstance(base, ast.Subscript):
            base = base.value
        names.append(ast.unparse(base))
    return names


def forwarded_verb(method: Method) -> str | None:
    """Return ``act`` for ``def __call__(self): return self.act()``, else None.

    A body with statements before the last one forwards only to an entry verb: ``self.validate(...)``
    then ``return self.perform(...)`` is a template whose subclasses implement ``perform()``,
    while ``order.paid = True`` then ``return self.notify(order)`` does the work itself. The
    last call may be awaited, and may sit at the end of a ``try`` whose ``finally`` cleans up
    (``try: return self.run(*args) finally: self.pop_request()``) or of a ``with`` block.
    """
    body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    while body:
        last = body[-1]
        if not (isinstance(last, (ast.With, ast.AsyncWith)) or (isinstance(last, ast.Try) and _is_try_finally(last))):
            break
        body = [*body[:-1], *last.body]
    if not body or not isinstance(body[-1], (ast.Return, ast.Expr)):
        return None
    call = body[-1].value
    if isinstance(call, ast.Await):
        call = call.value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id == "self":
            verb = call.func.attr
            if len(body) == 1 or (verb in ENTRY_VERBS and verb != "__call__"):
                return verb
    return None


def _is_try_finally(statement: ast.Try) -> bool:
    """Return True for ``try: ... finally: ...`` with no ``except`` or ``else`` clause."""
    return bool(statement.finalbody) and not statement.handlers and not statement.orelse


PROPERTIES = frozenset({"property", "cached_property", "functools.cached_property"})


def public_methods(node: ast.ClassDef, verbs: frozenset[str] = ENTRY_VERBS) -> list[Method]:
    """Return the methods callers may use: not ``_private``, not dunder except ``__call__``.

    Properties, static and class methods count only when named for one of ``verbs``.
    """
    methods = []
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) or is_overload(item) or is_hook_implementation(item):
            continue
        if item.name.startswith("_") and item.name != "__call__":
            continue
        decorators = {ast.unparse(d) for d in item.decorator_list}
        if decorators & (PROPERTIES | {"staticmethod", "classmethod"}):
            if item.name not in verbs:
                continue
        methods.append(item)
    return methods


def sole_method_name(node: ast.ClassDef) -> str | None:
    """Return the name of the class's one public method, static and class methods included, else None."""
    names = [
        item.name
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not item.name.startswith("_")
        and not is_overload(item)
        and not is_hook_implementation(item)
        and not {ast.unparse(d) for d in item.decorator_list} & PROPERTIES
    ]
    return names[0] if len(names) == 1 else None


def is_hook_implementation(function: Method) -> bool:
    """Return True for a plugin hook implementation, marked with pluggy's ``@hookimpl`` (also
    ``@pytest.hookimpl(...)``): the plugin manager calls it for its event, not a caller by name."""
    return any(_decorator_name(decorator).lower().endswith("hookimpl") for decorator in function.decorator_list)


def entry_methods(node: ast.ClassDef, verbs: frozenset[str] = ENTRY_VERBS, beside_services: bool = False) -> list[Method]:
    """Return the class's own entry methods; a forwarding ``__call__`` is left out.

    ``verbs`` are the module's entry verbs. A class named for an agent (``InvoiceBuilder``,
    ``RefundCalculator``) with a single public method and no entry verb uses that method as
    its entry (``build``, ``calculate``), and so does any such class ``beside_services``
    that use an entry verb; :func:`service_classes` counts such classes only beside
    services with an entry verb.
    """
    methods = public_methods(node, verbs)
    entries = [m for m in methods if m.name in verbs]
    entries = [m for m in entries if not (m.name == "__call__" and forwarded_verb(m) is not None) and not _only_returns_self(m)]
    sole = sole_method_name(node) if not methods and node.name.endswith(AGENT_SUFFIXES) else None
    if sole is not None:
        # ``RefundService.refund`` as a static or class method is still the agent's entry.
        methods = public_methods(node, verbs | {sole})
    if not entries and len(methods) == 1 and methods[0].name != "__call__":
        if node.name.endswith(AGENT_SUFFIXES) or (beside_services and _is_command_object(node, methods[0])):
            return methods
    if not entries and not methods and beside_services and _takes_inputs_when_built(node):
        other_entry = _context_manager_entry(node) or _property_entry(node)
        if other_entry is not None:
            return [other_entry]
    return entries


def _only_returns_self(method: Method) -> bool:
    """Return True for a method whose whole body is ``return self``, such as a ``__call__``
    that hands the instance back to be used as a context manager: it does no work."""
    body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Name) and body[0].value.id == "self"


def entry_form(method: Method) -> str | None:
    """Return ``"with"`` for an ``__enter__`` entry, ``"property"`` for a property entry,
    else None: such a service is not called like the others (see :func:`entry_methods`)."""
    if method.name in ("__enter__", "__aenter__"):
        return "with"
    if {ast.unparse(d) for d in method.decorator_list} & PROPERTIES:
        return "property"
    return None


def _context_manager_entry(node: ast.ClassDef) -> Method | None:
    """Return the ``__enter__`` of a class that does its work there and hands back a
    result, as ``with ExportProducts(category) as path:``. One that returns ``self`` or
    nothing, such as a lock or a unit of work, is a helper for a block, not a service."""
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in ("__enter__", "__aenter__"):
            values = [v for v in (_return_value(n) for n in scope_nodes(item.body)) if v is not None]
            if values and not any(isinstance(v, ast.Name) and v.id == "self" for v in values):
                return item
    return None


def _property_entry(node: ast.ClassDef) -> Method | None:
    """Return the one public property of a class whose body calls a function of its own
    module or of an import, as ``ShippingEstimate(cart).result`` that asks a carrier for a
    rate; a property that only combines fields is a data object's."""
    properties = [
        item
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not item.name.startswith("_")
        and {ast.unparse(d) for d in item.decorator_list} & PROPERTIES
    ]
    if len(properties) != 1:
        return None
    callees = [n.func.id for n in scope_nodes(properties[0].body) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    return properties[0] if any(callee not in _BUILTIN_NAMES for callee in callees) else None


def _return_value(node: ast.AST) -> ast.expr | None:
    return node.value if isinstance(node, ast.Return) else None


_BUILTIN_NAMES = frozenset(dir(builtins))


def _is_command_object(node: ast.ClassDef, method: Method) -> bool:
    """Return True for a class built with its inputs whose one method takes none: ``ApplyDiscount(quote, 10).calculate()``.

    A mixin's or an encoder's one method takes its inputs as arguments (``process_rhs(compiler,
    connection)``), and a data object's reads a field (``to_dict()``, ``get_total()``). An
    iterator or a context manager is used through ``for`` or ``with``, so its one method
    (``close()``) is not its way in.
    """
    if any(isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in PROTOCOL_METHODS for item in node.body):
        return False
    arguments = method.args
    takes_arguments = bool([*arguments.posonlyargs, *arguments.args][1:] or arguments.kwonlyargs or arguments.vararg or arguments.kwarg)
    return not takes_arguments and not method.name.startswith(ACCESSOR_PREFIXES) and _takes_inputs_when_built(node)


#: Methods through which callers use an iterator or a context manager instead of a named method.
PROTOCOL_METHODS = frozenset({"__iter__", "__next__", "__aiter__", "__anext__", "__enter__", "__aenter__"})


#: The second line of every file `opsgen generate` writes.
GENERATED_MARKER = "# opsgen: generated file"


def is_generated(source: str) -> bool:
    """Return True for a module `opsgen generate` wrote: its handles and bases are not services."""
    return GENERATED_MARKER in source[:1000]


@lru_cache(maxsize=16)
def may_define_services(source: str) -> bool:
    """Return False when the source defines neither an entry method, an agent class nor one
    public method name in two places (a module's own verb), so no service.

    Cached because every OPS3 rule asks it of the same module text in turn.
    """
    if _defines_entry(source) or _defines_agent_class(source):
        return True
    first = ROOT_CLASS.search(source)
    if first is None or ROOT_CLASS.search(source, first.end()) is None:
        return False  # a module's own verb needs two classes without a framework base
    names = METHOD_DEF.findall(source)
    return len(names) != len(set(names))


def _defines_entry(source: str) -> bool:
    """Return True when a line of ``source`` matches ENTRY_DEF."""
    for match in ENTRY_NAME.finditer(source):
        line_start = source.rfind("\n", 0, match.start()) + 1
        if ENTRY_DEF.match(source, line_start) is not None:
            return True
    return False


def _defines_agent_class(source: str) -> bool:
    """Return True when a line of ``source`` matches AGENT_CLASS."""
    return any(match.start() == 0 or source[match.start() - 1] == "\n" for match in AGENT_NAME.finditer(source))


@lru_cache(maxsize=16)
def service_classes(tree: ast.Module, everything: bool = False) -> tuple[ServiceClass, ...]:
    """Return the module-level service classes, in source order.

    With ``everything`` (a module of ``service-packages``) any base is allowed; otherwise
    only classes built on ``object``, ``ABC``, earlier classes of this module or an
    imported service base count. The result is cached by tree, because every OPS3 rule
    asks for it in turn, so callers must not change the classes it holds.
    """
    eligible: list[ast.ClassDef] = []
    for statement in tree.body:
        if not isinstance(statement, ast.ClassDef):
            continue
        bases = base_names(statement)
        names = {node.name for node in eligible}
        if not everything and any(b not in names and b not in NEUTRAL_BASES and not b.endswith(SERVICE_BASE_SUFFIXES) for b in bases):
            continue
        if not everything and (_has_broad_interface(statement) or is_builder_or_cursor(statement)):
            continue
        eligible.append(statement)

    # A name that two or more classes have as their only public method is this module's verb.
    # Subclasses of the module's own classes are left out of the count: an override of the
    # parent's method (a hook) is not a second class choosing that verb.
    names = {node.name for node in eligible}
    roots = [node for node in eligible if not names.intersection(base_names(node))]
    sole = Counter(name for node in roots if (name := sole_method_name(node)) is not None)
    verbs = ENTRY_VERBS | {name for name, count in sole.items() if count >= 2 and not name.startswith(ACCESSOR_PREFIXES)}
    with_verb = sum(1 for node in eligible if any(m.name in verbs for m in public_methods(node, verbs)))

    found: dict[str, ServiceClass] = {}
    hooks: dict[str, frozenset[str]] = {}  # class name -> the hooks its template methods call
    for statement in eligible:
        bases = base_names(statement)
        # A subclass inherits its parent's entry, and a parent is a base, not one more service.
        parent = any(statement.name in base_names(other) for other in eligible)
        beside_services = with_verb >= 2 and statement in roots and not parent
        entries = entry_methods(statement, verbs, beside_services)
        inherited = frozenset().union(*(hooks.get(base, frozenset()) for base in bases))
        hooks[statement.name] = inherited | template_hooks(entries)
        entries = [entry for entry in entries if entry.name not in hooks[statement.name]]
        service = ServiceClass(statement, entries)
        service.by_name = bool(service.entries) and service.entries[0].name not in verbs
        service.verb = _verb_of(statement, service.entries, [found[b] for b in bases if b in found])
        if service.verb is not None:
            found[statement.name] = service
    if all(service.by_name for service in found.values()):
        # An exporter's export() beside an importer's load() is no convention yet: agent-named
        # classes are compared only in a module whose other services use an entry verb.
        return ()
    return tuple(found.values())


def template_hooks(entries: Sequence[Method]) -> frozenset[str]:
    """Return the names of the entry methods that another of ``entries`` calls on ``self``
    and that only raise ``NotImplementedError`` or are marked ``@abstractmethod``: hooks
    of a template method, for subclasses to implement."""
    abstract = {entry.name for entry in entries if _is_abstract(entry)}
    if not abstract:
        return frozenset()
    found: set[str] = set()
    for entry in entries:
        for node in scope_nodes(entry.body):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in abstract:
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id == "self" and node.func.attr != entry.name:
                    found.add(node.func.attr)
    return frozenset(found)


def _is_abstract(method: Method) -> bool:
    """Return True for a method marked ``@abstractmethod`` or whose body, docstring aside,
    only raises ``NotImplementedError``."""
    if any(_decorator_name(decorator) == "abstractmethod" for decorator in method.decorator_list):
        return True
    body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


#: More public methods than this make a class an object with an interface of its own: a
#: cursor, a router or a test helper, whose ``execute()`` or ``run()`` is one operation
#: among many. A service has one way in and a few helpers.
MAX_SERVICE_METHODS = 5


def _has_broad_interface(node: ast.ClassDef) -> bool:
    """Return True when the class has more than MAX_SERVICE_METHODS public methods, properties
    aside, and is not named for a service (``...Service``, ``...Handler``, ``...Command``)."""
    if node.name.endswith(AGENT_SUFFIXES):
        return False
    methods = [
        item
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not item.name.startswith("_")
        and not is_overload(item)
        and not {ast.unparse(d) for d in item.decorator_list} & PROPERTIES
    ]
    return len(methods) > MAX_SERVICE_METHODS


#: The fetch methods of a DB-API cursor (PEP 249).
CURSOR_METHODS = frozenset({"fetchone", "fetchmany", "fetchall"})


def is_builder_or_cursor(node: ast.ClassDef) -> bool:
    """Return True for a class that returns itself by design, so is no service.

    A DB-API cursor's ``execute()`` may return the cursor, and the rows come from its fetch
    methods. A fluent builder's entry verb (``apply()``) returns ``self`` as another public
    method does, so that calls chain (``query.apply(...).sort_by(...)``).
    """
    methods = [item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not is_overload(item)]
    if any(method.name in CURSOR_METHODS for method in methods):
        return True
    public = [method for method in methods if not method.name.startswith("_")]
    # Finding a ``return self`` walks a method's body. Most classes have no public entry verb
    # that returns self, so the other methods are walked only for a class that has one.
    if len(public) < 2 or not any(method.name in ENTRY_VERBS and returns_self(method) is not None for method in public):
        return False
    return sum(1 for method in public if returns_self(method) is not None) >= 2


def _verb_of(node: ast.ClassDef, entries: list[Method], parents: Iterable[ServiceClass]) -> str | None:
    if entries:
        return entries[0].name
    for parent in parents:
        if parent.verb is not None:
            return parent.verb
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "__call__":
            return forwarded_verb(item)
    return None


def returns_self(method: Method) -> ast.Return | None:
    """Return the first ``return self`` that runs in ``method`` (nested definitions excluded)."""
    for node in scope_nodes(method.body):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return node
    return None


def operation_spec(analysis: Analysis, class_name: str) -> OperationInfo | None:
    """Return the spec facts of the operation ``class_name`` implements, through its generated base.

    Returns None for a class that derives from no base named after a spec of the project's
    specs folder (``[tool.opsgen] specs``), including the generated base class itself.
    """
    for ancestor in analysis.mro(class_name)[1:]:
        info = analysis.operations.get(ancestor.rpartition(".")[2])
        if info is not None:
            return info
    return None


def spec_matches_call(spec_name: str, call_text: str) -> bool:
    """Return True when a call's dotted text ends with the operation's name: ``ops.billing.credit_account``."""
    return call_text == spec_name or call_text.endswith("." + spec_name)


def entry_binding(node: ast.ClassDef, method: Method) -> str | None:
    """Return how callers pass a service its inputs, or None when it takes none.

    ``"class"``: a static or class method, called on the class with the inputs
    (``Refund.execute(order)``). ``"call"``: an instance method that takes the inputs as
    arguments (``Refund()(order)``). ``"constructor"``: an instance method without
    arguments on a class built with its inputs (``Refund(order).execute()``), through
    ``__init__`` or dataclass fields. ``"setters"``: a class built empty whose entry reads
    what setters or the caller store in its attributes first
    (``refund = Refund(); refund.set_order(order); refund.execute()``). Outcome callbacks
    (``on_success``, ``on_error``) are not inputs.
    """
    for decorator in method.decorator_list:
        if ast.unparse(decorator) in ("staticmethod", "classmethod"):
            return "class"
    arguments = method.args
    # Callbacks (``on_error``, ``future.set_result()``) take the outcome, not inputs: OPS309 compares those.
    named = [a.arg for a in [*[*arguments.posonlyargs, *arguments.args][1:], *arguments.kwonlyargs]]
    callbacks = {name.partition(".")[0] for name in outcome_callbacks(method)} | {name for name in named if is_outcome_callback(name)}
    if [name for name in named if name not in callbacks] or arguments.vararg or arguments.kwarg:
        return "call"
    if _takes_inputs_when_built(node):
        return "constructor"
    return "setters" if inputs_set_after_build(node, method) else None


#: Annotations of a parameter that holds all of a call's inputs as one mapping.
MAPPING_ANNOTATIONS = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "typing.Dict", "typing.Mapping", "collections.abc.Mapping"})


def argument_shape(method: Method) -> str | None:
    """Return how an entry that takes its inputs at call time receives them: ``"payload"``
    for one parameter that holds them all as a dictionary (``def __call__(self, data:
    dict)``, or a parameter read only through string keys, ``data["project_id"]``),
    ``"named"`` for separate parameters; None for an entry without inputs."""
    arguments = method.args
    positional = [*arguments.posonlyargs, *arguments.args]
    if positional and positional[0].arg in ("self", "cls") and not _is_static(method):
        positional = positional[1:]
    parameters = [a for a in [*positional, *arguments.kwonlyargs] if not is_outcome_callback(a.arg)]
    if not parameters and not arguments.kwarg:
        return None
    if len(parameters) == 1 and not arguments.kwonlyargs and not arguments.vararg and not arguments.kwarg:
        parameter = parameters[0]
        annotation = parameter.annotation
        base = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        if base is not None and ast.unparse(base) in MAPPING_ANNOTATIONS:
            return "payload"
        if annotation is None and _read_by_keys_only(method, parameter.arg):
            return "payload"
    return "named"


def _is_static(method: Method) -> bool:
    return any(ast.unparse(d) == "staticmethod" for d in method.decorator_list)


def _read_by_keys_only(method: Method, name: str) -> bool:
    """Return True when every use of ``name`` in the body is ``name["key"]`` or
    ``name.get("key", ...)``, and there are two or more."""
    uses = 0
    keyed = 0
    for node in scope_nodes(method.body):
        if isinstance(node, ast.Name) and node.id == name:
            uses += 1
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
            keyed += isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == name and node.args and isinstance(node.args[0], ast.Constant):
                keyed += 1
    return keyed >= 2 and keyed == uses


def _takes_inputs_when_built(node: ast.ClassDef) -> bool:
    """Return True when the class has an ``__init__`` with parameters or annotated fields.

    Annotations are fields only under a decorator (``@dataclass``, ``@attr.define``) or a base
    (pydantic's ``BaseModel``): a bare class does not take them when it is built.
    """
    fields = bool(node.decorator_list or node.bases)
    for item in node.body:
        if fields and isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            return True
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "__init__" and not is_overload(item):
            arguments = item.args
            return len([*arguments.posonlyargs, *arguments.args]) > 1 or bool(arguments.kwonlyargs or arguments.vararg or arguments.kwarg)
    return False


#: Keys of a dictionary that wraps a result with its outcome: ``{"ok": False, "error": ...}``.
ENVELOPE_KEYS = frozenset({"ok", "success", "succeeded", "status", "error", "errors"})
#: Constructors of result objects (dry-python ``returns``, ``result``, hand-written ones).
RESULT_OBJECTS = frozenset({"Success", "Failure", "Ok", "Err", "Result", "Some", "Nothing"})
#: Functions that build an HTTP response (Django, Flask); classes named ``...Response`` do too.
RESPONSE_BUILDERS = frozenset({"jsonify", "make_response", "redirect", "render", "render_template"})


#: Methods that start work elsewhere and return a handle to it. Celery's ``delay()``,
#: ``apply_async()`` and ``send_task()`` return an ``AsyncResult``, RQ's ``enqueue()`` and
#: arq's ``enqueue_job()`` a job, Dramatiq's ``send_with_options()`` a message, taskiq's
#: ``kiq()`` a task, and a multiprocessing pool's ``map_async()`` an ``AsyncResult``.
#: asyncio's ``create_task()``, ``ensure_future()``, ``run_coroutine_threadsafe()``, and an
#: event loop's ``run_in_executor()`` and ``create_future()``, return a Future.
HANDLE_METHODS = frozenset(
    {
        "delay", "apply_async", "send_task", "enqueue", "enqueue_call", "enqueue_in", "enqueue_at", "kiq",
        "enqueue_job", "send_with_options", "map_async", "starmap_async",
        "create_task", "ensure_future", "run_coroutine_threadsafe", "run_in_executor", "create_future",
    }
)  # fmt: skip
#: ``submit()`` returns a Future on an executor or a pool; elsewhere it often sends a form.
POOL_NAMES = ("executor", "pool")
#: Classes whose instances are handles: ``AsyncResult(task_id)``, ``Future()``.
HANDLE_CLASSES = frozenset({"AsyncResult", "GroupResult", "Future"})
#: Attributes of a handle that are handles too, as ids to poll with: ``task.delay(x).id``.
HANDLE_IDS = frozenset({"id", "task_id", "job_id"})


def task_handles(method: Method) -> list[str]:
    """Return the calls whose handle the method returns, such as ``render_task.delay()``.

    A handle returned directly, bound to a name first (``job = queue.enqueue(...)``,
    ``return job``), as its id (``return task.delay(x).id``) or as a value of a returned
    dictionary (``return {"task_id": job.id}``) counts.
    """
    nodes = list(scope_nodes(method.body))
    bound: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            call = _handle_call(node.value)
            if call is not None:
                bound[node.targets[0].id] = call
    found: dict[str, None] = {}
    for node in nodes:
        if not (isinstance(node, ast.Return) and node.value is not None):
            continue
        values = _branches(node.value)
        values += [item for value in values if isinstance(value, ast.Dict) for item in value.values]
        for value in values:
            if isinstance(value, ast.Attribute) and value.attr in HANDLE_IDS:
                value = value.value
            call = bound.get(value.id) if isinstance(value, ast.Name) else _handle_call(value)
            if call is not None:
                found[call] = None
    return list(found)


def _handle_call(value: ast.expr) -> str | None:
    """Return ``render_task.delay()`` for a call that returns a task handle, else None."""
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    name = _last_name(func)
    owner = _last_name(func.value) if isinstance(func, ast.Attribute) else ""
    pool = any(word in owner.lower() for word in POOL_NAMES)
    if (isinstance(func, ast.Attribute) and name in HANDLE_METHODS) or name in HANDLE_CLASSES or (name == "submit" and pool):
        return f"{owner}.{name}()" if owner else f"{name}()"
    return None


#: Decorators that turn a generator function into a context manager factory.
CONTEXT_MANAGER_DECORATORS = frozenset({"contextmanager", "asynccontextmanager"})


def _decorator_name(decorator: ast.expr) -> str:
    """Return the last name of a decorator: ``contextlib.contextmanager`` -> ``contextmanager``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


#: Text of a call that may build a result object (``Result(`` ends ``OrderResult(`` too): a
#: cheap test before the module's decorators are read. Plain substrings, because a regular
#: expression with ``\w*Result`` backtracks at every word of a large module.
RESULT_CALLS = ("Ok(", "Err(", "Success(", "Failure(", "Some(", "Nothing(", "Result(")
#: Library decorators that make a function return a result object in place of raising:
#: the ``result`` package's ``as_result()`` and ``as_async_result()``, and dry-python
#: ``returns``' ``@safe``, ``@future_safe`` and ``@impure_safe``.
RESULT_DECORATORS = frozenset(
    {"result.as_result", "result.as_async_result", "returns.result.safe", "returns.future.future_safe", "returns.io.impure_safe"}
)


def result_decorators(tree: ast.Module, imports: Mapping[str, str], source: str | None = None) -> frozenset[str]:
    """Return the names under which the module's decorators wrap a function's result in a result object.

    A decorator of the module counts when a function nested in it returns only result
    objects (``return Ok(method(*args))``, ``return Err(...)``), as a hand-written
    ``@as_result`` does. An imported one counts when it is one of :data:`RESULT_DECORATORS`.
    """
    names: set[str] = set()
    for name, target in imports.items():
        if target.partition(".")[0] not in ("result", "returns"):
            continue  # the packages of RESULT_DECORATORS
        # ``from result import as_result`` gives ``as_result``; ``import result`` gives ``result.as_result``.
        names.update(name + known[len(target) :] for known in RESULT_DECORATORS if known == target or known.startswith(target + "."))
    if source is not None and not any(call in source for call in RESULT_CALLS):
        return frozenset(names)  # the module builds no result object, so none of its decorators does
    names.update(node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _wraps_in_result(node))
    return frozenset(names)


def _wraps_in_result(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Return True when a function nested in ``node`` returns only result objects."""
    for inner in ast.walk(node):
        if inner is node or not isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        values = returned_values(inner)
        if values and all(isinstance(value, ast.Call) and _result_object(value.func) for value in values):
            return True
    return False


def decorator_names(tree: ast.Module) -> set[str]:
    """Return the dotted text, without its call, of each decorator of a module-level
    function or class, or of a class's method: the decorators a service can carry."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.update(_decorator_target(decorator) for decorator in node.decorator_list)
        if isinstance(node, ast.ClassDef):
            pending.extend(node.body)
    return names


def _decorator_target(decorator: ast.expr) -> str:
    """Return the dotted text of a decorator without its call: ``as_result(GatewayError)`` -> ``as_result``."""
    return ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)


def result_shape(method: Method, owner: ast.ClassDef | None = None, wrappers: frozenset[str] = frozenset()) -> str | None:
    """Return how the entry method hands back its outcome, or None when it returns no value or ``self``.

    ``"pair"``: every value returned is a 2-tuple and one of them contains ``None``, ``True`` or
    ``False``, as in ``return None, "not enough stock"``. ``"envelope"``: every value
    returned is a dictionary literal with an outcome key such as ``ok`` or ``error``.
    ``"result object"``: every value returned is built by ``Success(...)``, ``Failure(...)``,
    ``Ok``/``Err`` or a class named ``...Result``, or the method carries one of ``wrappers``
    (:func:`result_decorators`). ``"partial result object"``: some values
    returned are result objects and others plainly are not (``return list(events)``), so
    a caller that reads ``.ok`` fails on the others. ``"response"``: every value returned is an
    HTTP response (``JsonResponse(...)``, ``jsonify(...)``, ``redirect(...)``), alone or in
    Flask's ``(response, status)`` tuple.
    ``"generator"``: the method yields, so calling it runs nothing until the caller iterates
    the result. ``"error on failure"``: an ``except ... as exc`` handler returns the caught
    exception or its text (``return exc``, ``return str(exc)``) where others let it
    propagate. ``"none on failure"``: the method returns values, but ``None`` from an
    ``except`` handler, so the caller must test for ``None`` where others catch the error.
    ``"message on failure"``: an ``if`` returns a string (``return "insufficient funds"``)
    while the method's other results are not strings. ``"errors in parameter"``: an ``if``
    adds messages to a list the caller passed (``errors.append(...)``) and returns
    ``None``, while the method's other paths return a value. ``"callbacks"``: the method hands its
    outcome to ``on_success``/``on_error`` callbacks, passed to it or to the constructor of
    ``owner``, and returns nothing or calls an error callback in place of raising. ``"task
    handle"``: a returned value is a Celery ``AsyncResult``, an RQ job or a Future from
    :func:`task_handles`, so the work has not happened when the call returns.
    ``"attributes"``: the method returns nothing, or only ``True`` or ``False``, and leaves
    its result in attributes of ``owner``
    (:func:`~opsgen.lint.service_state.stored_results`). ``"value"``: anything
    else, the result itself (failures then raise).
    """
    if any(_decorator_name(decorator) in CONTEXT_MANAGER_DECORATORS for decorator in method.decorator_list):
        # Its callers write ``with service(): ...``: a convention of its own, not a result.
        return None
    if any(_decorator_target(decorator) in wrappers for decorator in method.decorator_list):
        return "result object"
    nodes = list(scope_nodes(method.body))
    if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in nodes):
        return "generator"
    values = returned_values(method)
    callbacks = outcome_callbacks(method, owner)
    if callbacks and (not values or any(is_error_callback(name) for name in callbacks)):
        return "callbacks"
    if all(isinstance(v, ast.Constant) and isinstance(v.value, bool) for v in values) and stored_results(method, owner):
        return "attributes"  # nothing, or only whether it worked
    if not values or any(isinstance(v, ast.Name) and v.id == "self" for v in values):
        return None
    if task_handles(method):
        return "task handle"
    if all(isinstance(v, ast.Tuple) and len(v.elts) == 2 for v in values):
        elements = [e for v in values if isinstance(v, ast.Tuple) for e in v.elts]
        if any(isinstance(e, ast.Constant) and (e.value is None or isinstance(e.value, bool)) for e in elements):
            return "pair"
    if all(isinstance(v, ast.Dict) for v in values):
        keys = {k.value for v in values if isinstance(v, ast.Dict) for k in v.keys if isinstance(k, ast.Constant)}
        if keys & ENVELOPE_KEYS:
            return "envelope"
    if all(isinstance(v, ast.Call) and _result_object(v.func) for v in values):
        return "result object"
    if any(isinstance(v, ast.Call) and _result_object(v.func) for v in values) and any(is_bare_result(v) for v in values):
        return "partial result object"
    if all(_is_response(v) for v in values):
        return "response"
    if any(isinstance(node, ast.ExceptHandler) and _returns_caught_error(node) for node in nodes):
        return "error on failure"
    if any(isinstance(node, ast.ExceptHandler) and _returns_none(node.body) for node in nodes):
        return "none on failure"
    if _returns_message_on_check(nodes):
        return "message on failure"
    if _records_errors_in_parameter(method, nodes):
        return "errors in parameter"
    return "value"


def returned_values(method: Method) -> list[ast.expr]:
    """Return the values the method returns other than ``None``, each branch of ``a if c else b`` apart."""
    values = [
        node.value
        for node in scope_nodes(method.body)
        if isinstance(node, ast.Return) and node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ]
    return [branch for value in values for branch in _branches(value)]


#: Calls that turn a caught exception into its text.
ERROR_TEXT_CALLS = frozenset({"str", "repr", "format_exc"})


def _returns_caught_error(handler: ast.ExceptHandler) -> bool:
    """Return True when an ``except ... as exc`` handler returns ``exc``, ``str(exc)``,
    ``exc.args[0]`` or an f-string of it: the error handed back as the result."""
    if handler.name is None:
        return False
    for node in scope_nodes(handler.body):
        if not (isinstance(node, ast.Return) and node.value is not None):
            continue
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ERROR_TEXT_CALLS:
            value = value.args[0] if value.args else value
        while isinstance(value, (ast.Attribute, ast.Subscript)):
            value = value.value
        if isinstance(value, ast.Name) and value.id == handler.name:
            return True
        if isinstance(value, ast.JoinedStr) and any(isinstance(n, ast.Name) and n.id == handler.name for n in ast.walk(value)):
            return True
    return False


def _is_text(value: ast.expr) -> bool:
    return isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, str))


#: List and set methods that record an item in a collection the caller passed.
RECORDING_METHODS = frozenset({"append", "extend", "add", "insert"})


def _records_errors_in_parameter(method: Method, nodes: list[ast.AST]) -> bool:
    """Return True when an ``if`` adds to a parameter of the method (``errors.extend(...)``)
    and then returns nothing: the failure is left in an out-parameter."""
    arguments = method.args
    parameters = {argument.arg for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]} - {"self", "cls"}
    for node in nodes:
        if not isinstance(node, ast.If) or not node.body:
            continue
        last = node.body[-1]
        if not (isinstance(last, ast.Return) and (last.value is None or (isinstance(last.value, ast.Constant) and last.value.value is None))):
            continue
        for statement in node.body[:-1]:
            call = statement.value if isinstance(statement, ast.Expr) else None
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in RECORDING_METHODS:
                if isinstance(call.func.value, ast.Name) and call.func.value.id in parameters:
                    return True
    return False


def _returns_message_on_check(nodes: list[ast.AST]) -> bool:
    """Return True when an ``if`` returns a non-empty string while some other return of the
    method gives a value that is not a string: an error message in place of a raise.

    A string returned from an ``except`` handler counts too when every other return gives
    ``None`` or nothing, as in ``except ProtectedError: return "folder is not empty"``.
    """
    messages: set[int] = set()
    caught = False
    for node in nodes:
        if isinstance(node, ast.If):
            branches = [node.body, node.orelse]
        elif isinstance(node, ast.ExceptHandler):
            branches = [node.body]
        else:
            continue
        for branch in branches:
            last = branch[-1] if branch else None
            if isinstance(last, ast.Return) and last.value is not None and _is_text(last.value):
                if not (isinstance(last.value, ast.Constant) and not str(last.value.value).strip()):
                    messages.add(id(last))
                    caught = caught or isinstance(node, ast.ExceptHandler)
    if not messages:
        return False
    others = [
        node.value
        for node in nodes
        if isinstance(node, ast.Return) and id(node) not in messages and node.value is not None
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ]  # fmt: skip
    if caught and not others:
        return True
    return any(not _is_text(branch) for value in others for branch in _branches(value))


def raises(method: Method) -> bool:
    """Return True when the method raises an exception itself (nested definitions excluded)."""
    return any(isinstance(node, ast.Raise) and node.exc is not None for node in scope_nodes(method.body))


#: Annotations that name a container or a typing construct, not a model class.
TYPING_NAMES = frozenset(
    {
        "Any", "Dict", "List", "Tuple", "Set", "FrozenSet", "Optional", "Union", "Mapping",
        "MutableMapping", "Sequence", "Iterable", "Iterator", "Generator", "Awaitable",
        "Coroutine", "Self", "NoReturn", "Never", "Callable", "Type", "Literal", "Response",
    }
)  # fmt: skip
DICT_ANNOTATIONS = frozenset({"dict", "Dict", "Mapping", "MutableMapping"})
#: Class methods that build a model from data: ``MemberOut.model_validate(row)``.
MODEL_BUILDERS = frozenset({"model_validate", "from_orm", "parse_obj", "from_dict", "from_row"})


def typed_model(method: Method, classes: dict[str, bool]) -> str | None:
    """Return the model class a method is annotated to return, else None.

    The annotation names a class (``-> MemberOut``) of the module, or an imported one that a
    returned value calls or builds through (``MemberOut(...)``,
    ``MemberOut.model_validate(row)``). ``classes`` maps the module's classes to whether
    they are a ``TypedDict``, which is a dictionary at run time.
    """
    name = _last_name(method.returns)
    if not name[:1].isupper() or name in TYPING_NAMES or classes.get(name) or name.isupper():
        return None
    if name in classes:
        return name
    for node in scope_nodes(method.body):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr in MODEL_BUILDERS:
                func = func.value
            if _last_name(func) == name:
                return name
    return None


def returns_plain_dict(method: Method) -> bool:
    """Return True when a method is annotated to return a dictionary (``-> dict``,
    ``-> dict[str, Any]``), or has no annotation and returns only dictionary literals."""
    annotation = method.returns
    if annotation is not None:
        if isinstance(annotation, ast.Subscript):
            annotation = annotation.value
        return _last_name(annotation) in DICT_ANNOTATIONS
    values = [node.value for node in scope_nodes(method.body) if isinstance(node, ast.Return) and node.value is not None]
    return bool(values) and all(
        isinstance(v, (ast.Dict, ast.DictComp)) or (isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "dict")
        for v in values
    )


def _last_name(expr: ast.expr | None) -> str:
    """Return ``MemberOut`` for ``MemberOut`` or ``schemas.MemberOut``, else ``""``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return ""


def module_classes(tree: ast.Module) -> dict[str, bool]:
    """Return the module's classes, each mapped to whether it is a ``TypedDict``."""
    return {
        node.name: any(base.rpartition(".")[2] == "TypedDict" for base in base_names(node))
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def _returns_none(body: list[ast.stmt]) -> bool:
    """Return True when the statements return ``None``, bare or written out, outside nested definitions."""
    for node in scope_nodes(body):
        if isinstance(node, ast.Return) and (node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)):
            return True
    return False


def failure_shape(method: Method) -> str | None:
    """Return ``"response"`` or ``"envelope"`` when some of the method's returns, not all, build
    an HTTP response or a dictionary literal with an ``ok``, ``success`` or ``error`` key: the
    failure handed back where the other paths return the result. Else None."""
    values = returned_values(method)
    if any(_is_response(value) for value in values):
        return "response"
    for value in values:
        keys = {key.value for key in value.keys if isinstance(key, ast.Constant)} if isinstance(value, ast.Dict) else set()
        if keys & FAILURE_KEYS:
            return "envelope"
    return None


#: Keys of a dictionary that reports a failure. ``status`` is left out: a result often has one.
FAILURE_KEYS = frozenset({"ok", "success", "succeeded", "error", "errors"})


def _is_response(value: ast.expr) -> bool:
    """Return True for a built HTTP response, alone or in Flask's ``(response, status)`` tuple."""
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[0]
    return isinstance(value, ast.Call) and _http_response(value.func)


def _http_response(func: ast.expr) -> bool:
    name = ""
    if isinstance(func, ast.Attribute):
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    return name in RESPONSE_BUILDERS or (name.endswith("Response") and name[:1].isupper())


def _branches(value: ast.expr) -> list[ast.expr]:
    """Return the values ``a if test else b`` may have, nested conditionals included."""
    if isinstance(value, ast.IfExp):
        return [*_branches(value.body), *_branches(value.orelse)]
    return [value]


def is_bare_result(value: ast.expr) -> bool:
    """Return True for a returned value that is plainly not a result object: a literal, a
    container, ``list(...)``. A name, an attribute of the instance or a call of its own
    method may hold one."""
    if isinstance(value, (ast.Name, ast.Await)):
        return False
    root = value
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    if isinstance(root, ast.Name) and root.id == "self":
        return False
    if isinstance(value, ast.Call):
        func = value.func
        if _result_object(func) or (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return False
    return True


def _result_object(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        return False
    return name in RESULT_OBJECTS or (name.endswith("Result") and name[:1].isupper())


def is_services_module(module: str) -> bool:
    """Return True for a module of a service layer: one named for it (``orders.services``,
    ``orders.use_cases``), or one directly inside a package so named
    (``app.services.billing``, ``app.application.checkout``) that is no utility module
    (``app.services.utils``). Django's ``management.commands`` modules are not."""
    parts = module.split(".")
    if len(parts) > 2 and parts[-3:-1] == ["management", "commands"]:
        return False
    if parts[-1] in SERVICE_MODULE_NAMES:
        return not (len(parts) > 1 and parts[-2] == "management")
    return len(parts) > 1 and parts[-2] in SERVICE_PACKAGE_NAMES and parts[-1] not in UTILITY_MODULE_NAMES


#: Names of the modules of a service layer: services and use cases (also called
#: interactors). ``commands`` is left out because in most projects it contains a command-line
#: interface (pip's ``commands`` package, Click groups), whose functions follow the
#: conventions of that interface, not of a service layer.
SERVICE_MODULE_NAMES = frozenset(
    {"services", "service", "use_cases", "usecases", "use_case", "usecase", "interactors", "interactor"}
)
#: Names of the packages of a service layer. ``application`` counts only as a package: a
#: module named so is more often an application factory.
SERVICE_PACKAGE_NAMES = SERVICE_MODULE_NAMES | {"application"}
#: Modules that hold a package's helpers rather than its services.
UTILITY_MODULE_NAMES = frozenset(
    {
        "utils", "util", "helpers", "helper", "common", "base", "exceptions", "errors", "constants",
        "types", "schemas", "models", "dto", "dtos", "config", "settings", "validators", "mixins",
        "decorators", "serializers", "tests", "conftest",
    }
)  # fmt: skip


def service_functions(tree: ast.Module) -> list[Method]:
    """Return the public module-level functions of a service module, in source order."""
    return [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_") and not is_overload(node)
    ]


def and_list(names: Sequence[str]) -> str:
    """Return ``a``, ``a and b`` or ``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def usual(conventions: Sequence[str]) -> str | None:
    """Return the most common of ``conventions`` (the first one seen wins a tie), or None when they all agree."""
    if len(set(conventions)) < 2:
        return None
    counts = {c: conventions.count(c) for c in conventions}
    return max(counts, key=lambda c: (counts[c], -conventions.index(c)))
