"""Inputs and outcomes that pass through a service's attributes or callbacks.

The interface rules compare how services take their inputs (OPS308) and hand back their
outcome (OPS309). Besides the parameters and the return value, a caller may have to know
three other ways. A service may be built empty and fed through setters, or through
attributes that the caller assigns before the entry method runs. It may report its
outcome through ``on_success``/``on_error`` callbacks. Or it may leave its result in
attributes that the caller reads after the call. This module finds the three.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from opsgen.lint.orm import scope_nodes

Method = ast.FunctionDef | ast.AsyncFunctionDef

#: Words of a callback name that say it receives the outcome (``on_success``, ``on_done``).
OUTCOME_WORDS = frozenset(
    {
        "success", "succeeded", "error", "errors", "failure", "failed", "fail", "done", "complete",
        "completed", "finish", "finished", "result", "reject", "rejected", "resolve", "resolved",
    }
)  # fmt: skip
#: Words that name a callback whatever it receives (``callback``, ``errback``, ``done_cb``).
CALLBACK_WORDS = frozenset({"callback", "callbacks", "errback", "cb"})
#: Words of a callback that receives a failure: a service that calls one does not raise.
ERROR_WORDS = frozenset({"error", "errors", "failure", "failed", "fail", "errback", "reject", "rejected", "exception"})
#: Last words that make an outcome word a callback's name: ``success_handler``, ``error_hook``.
HANDLER_WORDS = frozenset({"handler", "hook", "fn", "func", "callable", "listener"})
#: Methods of a Future or a Twisted ``Deferred`` handed in to receive the outcome.
RESOLVERS = frozenset({"set_result", "set_exception", "callback", "errback"})
#: Words of callbacks that report something other than the outcome.
NOT_OUTCOME_WORDS = frozenset({"progress", "log", "retry", "chunk", "row", "item", "page"})
#: Methods that add to a container in place: ``self.rejected.append(row)``.
MUTATORS = frozenset({"append", "extend", "add", "update", "insert", "setdefault", "appendleft", "extendleft"})
#: Calls that build an empty container: an attribute set to one starts empty.
EMPTY_BUILDERS = frozenset({"list", "dict", "set", "tuple", "defaultdict", "Counter", "OrderedDict", "deque"})
NEUTRAL_BASES = frozenset({"object", "ABC", "abc.ABC"})


def _words(name: str) -> list[str]:
    """Split ``on_success``, ``onSuccess`` or ``_error_cb`` into lower-case words."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().strip("_").split("_")


def is_outcome_callback(name: str) -> bool:
    """Return True for a name that callers give a function receiving the outcome of the work."""
    words = set(_words(name))
    if words & NOT_OUTCOME_WORDS:
        return False
    if words & CALLBACK_WORDS:
        return True
    first, last = _words(name)[0], _words(name)[-1]
    return (first == "on" or last in HANDLER_WORDS) and bool(words & OUTCOME_WORDS)


def is_error_callback(name: str) -> bool:
    """Return True for an outcome callback that receives a failure (``on_error``, ``errback``)."""
    return bool(set(_words(name.removeprefix("self.").replace(".", "_").rstrip("()"))) & ERROR_WORDS)


def _self_attribute(node: ast.AST) -> str | None:
    """Return ``x`` for ``self.x``, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _methods(owner: ast.ClassDef) -> dict[str, Method]:
    return {item.name: item for item in owner.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _parameters(method: Method) -> list[str]:
    arguments = method.args
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]
    return [name for name in names if name not in ("self", "cls")]


def reachable_nodes(owner: ast.ClassDef | None, method: Method) -> Iterator[ast.AST]:
    """Yield the nodes that run in ``method`` and in the methods of ``owner`` it calls on ``self``.

    ``__init__`` is not followed, and each method is read once.
    """
    methods = _methods(owner) if owner is not None else {}
    pending, seen = [method], {method.name}
    while pending:
        current = pending.pop()
        for node in scope_nodes(current.body):
            yield node
            if isinstance(node, ast.Call) and (name := _self_attribute(node.func)) is not None:
                if name in methods and name not in seen and name != "__init__":
                    seen.add(name)
                    pending.append(methods[name])


def _constructor_inputs(owner: ast.ClassDef) -> set[str]:
    """Return the attributes a class is built with: ``self.x = x`` in ``__init__``, or a field ``x: T``."""
    methods = _methods(owner)
    names = {item.target.id for item in owner.body if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}
    init = methods.get("__init__")
    if init is not None:
        parameters = set(_parameters(init))
        for node in scope_nodes(init.body):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in parameters:
                names.update(name for target in node.targets if (name := _self_attribute(target)) is not None)
    return names - set(methods)


def _constructor_callbacks(owner: ast.ClassDef) -> set[str]:
    """Return the outcome callbacks a class is built with (``self.on_error = on_error``)."""
    return {name for name in _constructor_inputs(owner) if is_outcome_callback(name)}


def outcome_callbacks(method: Method, owner: ast.ClassDef | None = None) -> list[str]:
    """Return the outcome callbacks the method calls or hands on, in the order they appear.

    A parameter named for an outcome callback (``on_success``, ``error_callback``) counts
    when the method calls it or passes it to another call, and so does an attribute that the
    class is built with (``self.on_error``, shown with its ``self.``). A method of the class
    named ``on_success`` is a hook that subclasses override, not a callback.
    """
    arguments = method.args
    declared = {a.arg: a for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs] if a.arg not in ("self", "cls")}
    parameters = {name: a for name, a in declared.items() if is_outcome_callback(name)}
    attributes = _constructor_callbacks(owner) if owner is not None else set()
    found: dict[str, tuple[int, int]] = {}
    for node in scope_nodes(method.body):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in RESOLVERS:
            # ``future.set_result(total)`` on a Future handed in, as a parameter or to the constructor.
            holder = func.value
            if isinstance(holder, ast.Name) and holder.id in declared:
                _note(found, f"{holder.id}.{func.attr}()", declared[holder.id])
            elif (name := _self_attribute(holder)) is not None and owner is not None and name in _constructor_inputs(owner):
                _note(found, f"self.{name}.{func.attr}()", func)
        for used in [node.func, *node.args, *(keyword.value for keyword in node.keywords)]:
            if isinstance(used, ast.Name) and used.id in parameters:
                _note(found, used.id, parameters[used.id])  # parameters in the order they are declared
            elif (name := _self_attribute(used)) is not None and name in attributes:
                _note(found, "self." + name, used)
    return sorted(found, key=found.__getitem__)


def _note(found: dict[str, tuple[int, int]], name: str, node: ast.stmt | ast.expr | ast.arg) -> None:
    """Record where ``name`` first appears in the source: :func:`ast.walk` reads breadth first."""
    position = (node.lineno, node.col_offset)
    found[name] = min(found.get(name, position), position)


#: The start of an attribute when the class is built, weakest first. An unset attribute has none.
START_NONE, START_EMPTY, START_VALUE = 0, 1, 2


def _initial_values(owner: ast.ClassDef) -> dict[str, int]:
    """Map each attribute the class sets when built to how it starts.

    ``START_NONE``: ``None``, or a field whose default is ``None``. ``START_EMPTY``: another
    constant, an empty literal or ``list()``/``defaultdict(list)``, or a field with such a
    default or a ``default_factory``. ``START_VALUE``: a field without a default, or anything
    else (``self.rows = rows``), which makes it an input or a collaborator. Where the class
    body and ``__init__`` disagree, the fuller start wins. The annotations of a class with
    neither a decorator nor a base only declare attributes, which stay unset.
    """
    values: dict[str, int] = {}
    fields = bool(owner.decorator_list or owner.bases)  # a bare class's annotations only declare

    def start(name: str, value: ast.expr | None) -> None:
        values[name] = max(values.get(name, START_NONE), _start(value))

    for item in owner.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            if item.value is not None or fields:
                start(item.target.id, item.value)
        elif isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name):
                    start(target.id, item.value)
    init = _methods(owner).get("__init__")
    if init is not None:
        for node in scope_nodes(init.body):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (name := _self_attribute(target)) is not None:
                        start(name, node.value)
    return values


def _start(value: ast.expr | None) -> int:
    """Return how an attribute set to ``value`` starts; a field without a default is an input."""
    if value is None:
        return START_VALUE
    if isinstance(value, ast.Constant):
        return START_NONE if value.value is None else START_EMPTY
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return START_EMPTY if not value.elts else START_VALUE
    if isinstance(value, ast.Dict):
        return START_EMPTY if not value.keys else START_VALUE
    if isinstance(value, ast.Call):
        name = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
        if name in EMPTY_BUILDERS and not value.keywords and all(isinstance(a, (ast.Name, ast.Attribute)) for a in value.args):
            return START_EMPTY
        if name == "field" and not value.args:
            defaults = {k.arg: k.value for k in value.keywords if k.arg in ("default", "default_factory")}
            if "default_factory" in defaults:
                return START_EMPTY
            return _start(defaults["default"]) if "default" in defaults else START_VALUE
    return START_VALUE


def _exposed_private(owner: ast.ClassDef) -> dict[str, str]:
    """Map ``_result`` to ``result`` where a public property or method without arguments
    only returns ``self._result``."""
    exposed: dict[str, str] = {}
    for name, method in _methods(owner).items():
        if name.startswith("_") or _parameters(method):
            continue
        body = [s for s in method.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            attribute = _self_attribute(body[0].value)
            if attribute is not None and attribute.startswith("_"):
                exposed[attribute] = name
    return exposed


def _assigned(node: ast.AST) -> list[ast.expr]:
    """Return the targets of an assignment statement, or nothing for another node."""
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    return []


def stored_results(method: Method, owner: ast.ClassDef | None) -> list[str]:
    """Return the attributes in which the method, or a method of the class it calls, leaves a result.

    An attribute counts when it is public (or private behind a public property that returns
    it), is not a method, and starts empty or unset. ``self.total = ...``,
    ``self.totals[key] = ...`` and ``self.total += ...`` fill it. So does
    ``self.rejected.append(row)`` when the attribute starts as an empty container. An
    attribute set from the constructor's arguments is an input or a collaborator, so calls
    on it (``self.session.add(row)``) do not count.
    """
    if owner is None:
        return []
    methods = _methods(owner)
    initial = _initial_values(owner)
    exposed = _exposed_private(owner)
    found: dict[str, tuple[int, int]] = {}
    for node in reachable_nodes(owner, method):
        filled: list[tuple[str, bool]] = []  # (attribute, whether in place)
        for target in _assigned(node):
            elements = target.elts if isinstance(target, ast.Tuple) else [target]
            for element in elements:
                if isinstance(element, ast.Subscript):
                    name = _self_attribute(element.value)
                    in_place = True
                else:
                    name = _self_attribute(element)
                    in_place = isinstance(node, ast.AugAssign)
                if name is not None:
                    filled.append((name, in_place))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            name = _self_attribute(node.func.value)
            if name is not None:
                filled.append((name, True))
        for name, in_place in filled:
            if name in methods or name.startswith("__"):
                continue
            if initial.get(name, START_EMPTY if not in_place else START_VALUE) == START_VALUE:
                continue
            public_name = exposed.get(name, name if not name.startswith("_") else None)
            if public_name is not None and isinstance(node, (ast.stmt, ast.expr)):
                _note(found, "self." + public_name, node)
    return sorted(found, key=found.__getitem__)


def inputs_set_after_build(owner: ast.ClassDef, method: Method) -> list[str]:
    """Return the setters or attributes through which a class built empty gets what ``method`` reads.

    ``method``, or a method of the class it calls, reads ``self.payment``. The class stores
    it only in a setter, a public method that stores one of its parameters there (named in
    the result as ``set_payment()``). Or it sets it only to ``None`` in ``__init__``, or
    never, so callers must assign it before the call (named as ``payment``). An attribute
    that the class never sets counts only when the class has no base that could set it.
    The caller checks first that the class takes no inputs when built.
    """
    methods = _methods(owner)
    initial = _initial_values(owner)
    setters: dict[str, str] = {}
    stored_elsewhere: set[str] = set()
    for name, other in methods.items():
        if name == "__init__":
            continue
        parameters = set(_parameters(other))
        is_setter = other is not method and not name.startswith("_") and len(parameters) >= 1
        for node in scope_nodes(other.body):
            for target in _assigned(node):
                attribute = _self_attribute(target)
                if attribute is None:
                    continue
                value = getattr(node, "value", None)
                if is_setter and isinstance(node, ast.Assign) and isinstance(value, ast.Name) and value.id in parameters:
                    setters.setdefault(attribute, name)
                else:
                    stored_elsewhere.add(attribute)
    plain_class = all(ast.unparse(base) in NEUTRAL_BASES for base in owner.bases)
    found: dict[str, tuple[int, int]] = {}
    for node in reachable_nodes(owner, method):
        if not (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)):
            continue
        attribute = _self_attribute(node)
        if attribute is None or attribute in methods or attribute in stored_elsewhere or attribute.startswith("__") or attribute.isupper():
            continue
        start = initial.get(attribute)
        if attribute in setters and (start is None or start < START_VALUE):
            _note(found, setters[attribute] + "()", node)
        elif start == START_NONE or (start is None and plain_class):
            _note(found, attribute, node)
    return sorted(found, key=found.__getitem__)
