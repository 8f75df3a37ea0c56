"""Plan the SQLAlchemy autofix: move a side-effect call to just after the commit.

SQLAlchemy has no ``on_commit()`` that the fix could wrap a call in, so the fix moves
the call statement instead, in two shapes:

* the session's implicit transaction: the call, then later in the same block
  ``<session>.commit()`` (or ``await <session>.commit()``). The call goes right after
  that commit;
* the last statement of an outermost ``with <session>.begin():`` block, which commits
  when it ends. The call goes right after the ``with`` statement.

A moved call runs only once the commit has succeeded, which is the point of the fix,
so an exception raised between the call and the commit (a failed ``flush()``) now
suppresses it. The plan is rejected, with the reason, when:

* a statement between the call and the commit contains ``return``, ``break``,
  ``continue``, ``raise`` or ``yield``. The original code sent the effect on such a
  path, and the moved call would not run there;
* a statement in between commits, rolls back or closes the session;
* a statement in between rebinds, or stores to an attribute or item of, a name that the
  callee or an argument passed as a plain name uses;
* an argument contains a ``lambda``, whose body would read its variables after the commit.

Every other argument that is not a constant, a plain name or an attribute of an
imported name (``ride.id``, ``{"id": ride.id}``, ``payload()``) is bound to a new local
variable where the call was, so it is computed at the same point as before: the commit
expires the session's instances, and reading ``ride.id`` after it would load the row
again in a new transaction. An attribute of a name that a top-level import binds
(``settings.SLACK_HOOK``, ``config.ERP_URL``) is read after the commit as it was before,
because a commit expires session instances and not modules or settings objects, so it
stays in the call, unless a statement in between stores to it.

NOTE: a local variable that shadows a top-level import (``settings = load()`` in the
function) is taken for the import, so its attributes are read after the commit too.
An object passed as a plain name is the same object after the commit. A method
call between the call and the commit that mutates it (``payload.update(...)``), or a
callee that reads attributes of an expired instance passed to it, is not detected, as
with the ``on_commit`` fix.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from opsgen.lint.cst_names import names_in, stored_names

SESSION_ENDS = ("commit", "rollback", "close")
_code = cst.Module(body=[]).code_for_node


@dataclass(frozen=True)
class Move:
    """A planned move: the call's statement line, what replaces it, and where the call goes."""

    source: cst.SimpleStatementLine
    bindings: tuple[cst.SimpleStatementLine, ...]
    anchor: cst.BaseStatement  # the call goes right after this statement
    moved: cst.SimpleStatementLine


def plan_move(
    call: cst.Call,
    line: cst.SimpleStatementLine,
    parent_of: Callable[[cst.CSTNode], cst.CSTNode],
    line_of: Callable[[cst.CSTNode], int],
    session: str | None,
    block_line: int | None,
    taken: set[str],
    imported: frozenset[str] = frozenset(),
) -> Move | str:
    """Return the move of the call statement ``line`` to after its commit, or why there is none.

    ``session`` names the session of an implicit transaction; ``block_line`` is the first
    line of the ``with <session>.begin():`` block otherwise. ``taken`` contains the names
    already used in the module; the new variables' names are added to it. ``imported``
    contains the names that the module's top-level imports bind.
    """
    container = parent_of(line)
    if not isinstance(container, (cst.IndentedBlock, cst.Module)):
        return "the call is not a statement of its own block"
    body = list(container.body)
    position = next(index for index, statement in enumerate(body) if statement is line)

    if block_line is not None:
        owner = parent_of(container)
        if not (isinstance(owner, cst.With) and line_of(owner) == block_line):
            return "the call is not directly inside the with session.begin(): block"
        if not _begins(owner):
            # ``with Session(engine) as session, session.begin():`` also closes the session
            # when it ends, so the moved call would run after the other items exit too.
            others = [_code(item.item) for item in owner.items if not _is_begin(item.item)]
            exit_verb = "exits" if len(others) == 1 else "exit"
            return (
                f"the with statement also enters {', '.join(others)}, which {exit_verb} before a call moved "
                "after the statement would run, so the autofix leaves the move to a person"
            )
        if position != len(body) - 1:
            return "the call is not the last statement of the with session.begin(): block, and only a trailing call is moved"
        if position == 0:
            return "the call is the only statement of the with session.begin(): block"
        anchor: cst.BaseStatement = owner
        between: list[cst.BaseStatement] = []
    else:
        assert session is not None
        commit = next((index for index in range(position + 1, len(body)) if _is_commit(body[index], session)), None)
        if commit is None:
            return f"no {session}.commit() follows the call in the same block"
        anchor = body[commit]
        between = body[position + 1 : commit]
        for statement in between:
            reason = _leaves_early(statement, session, line_of)
            if reason is not None:
                return reason

    return _build(call, line, anchor, between, taken, imported)


def _build(
    call: cst.Call,
    line: cst.SimpleStatementLine,
    anchor: cst.BaseStatement,
    between: Sequence[cst.BaseStatement],
    taken: set[str],
    imported: frozenset[str],
) -> Move | str:
    """Bind the arguments that must be computed before the commit, and build the moved call."""
    changed: set[str] = set()
    for statement in between:
        changed |= stored_names(statement)
    callee_names = names_in(call.func)
    if callee_names & changed:
        return f"a statement between the call and the commit changes {', '.join(sorted(callee_names & changed))}"

    callee = _code(call.func).rpartition(".")[2].strip() or "call"
    bindings: list[cst.SimpleStatementLine] = []
    arguments: list[cst.Arg] = []
    for position, argument in enumerate(call.args, start=1):
        if _has_lambda(argument.value):
            return "an argument contains a lambda, whose body would read its variables after the commit"
        hint = argument.keyword.value if argument.keyword is not None else f"{callee}_arg{position}"
        value, reason = _bound(argument.value, hint, _Scope(changed, bindings, taken, imported))
        if reason is not None:
            return reason
        arguments.append(argument.with_changes(value=value))

    moved_call = call.with_changes(args=arguments)
    expression = line.body[0]
    assert isinstance(expression, cst.Expr)
    moved = line.with_changes(body=[expression.with_changes(value=moved_call)])
    if bindings:
        bindings[0] = bindings[0].with_changes(leading_lines=line.leading_lines)
        moved = moved.with_changes(leading_lines=())
    return Move(line, tuple(bindings), anchor, moved)


@dataclass(frozen=True)
class _Scope:
    """The state of binding one call's arguments: the names changed between the call and
    the commit, the bindings made so far, the names taken in the module and those that
    imports bind."""

    changed: set[str]
    bindings: list[cst.SimpleStatementLine]
    taken: set[str]
    imported: frozenset[str]


def _bound(value: cst.BaseExpression, hint: str, scope: _Scope) -> tuple[cst.BaseExpression, str | None]:
    """Return ``value`` with its parts computed before the commit replaced by new names."""
    if isinstance(value, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
        return value, None
    if isinstance(value, cst.ConcatenatedString) and not any(isinstance(n, cst.FormattedString) for n in _walk(value)):
        return value, None
    if isinstance(value, cst.Name):
        if value.value in scope.changed:
            return value, f"a statement between the call and the commit changes {value.value}"
        return value, None
    root = _imported_root(value, scope.imported)
    if root is not None and root not in scope.changed:
        return value, None
    if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        elements = []
        for element in value.elements:
            inner, reason = _bound(element.value, hint, scope)
            if reason is not None:
                return value, reason
            elements.append(element.with_changes(value=inner))
        return value.with_changes(elements=elements), None
    if isinstance(value, cst.Dict):
        items: list[cst.BaseDictElement] = []
        for item in value.elements:
            if isinstance(item, cst.DictElement):
                key, reason = _bound(item.key, hint, scope)
                if reason is None:
                    inner, reason = _bound(item.value, _key_hint(item.key) or hint, scope)
                if reason is not None:
                    return value, reason
                items.append(item.with_changes(key=key, value=inner))
            else:
                inner, reason = _bound(item.value, hint, scope)
                if reason is not None:
                    return value, reason
                items.append(item.with_changes(value=inner))
        return value.with_changes(elements=items), None

    name = _fresh_name(_attribute_hint(value) or hint, scope.taken)
    scope.bindings.append(cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=value)]))
    return cst.Name(name), None


def _imported_root(value: cst.BaseExpression, imported: frozenset[str]) -> str | None:
    """Return the first name of ``a.b.c`` when a top-level import binds it, else None."""
    if not isinstance(value, cst.Attribute):
        return None
    while isinstance(value, cst.Attribute):
        value = value.value
    return value.value if isinstance(value, cst.Name) and value.value in imported else None


def _attribute_hint(value: cst.BaseExpression) -> str | None:
    """Return ``ride_id`` for ``ride.id`` and ``customer_email`` for ``self.customer.email``."""
    parts: list[str] = []
    while isinstance(value, cst.Attribute):
        parts.append(value.attr.value)
        value = value.value
    if not parts or not isinstance(value, cst.Name):
        return None
    if value.value not in ("self", "cls"):
        parts.append(value.value)
    return "_".join(reversed(parts))


def _key_hint(key: cst.BaseExpression) -> str | None:
    """Return the text of a string dict key that makes a good variable name."""
    if isinstance(key, cst.SimpleString):
        text = key.evaluated_value
        if isinstance(text, str) and text.isidentifier():
            return text
    return None


def _fresh_name(hint: str, taken: set[str]) -> str:
    """Return a variable name from ``hint`` that no name of the module uses yet, and take it."""
    base = re.sub(r"\W", "_", hint).strip("_").lower() or "value"
    if base[0].isdigit():
        base = f"value_{base}"
    candidates = [base, f"{base}_value", *(f"{base}_value_{number}" for number in range(2, 100))]
    name = next(c for c in candidates if c not in taken and not keyword.iskeyword(c))
    taken.add(name)
    return name


def _begins(statement: cst.With) -> bool:
    """Return True for ``with <session>.begin():`` with that one item, which commits when it ends."""
    return len(statement.items) == 1 and _is_begin(statement.items[0].item)


def _is_begin(item: cst.BaseExpression) -> bool:
    """Return True for a ``<session>.begin()`` call."""
    return isinstance(item, cst.Call) and isinstance(item.func, cst.Attribute) and item.func.attr.value == "begin"


def _is_commit(statement: cst.BaseStatement, session: str) -> bool:
    """Return True for the statement ``<session>.commit()`` or ``await <session>.commit()``."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Expr):
        return False
    value = small.value.expression if isinstance(small.value, cst.Await) else small.value
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "commit"
        and _code(value.func.value) == session
    )


def _leaves_early(statement: cst.BaseStatement, session: str, line_of: Callable[[cst.CSTNode], int]) -> str | None:
    """Return why the code after ``statement`` might not reach the commit, or end the session first."""
    for node in _walk(statement):
        kind = {cst.Return: "return", cst.Raise: "raise", cst.Break: "break", cst.Continue: "continue", cst.Yield: "yield"}.get(type(node))
        if kind is not None:
            return f"the {kind} at line {line_of(node)} may skip the commit, on a path where the call ran before"
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in SESSION_ENDS:
            if _code(node.func.value) == session:
                return f"{session}.{node.func.attr.value}() at line {line_of(node)} runs between the call and the commit"
    return None


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Yield ``node`` and its descendants, without entering nested ``def``, ``class`` or ``lambda`` bodies."""
    yield node
    for child in node.children:
        if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        yield from _walk(child)


def _has_lambda(value: cst.BaseExpression) -> bool:
    return any(isinstance(child, cst.Lambda) for child in walk_all(value))


def walk_all(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Yield ``node`` and all its descendants."""
    yield node
    for child in node.children:
        yield from walk_all(child)
