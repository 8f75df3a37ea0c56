"""Write the safe autofixes with LibCST: defer a side-effect call until after commit.

In a SQLAlchemy transaction the call is moved to after the commit instead; that plan,
and the cases where it is not safe, are in :mod:`opsgen.lint.commit_move`.

The rule offers a fix only for a call whose result is not used and after which no
``raise`` follows in the same transaction, because a deferred call is dropped with the
rollback that the code raises on purpose. The call ``send(a, b=1)`` becomes
``transaction.on_commit(partial(send, a, b=1))``, with the ``using=`` of the enclosing
``atomic()``, or ``ctx.after_commit(partial(send, a, b=1))`` in an opsgen operation.

This module checks what the rule cannot see in the syntax and skips the fix, leaving the
finding in place, when any of these holds:

* no call starts exactly at the finding's line and column, or another call starts there
  too (``a().b()``), so the target is ambiguous;
* the call is not the whole expression statement;
* the statement shares its line with another statement (``a(); b()``, ``with x: a()``);
* the call already is, or sits inside, a deferral (``on_commit``, ``after_commit``,
  ``partial``), so a second run changes nothing;
* the call sits inside the body of a ``try`` of its function, whose handlers would no
  longer see the call's errors once it runs after commit;
* a later statement of the transaction block rebinds a name the call uses, or stores to
  an attribute or item of one (``msg.send()`` then ``msg.subject = "x"``), so the
  deferred call would see the later value. Inside a loop, every statement of the loop
  counts as later, because the next pass runs it again before the commit.

Missing imports go into their isort group (``functools`` with the standard library), and
a generated call longer than the project's line length (88 characters unless its Ruff,
Black or flake8 settings set another, see :mod:`opsgen.lint.line_length`) is split
over lines.

LibCST is imported only here and in the modules this one imports, so detection never
pays for it.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from opsgen.lint.commit_move import Move, plan_move, walk_all
from opsgen.lint.cst_names import names_in, stored_names
from opsgen.lint.line_length import DEFAULT_LINE_LENGTH
from opsgen.lint.rule import Fix

DEFERRALS = ("on_commit", "after_commit", "partial")


@dataclass(frozen=True)
class SkippedFix:
    """A fix left unapplied, with the reason; its finding stays."""

    fix: Fix
    reason: str


@dataclass(frozen=True)
class FixResult:
    source: str
    applied: int
    skipped: tuple[SkippedFix, ...] = field(default=())


def _bound_names(module: cst.Module) -> dict[str, str]:
    """Map names bound by top-level imports to what they import (``tx`` -> ``django.db.transaction``)."""
    names: dict[str, str] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                base = cst.helpers.get_full_name_for_node(small.module) or ""
                if isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    imported = cst.helpers.get_full_name_for_node(alias.name) or ""
                    local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else imported
                    names[local] = f"{base}.{imported}"
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    imported = cst.helpers.get_full_name_for_node(alias.name) or ""
                    if alias.asname and isinstance(alias.asname.name, cst.Name):
                        names[alias.asname.name.value] = imported
                    else:
                        names[imported.partition(".")[0]] = imported.partition(".")[0]
    return names


def _reference(names: dict[str, str], qualified: str, preferred_module: str, preferred_name: str) -> tuple[str, str | None]:
    """Return how to spell ``qualified`` here, and the import line to add when it is missing."""
    for local, target in names.items():
        if target == qualified:
            return local, None
    module, _, attribute = qualified.rpartition(".")
    for local, target in names.items():
        if target == module:
            return f"{local}.{attribute}", None
    local = preferred_name
    if local in names:
        local = f"{preferred_module.replace('.', '_')}_{preferred_name}"
        return local, f"from {preferred_module} import {preferred_name} as {local}"
    return local, f"from {preferred_module} import {preferred_name}"


def _is_atomic(statement: cst.With) -> bool:
    for item in statement.items:
        expression = item.item.func if isinstance(item.item, cst.Call) else item.item
        name = cst.helpers.get_full_name_for_node(expression) or ""
        if name.rpartition(".")[2] == "atomic":
            return True
    return False


def _with_targets(statement: cst.With) -> set[str]:
    """Return the names a with statement binds with ``as``."""
    found: set[str] = set()
    for item in statement.items:
        if item.asname is not None:
            found |= stored_names(cst.Assign(targets=[cst.AssignTarget(item.asname.name)], value=cst.Name("_")))
    return found


def _receiver_name(call: cst.Call) -> str | None:
    """Return ``smtp`` for ``smtp.sendmail(...)`` or ``smtp.conn.send(...)``; None for a plain function."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    inner: cst.BaseExpression = func.value
    while isinstance(inner, cst.Attribute):
        inner = inner.value
    return inner.value if isinstance(inner, cst.Name) else None


def _optional(name: str | None) -> set[str]:
    return set() if name is None else {name}


def _kept_objects(call: cst.Call) -> set[str]:
    """Return the names ``call`` passes as arguments themselves (``send(to, recipients)``),
    whose objects ``partial()`` keeps; ``order.pk`` is read now and is not one."""
    found: set[str] = set()
    for argument in call.args:
        value = argument.value
        elements = value.elements if isinstance(value, (cst.List, cst.Tuple, cst.Set)) else ()
        for item in (value, *(element.value for element in elements)):
            if isinstance(item, cst.Name):
                found.add(item.value)
    return found


def _method_receivers(node: cst.CSTNode) -> set[str]:
    """Return the names whose methods ``node`` calls (``smtp.quit()`` -> ``{smtp}``)."""
    found: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            receiver = _receiver_name(call)
            if receiver is not None:
                found.add(receiver)

    node.visit(Collector())
    return found


class _Deferrer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)

    def __init__(
        self, fixes: Sequence[Fix], wrapper_for: dict[str, str], partial_name: str, lines: Sequence[str], line_length: int
    ) -> None:
        super().__init__()
        self.line_length = line_length
        self.pending = {(fix.line, fix.column): fix for fix in fixes}
        self.wrapper_for = wrapper_for
        self.partial_name = partial_name
        self.source_lines = lines
        self.indents: list[str] = []
        self.default_indent = "    "
        self.replacements: dict[cst.Expr, cst.Expr] = {}
        self.targets: dict[cst.Expr, Fix] = {}
        self.module: cst.Module | None = None
        self.imported: set[str] = set()
        self.taken_names: set[str] | None = None  # every name of the module, collected for the first move
        self.moves: dict[cst.BaseStatement, Move] = {}  # the call's statement line -> its move
        self.moved_after: dict[cst.BaseStatement, list[Move]] = {}  # anchor statement -> the moves placed after it
        self.skipped: list[SkippedFix] = []
        self.applied = 0

    # Finding the targets (on the original tree, before anything changes).

    def _column(self, line: int, column: int) -> int:
        """Convert a character column to the UTF-8 byte column that ``ast`` reports."""
        text = self.source_lines[line - 1] if 0 < line <= len(self.source_lines) else ""
        return len(text[:column].encode("utf-8"))

    def visit_Module(self, module: cst.Module) -> None:
        self.default_indent = module.default_indent
        self.module = module
        self.imported = set(_bound_names(module))

    def visit_Call(self, call: cst.Call) -> None:
        start = self.get_metadata(PositionProvider, call).start
        key = (start.line, self._column(start.line, start.column))
        fix = self.pending.get(key)
        if fix is None:
            return
        del self.pending[key]
        if fix.kind == "move":
            self._plan_move(call, fix)
            return
        reason = self._unsafe(call)
        if reason is not None:
            self.skipped.append(SkippedFix(fix, reason))
            return
        statement = self.get_metadata(ParentNodeProvider, call)
        assert isinstance(statement, cst.Expr)
        self.targets[statement] = fix

    def _ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        while True:
            try:
                node = self.get_metadata(ParentNodeProvider, node)
            except KeyError:
                return
            yield node

    def _plan_move(self, call: cst.Call, fix: Fix) -> None:
        reason = self._statement_problem(call)
        if reason is None:
            if self.taken_names is None:
                assert self.module is not None
                self.taken_names = {node.value for node in walk_all(self.module) if isinstance(node, cst.Name)}
            expression = self.get_metadata(ParentNodeProvider, call)
            line = self.get_metadata(ParentNodeProvider, expression)
            assert isinstance(line, cst.SimpleStatementLine)
            planned = plan_move(
                call,
                line,
                lambda node: self.get_metadata(ParentNodeProvider, node),
                lambda node: self.get_metadata(PositionProvider, node).start.line,
                fix.using,
                fix.block_line,
                self.taken_names,
                frozenset(self.imported),
            )
            if isinstance(planned, str):
                reason = planned
            else:
                self.moves[planned.source] = planned
                self.moved_after.setdefault(planned.anchor, []).append(planned)
                self.applied += 1
                return
        self.skipped.append(SkippedFix(fix, reason))

    def _statement_problem(self, call: cst.Call) -> str | None:
        """Return why the call is not a statement of its own that a fix can rewrite, or None."""
        inner = call.func
        while isinstance(inner, (cst.Attribute, cst.Subscript)):
            inner = inner.value
        if isinstance(inner, cst.Call):
            return "another call starts at the same position"
        name = cst.helpers.get_full_name_for_node(call.func) or ""
        if name.rpartition(".")[2] in DEFERRALS:
            return "the call already defers"
        parent = self.get_metadata(ParentNodeProvider, call)
        if not isinstance(parent, cst.Expr):
            return "the call is not the whole statement"
        line = self.get_metadata(ParentNodeProvider, parent)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return "the statement shares its line with another statement"
        return None

    def _unsafe(self, call: cst.Call) -> str | None:
        problem = self._statement_problem(call)
        if problem is not None:
            return problem
        parent = self.get_metadata(ParentNodeProvider, call)
        line = self.get_metadata(ParentNodeProvider, parent)

        block: cst.BaseSuite | None = None
        loops: list[cst.CSTNode] = []
        closing: list[cst.With] = []
        child: cst.CSTNode = call
        for ancestor in self._ancestors(call):
            if isinstance(ancestor, cst.Call):
                callee = cst.helpers.get_full_name_for_node(ancestor.func) or ""
                if callee.rpartition(".")[2] in DEFERRALS:
                    return "the call already sits inside a deferral"
            if isinstance(ancestor, (cst.Try, cst.TryStar)) and child is ancestor.body:
                return "the call sits inside a try body whose handlers would miss its errors"
            if isinstance(ancestor, cst.With) and block is None:
                if _is_atomic(ancestor):
                    block = ancestor.body
                else:
                    closing.append(ancestor)
            if isinstance(ancestor, (cst.For, cst.While)) and block is None:
                loops.append(ancestor)
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                if block is None and isinstance(ancestor, cst.FunctionDef):
                    block = ancestor.body
                break
            child = ancestor
        if block is None:
            return None

        used = names_in(call)
        # A with statement between the call and the commit closes what it opened (an SMTP
        # connection, an HTTP session, a file) before the deferred call would run.
        for enclosing in closing:
            opened = sorted(used & _with_targets(enclosing))
            if opened:
                return f"the with statement at line {self._line(enclosing)} closes {', '.join(opened)} before the commit"
        after = self.get_metadata(PositionProvider, line).end.line
        changed: set[str] = set()
        for statement in self._statements_after(block, after):
            changed |= stored_names(statement)
        # The next pass of an enclosing loop runs the statements before the call again.
        for loop in loops:
            changed |= stored_names(loop)
        clash = sorted(used & changed)
        if clash:
            return f"a later statement changes {', '.join(clash)}"
        # smtp.sendmail(...) then smtp.quit(), or send_mail(..., recipients) then
        # recipients.clear(): partial() keeps the objects themselves, so the deferred call
        # would find them closed or changed. Imported modules and tasks (requests, mail,
        # send_receipt) hold no such state.
        kept = (_kept_objects(call) | _optional(_receiver_name(call))) - self.imported
        if kept:
            for later in self._statements_after(block, after):
                touched = sorted(kept & _method_receivers(later))
                if touched:
                    return (f"a later statement calls a method of {', '.join(touched)}, "
                            "which the deferred call would see changed or closed")
        return None

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _statements_after(self, node: cst.CSTNode, line: int) -> Iterator[cst.CSTNode]:
        """Yield the outermost statements inside ``node`` that start after ``line``."""
        for child in node.children:
            if isinstance(child, cst.BaseStatement):
                if self.get_metadata(PositionProvider, child).start.line > line:
                    yield child
                else:
                    yield from self._statements_after(child, line)
            elif not isinstance(child, cst.BaseExpression):
                yield from self._statements_after(child, line)

    # Rewriting.

    def visit_IndentedBlock(self, block: cst.IndentedBlock) -> None:
        self.indents.append(block.indent if block.indent is not None else self.default_indent)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self.indents.pop()
        return updated.with_changes(body=self._moved_body(original.body, updated.body))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._moved_body(original.body, updated.body))

    def _moved_body(self, original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """Return the statements of a block with the planned moves done: each moved call's
        bindings in its place, and the call after its commit."""
        body: list[cst.BaseStatement] = []
        for before, after in zip(original, updated):
            move = self.moves.get(before)
            if move is not None:
                body.extend(move.bindings)
            else:
                body.append(after)
            body.extend(planned.moved for planned in self.moved_after.get(before, ()))
        return body

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.Expr:
        fix = self.targets.get(original)
        if fix is None or not isinstance(updated.value, cst.Call):
            return updated
        self.applied += 1
        return updated.with_changes(value=self._deferred(updated.value, fix, "".join(self.indents)))

    def _deferred(self, call: cst.Call, fix: Fix, indent: str) -> cst.BaseExpression:
        code = cst.Module(body=[]).code_for_node
        partial_args = [code(call.func), *(code(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip() for arg in call.args)]
        if fix.style == "opsgen":
            wrapper = f"{fix.using or 'ctx'}.after_commit"
            extra: list[str] = []
        else:
            wrapper = self.wrapper_for["django"]
            extra = []
            if fix.using:
                extra.append(f"using={fix.using[1:] if fix.using.startswith('=') else json.dumps(fix.using)}")

        partial = f"{self.partial_name}({', '.join(partial_args)})"
        flat = f"{wrapper}({', '.join([partial, *extra])})"
        if "\n" not in flat and len(indent) + len(flat) <= self.line_length:
            return cst.parse_expression(flat)
        # LibCST indents continuation lines by the enclosing blocks itself.
        step = self.default_indent
        if "\n" not in partial and len(indent + step + partial) + 1 <= self.line_length:
            lines = [partial, *extra]
        else:
            arguments = "".join(f"{step}{step}{argument},\n" for argument in partial_args)
            lines = [f"{self.partial_name}(\n{arguments}{step})", *extra]
        body = "".join(f"{step}{line},\n" for line in lines)
        return cst.parse_expression(f"{wrapper}(\n{body})")


def apply_fixes(source: str, fixes: Sequence[Fix], line_length: int = DEFAULT_LINE_LENGTH) -> FixResult:
    """Return ``source`` with the safe ``fixes`` applied, how many were, and which were skipped and why.

    A generated call longer than ``line_length`` characters is split over lines.
    """
    if not fixes:
        return FixResult(source, 0)
    module = cst.parse_module(source)
    names = _bound_names(module)
    partial_name, partial_import = _reference(names, "functools.partial", "functools", "partial")
    on_commit, on_commit_import = _reference(names, "django.db.transaction.on_commit", "django.db", "transaction")
    if on_commit_import is not None:
        on_commit = f"{on_commit}.on_commit"

    transformer = _Deferrer(fixes, {"django": on_commit}, partial_name, source.splitlines(), line_length)
    updated = MetadataWrapper(module).visit(transformer)
    skipped = [*transformer.skipped, *(SkippedFix(fix, "no call starts at this position") for fix in transformer.pending.values())]
    if transformer.applied == 0:
        return FixResult(source, 0, tuple(skipped))
    imports: list[str] = []
    if partial_import and transformer.targets:
        imports.append(partial_import)
    if on_commit_import and any(fix.style == "django" for fix in transformer.targets.values()):
        imports.append(on_commit_import)
    for line in imports:
        updated = _add_import(updated, line)
    return FixResult(updated.code, transformer.applied, tuple(skipped))


def _import_module(statement: cst.BaseStatement) -> str | None:
    """Return the module a top-level import line imports, or None for any other statement."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return cst.helpers.get_full_name_for_node(small.names[0].name)
    if isinstance(small, cst.ImportFrom):
        if small.relative:
            return "." * len(small.relative)
        return cst.helpers.get_full_name_for_node(small.module) if small.module is not None else None
    return None


def _group(module: str) -> int:
    """Return the isort section of ``module``: 0 future, 1 standard library, 2 everything else."""
    top = module.partition(".")[0]
    if top == "__future__":
        return 0
    return 1 if top in _STDLIB else 2


def _sort_key(statement: cst.BaseStatement) -> tuple[int, str]:
    """Return the isort default order inside a section: ``import x`` lines, then ``from x import``."""
    assert isinstance(statement, cst.SimpleStatementLine)
    return (isinstance(statement.body[0], cst.ImportFrom), (_import_module(statement) or "").lower())


def _add_import(module: cst.Module, line: str) -> cst.Module:
    """Insert the import ``line`` at its isort place: its section, sorted, among the top imports."""
    new = cst.parse_statement(line + "\n")
    group = _group(_import_module(new) or "")
    body = list(module.body)

    start = 1 if body and _is_docstring(body[0]) else 0
    imports: list[int] = []
    for number in range(start, len(body)):
        if _import_module(body[number]) is None:
            break
        imports.append(number)
    same = [number for number in imports if _group(_import_module(body[number]) or "") == group]
    blank = cst.EmptyLine()

    def take_place(number: int, blank_after: bool) -> None:
        old = body[number]
        assert isinstance(old, cst.SimpleStatementLine)
        body[number] = old.with_changes(leading_lines=[blank] if blank_after else [])
        body.insert(number, new.with_changes(leading_lines=old.leading_lines))

    if same:
        for number in same:
            if _sort_key(body[number]) > _sort_key(new):
                take_place(number, blank_after=False)
                break
        else:
            body.insert(same[-1] + 1, new)
        return module.with_changes(body=body)
    later = [number for number in imports if _group(_import_module(body[number]) or "") > group]
    if later:
        take_place(later[0], blank_after=True)
    elif imports:
        body.insert(imports[-1] + 1, new.with_changes(leading_lines=[blank]))
    else:
        body.insert(start, new)
    return module.with_changes(body=body)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


_STDLIB: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    {"abc", "collections", "contextlib", "dataclasses", "functools", "json", "logging", "os", "re", "sys", "typing"}
)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    )
