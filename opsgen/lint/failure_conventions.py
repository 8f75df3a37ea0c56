"""Failure conventions of the members of one service layer, for OPS309.

The members are the public methods of one service class, or the functions of one services
module or package. Most of them raise the layer's own errors (``CartError`` and its
subclasses) and return the result itself. This module finds the facts that show one
member breaking that convention. It may raise an HTTP error of a web framework or a
built-in exception where the others raise their own. It may return ``None`` for an object
it did not find, or ``True``/``False`` for whether it worked, where the others raise.

A member raises when it has a ``raise`` statement, makes a look-up that raises when
nothing matches (``Order.objects.get()``), or calls a sibling that raises (``self.get(pk)``
in a method, ``get_account(pk)`` in a function).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from opsgen.lint.orm import scope_nodes
from opsgen.lint.summary import is_overload

Method = ast.FunctionDef | ast.AsyncFunctionDef
#: Resolves a name or attribute chain through the module's imports, as ``ModuleContext.qualify`` does.
Qualify = Callable[[ast.expr], str | None]

#: Built-in exceptions that stand for a failed piece of business work (an unknown role, a
#: forbidden change). ``TypeError``, ``NotImplementedError`` and ``AssertionError`` report
#: a programming error instead, which a service may raise beside its own errors.
BUSINESS_BUILTINS = frozenset({"Exception", "ValueError", "PermissionError", "KeyError", "LookupError", "RuntimeError"})
#: Packages whose exceptions are HTTP errors, which the framework turns into a response with
#: a status code: FastAPI's and Starlette's ``HTTPException``, werkzeug's ``NotFound``,
#: Django's ``Http404``, Django REST framework's ``APIException`` family (which
#: ``serializers.ValidationError`` belongs to).
HTTP_PACKAGES = (
    "fastapi", "starlette", "werkzeug", "flask", "django.http", "rest_framework.exceptions",
    "rest_framework.serializers", "aiohttp.web", "sanic.exceptions", "litestar.exceptions", "falcon", "tornado.web",
    "pyramid.httpexceptions",
)  # fmt: skip
#: Functions that raise an HTTP error, with the error: Flask's ``abort(404)``, Django's
#: ``get_object_or_404()``.
HTTP_RAISING_CALLS = {
    "flask.abort": "HTTPException",
    "werkzeug.exceptions.abort": "HTTPException",
    "django.shortcuts.get_object_or_404": "Http404",
    "django.shortcuts.get_list_or_404": "Http404",
}
#: Exceptions that mean a looked-up object does not exist (Django, SQLAlchemy, mappings).
MISSING_ERRORS = ("DoesNotExist", "NoResultFound", "NotFound", "KeyError", "LookupError")
#: SQLAlchemy methods that raise ``NoResultFound`` when no row matches.
RAISING_LOOKUPS = frozenset({"one", "scalar_one", "get_one"})
#: Look-ups that return ``None`` when nothing matches: Django's ``first()`` and ``last()``,
#: SQLAlchemy's ``one_or_none()`` and ``scalar_one_or_none()``.
OPTIONAL_LOOKUPS = frozenset({"first", "last", "one_or_none", "scalar_one_or_none"})
#: Name prefixes of calls that verify an input: ``if not totp.verify(code):`` is a failed check.
VERIFICATION_PREFIXES = ("verify", "validate", "check", "is_valid", "authenticate")
#: Name prefixes of questions, whose ``True`` or ``False`` is the answer, not an outcome.
PREDICATE_PREFIXES = (
    "is_", "has_", "can_", "should_", "may_", "needs_", "check", "validate", "verify", "exists", "contains", "allows",
)  # fmt: skip
#: Methods that write to a database or a store: a member that calls one does work.
WRITE_METHODS = frozenset(
    {
        "save", "update", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create",
        "insert", "execute", "commit", "flush", "add", "remove", "set", "publish", "send",
    }
)  # fmt: skip


@dataclass
class Member:
    """The failure facts of one member.

    ``raised`` holds only the member's own ``raise`` statements, while ``raises`` and
    ``raises_on_missing`` count the sibling members it calls too.
    """

    node: Method
    #: Exception names by kind (``own``, ``builtin``, ``http``), in source order.
    raised: dict[str, list[str]] = field(default_factory=dict)
    calls: set[str] = field(default_factory=set)
    raises: bool = False
    raises_on_missing: bool = False


def member_facts(nodes: Sequence[Method], qualify: Qualify, through_self: bool) -> dict[str, Member]:
    """Return the facts of each of ``nodes`` by name, following calls between them.

    ``through_self`` follows ``self.name()`` calls (the methods of a class), otherwise
    plain ``name()`` calls (the functions of a module).
    """
    members = {node.name: _direct_facts(node, qualify, through_self) for node in nodes}
    changed = True
    while changed:
        changed = False
        for member in members.values():
            callees = [members[name] for name in member.calls if name in members and name != member.node.name]
            raises = member.raises or any(callee.raises for callee in callees)
            missing = member.raises_on_missing or any(callee.raises_on_missing for callee in callees)
            if (raises, missing) != (member.raises, member.raises_on_missing):
                member.raises, member.raises_on_missing = raises, missing
                changed = True
    return members


def module_facts(tree: ast.Module, qualify: Qualify) -> dict[Method, Member]:
    """Return the facts of every module-level function of ``tree``, by node."""
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not is_overload(node)]
    return {member.node: member for member in member_facts(functions, qualify, through_self=False).values()}


def _direct_facts(node: Method, qualify: Qualify, through_self: bool) -> Member:
    member = Member(node)
    nodes = list(scope_nodes(node.body))
    looked_up = _looked_up(nodes)
    for child in nodes:
        if isinstance(child, ast.Raise) and child.exc is not None:
            member.raises = True
            kind, name = exception_kind(child.exc, qualify)
            if kind is not None:
                member.raised.setdefault(kind, []).append(name)
        elif isinstance(child, ast.Call):
            func = child.func
            if through_self and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                member.calls.add(func.attr)
            elif not through_self and isinstance(func, ast.Name):
                member.calls.add(func.id)
            if _raising_lookup(func):
                member.raises = member.raises_on_missing = True
            qualified = qualify(func)
            if qualified is not None and qualified in HTTP_RAISING_CALLS:
                member.raises = True
                function = qualified.rpartition(".")[2]
                member.raised.setdefault("http", []).append(f"{HTTP_RAISING_CALLS[qualified]} from {function}()")
        elif isinstance(child, ast.If) and _tests_missing(child.test, looked_up) and _raises(child.body):
            member.raises_on_missing = True
        elif isinstance(child, ast.ExceptHandler) and _catches_missing(child) and _raises(child.body):
            member.raises_on_missing = True
    return member


def _raising_lookup(func: ast.expr) -> bool:
    """Return True for a look-up that raises when nothing matches: Django's ``Order.objects.get()``,
    SQLAlchemy's ``result.one()``, ``scalar_one()`` and ``session.get_one()``."""
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in RAISING_LOOKUPS:
        return True
    return func.attr == "get" and isinstance(func.value, ast.Attribute) and func.value.attr == "objects"


def exception_kind(exc: ast.expr, qualify: Qualify) -> tuple[str | None, str]:
    """Return the kind of a raised exception and its name as written.

    ``"http"``: an exception of a web framework (:data:`HTTP_PACKAGES`). ``"builtin"``: one
    of :data:`BUSINESS_BUILTINS`. ``"own"``: any other class, such as the project's
    ``CartError``. None for a programming error (``TypeError``), a re-raised variable or an
    expression the module does not name.
    """
    target = exc.func if isinstance(exc, ast.Call) else exc
    name = name_of(target)
    if not name[:1].isupper():
        return None, name
    qualified = qualify(target)
    if qualified is not None and any(qualified == p or qualified.startswith(p + ".") for p in HTTP_PACKAGES):
        return "http", name
    if qualified is None and isinstance(target, ast.Name) and is_builtin_exception(name):
        return ("builtin" if name in BUSINESS_BUILTINS else None), name
    return "own", name


def is_builtin_exception(name: str) -> bool:
    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)


def _looked_up(nodes: Sequence[ast.AST]) -> set[str]:
    """Return the names bound to the result of a call, awaited or not: ``order = Order.objects.first()``."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(value, ast.Call):
                names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def _tests_missing(test: ast.expr, looked_up: set[str]) -> bool:
    """Return True for ``x is None`` and ``not x`` on a name bound to a look-up's result."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Name) and test.operand.id in looked_up
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and isinstance(test.left, ast.Name)
        and test.left.id in looked_up
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    )


def _catches_missing(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return False
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(name_of(node).endswith(MISSING_ERRORS) for node in caught)


def name_of(node: ast.expr) -> str:
    """Return ``DoesNotExist`` for ``DoesNotExist`` or ``Order.DoesNotExist``, else ``""``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _raises(body: list[ast.stmt]) -> bool:
    return any(isinstance(node, ast.Raise) for node in scope_nodes(body))


def _returns_nothing(body: list[ast.stmt]) -> bool:
    last = body[-1] if body else None
    return isinstance(last, ast.Return) and (last.value is None or (isinstance(last.value, ast.Constant) and last.value.value is None))


def returns_none_when_missing(node: Method) -> bool:
    """Return True when a member that does work returns ``None`` for an object it did not find.

    The look-up ends in ``if customer is None: return None`` (or ``if not customer``) or in an
    ``except ...DoesNotExist:`` handler that returns ``None``, another return gives a value,
    and the member writes something (an attribute, a ``save()``). A finder that only looks
    the object up and returns it has ``None`` for "not found" as its documented result.
    """
    nodes = list(scope_nodes(node.body))
    return _returns_none_for_missing(nodes) and _returns_value(nodes) and does_work(nodes)


def _returns_none_for_missing(nodes: Sequence[ast.AST]) -> bool:
    """Return True for ``if order is None: return None`` or an ``except ...DoesNotExist:`` handler that returns ``None``."""
    looked_up = _looked_up(nodes)
    return any(
        (isinstance(child, ast.If) and _tests_missing(child.test, looked_up) and _returns_nothing(child.body))
        or (isinstance(child, ast.ExceptHandler) and _catches_missing(child) and _returns_nothing(child.body))
        for child in nodes
    )


def _returns_value(nodes: Sequence[ast.AST]) -> bool:
    return any(
        isinstance(child, ast.Return) and child.value is not None and not (isinstance(child.value, ast.Constant) and child.value.value is None)
        for child in nodes
    )


def returns_optional_lookup(node: Method) -> bool:
    """Return True when a member returns what a look-up found, or ``None`` when it found nothing.

    It returns a look-up that gives ``None`` for no match (``Invitation.objects.filter(...).first()``,
    SQLAlchemy's ``one_or_none()``, ``scalar_one_or_none()``, ``session.get()``), awaited or
    not, or ends a look-up in ``if invitation is None: return None`` or in an
    ``except ...DoesNotExist:`` handler that returns ``None``.
    """
    nodes = list(scope_nodes(node.body))
    for child in nodes:
        if isinstance(child, ast.Return) and child.value is not None:
            value = child.value.value if isinstance(child.value, ast.Await) else child.value
            if isinstance(value, ast.Call) and _optional_lookup(value.func):
                return True
    return _returns_none_for_missing(nodes)


def _optional_lookup(func: ast.expr) -> bool:
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in OPTIONAL_LOOKUPS:
        return True
    return func.attr == "get" and name_of(func.value).lower().endswith("session")


def verb_of(name: str) -> str:
    """Return the first word of a snake_case name: ``get`` for ``get_open_invitation``."""
    return name.lstrip("_").partition("_")[0]


def returns_none_on_failed_check(node: Method) -> bool:
    """Return True when a member that does work returns ``None`` from an ``if`` that reports a failure.

    The ``if`` body logs before it returns ``None`` (``logger.info("wrong code ...")``,
    ``logger.debug()`` aside), or its test is a failed verification
    (``if not totp.verify(code):``). Another return of the member gives a value, so
    ``None`` is its failure, where siblings raise.
    """
    nodes = list(scope_nodes(node.body))
    failed = any(
        isinstance(child, ast.If)
        and _returns_nothing(child.body)
        and (any(isinstance(s, ast.Expr) and _logs(s.value) and not _debug(s.value) for s in child.body[:-1]) or _failed_verification(child.test))
        for child in nodes
    )
    return failed and _returns_value(nodes) and does_work(nodes)


def _debug(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "debug"


def _failed_verification(test: ast.expr) -> bool:
    """Return True for ``not totp.verify(code)`` and ``not is_valid(token)``."""
    if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
        return False
    call = test.operand.value if isinstance(test.operand, ast.Await) else test.operand
    if not isinstance(call, ast.Call):
        return False
    name = name_of(call.func)
    return name.startswith(VERIFICATION_PREFIXES)


def does_work(nodes: Sequence[ast.AST]) -> bool:
    """Return True when the nodes assign to an attribute or an item, call a write such as
    ``save()``, or call something only for its effect (a call statement other than logging)."""
    for child in nodes:
        if isinstance(child, ast.Expr) and isinstance(child.value, (ast.Call, ast.Await)) and not _logs(child.value):
            return True
        if isinstance(child, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            if any(isinstance(target, (ast.Attribute, ast.Subscript)) for target in targets):
                return True
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr in WRITE_METHODS:
            return True
    return False


def _logs(value: ast.expr) -> bool:
    """Return True for ``logger.warning(...)``, ``logging.info(...)``, ``print(...)`` and ``warnings.warn(...)``."""
    call = value.value if isinstance(value, ast.Await) else value
    if not isinstance(call, ast.Call):
        return False
    root = call.func
    while isinstance(root, ast.Attribute):
        root = root.value
    name = root.id.lower() if isinstance(root, ast.Name) else ""
    return "log" in name or name in ("print", "warnings")


def returns_flag(node: Method) -> bool:
    """Return True when a member that does work returns only ``True`` or ``False``: whether it worked.

    Every returned value is a ``bool`` constant, a ``bool(...)`` call, a comparison or a
    ``not``, or the member is annotated ``-> bool``. A member named as a question
    (``is_active()``, ``can_cancel()``, ``exists()``) returns the answer, and is left out.
    """
    if node.name.lstrip("_").startswith(PREDICATE_PREFIXES):
        return False
    nodes = list(scope_nodes(node.body))
    values = [child.value for child in nodes if isinstance(child, ast.Return) and child.value is not None]
    annotated = isinstance(node.returns, ast.Name) and node.returns.id == "bool"
    if not values or not (annotated or all(_is_flag(value) for value in values)):
        return False
    return does_work(nodes)


def returns_created_flag(values: Sequence[ast.expr]) -> bool:
    """Return True for pairs such as Django's ``get_or_create()`` result, ``(user, True)``:
    each one's second element is ``True`` or ``False`` and no element is ``None`` or text."""
    for value in values:
        if not (isinstance(value, ast.Tuple) and len(value.elts) == 2):
            return False
        first, second = value.elts
        if not (isinstance(second, ast.Constant) and isinstance(second.value, bool)):
            return False
        if isinstance(first, ast.JoinedStr) or (isinstance(first, ast.Constant) and (first.value is None or isinstance(first.value, str))):
            return False
    return bool(values)


def _is_flag(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bool)
    if isinstance(value, ast.Call):
        return isinstance(value.func, ast.Name) and value.func.id == "bool"
    return isinstance(value, ast.Compare) or (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not))


def unique(names: Sequence[str]) -> list[str]:
    """Return ``names`` without repeats, in first-seen order."""
    return list(dict.fromkeys(names))


def qualifier(imports: Mapping[str, str]) -> Qualify:
    """Return a :data:`Qualify` that resolves names through ``imports`` alone, for another module."""

    def qualify(node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    return qualify
