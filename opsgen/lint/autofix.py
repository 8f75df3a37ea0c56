"""Write the safe autofixes with LibCST: defer a side-effect call until after commit.

Only a call that is a statement of its own is rewritten, so its result is not used. The
rule marks it safe only when no ``raise`` follows in the same transaction, because a
deferred call is dropped with the rollback that the code raises on purpose. The call
``send(a, b=1)`` becomes ``transaction.on_commit(partial(send, a, b=1))``, with the
``using=`` of the enclosing ``atomic()``, or ``ctx.after_commit(partial(send, a, b=1))``
in an opsgen operation. Missing imports are added after the module's last top-level import.

LibCST is imported only here, so detection never pays for it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from opsgen.lint.rule import Fix


@dataclass(frozen=True)
class FixResult:
    source: str
    applied: int


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


class _Deferrer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, fixes: Sequence[Fix], wrapper_for: dict[str, str], partial_name: str) -> None:
        super().__init__()
        self.wanted = {(fix.line, fix.column): fix for fix in fixes}
        self.lines = {fix.line: fix for fix in fixes}
        self.wrapper_for = wrapper_for
        self.partial_name = partial_name
        self.applied = 0

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr) -> cst.BaseSmallStatement:
        call = updated.value
        if not isinstance(call, cst.Call):
            return updated
        position = self.get_metadata(PositionProvider, original.value).start
        fix = self.wanted.get((position.line, position.column)) or self.lines.get(position.line)
        if fix is None:
            return updated
        self.wanted.pop((fix.line, fix.column), None)
        self.lines.pop(fix.line, None)

        partial_args = [cst.Arg(call.func), *call.args]
        partial_args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in partial_args]
        partial_call = cst.Call(func=cst.parse_expression(self.partial_name), args=partial_args)
        if fix.style == "opsgen":
            wrapper = f"{fix.using or 'ctx'}.after_commit"
            arguments = [cst.Arg(partial_call)]
        else:
            wrapper = self.wrapper_for["django"]
            arguments = [cst.Arg(partial_call)]
            if fix.using:
                no_space = cst.SimpleWhitespace("")
                arguments.append(
                    cst.Arg(
                        cst.parse_expression(fix.using[1:]) if fix.using.startswith("=") else cst.SimpleString(json.dumps(fix.using)),
                        keyword=cst.Name("using"),
                        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
                    )
                )
        self.applied += 1
        return updated.with_changes(value=cst.Call(func=cst.parse_expression(wrapper), args=arguments))


def apply_fixes(source: str, fixes: Sequence[Fix]) -> FixResult:
    """Return ``source`` with ``fixes`` applied, and how many were."""
    if not fixes:
        return FixResult(source, 0)
    module = cst.parse_module(source)
    names = _bound_names(module)
    imports: list[str] = []
    partial_name, partial_import = _reference(names, "functools.partial", "functools", "partial")
    on_commit, on_commit_import = _reference(names, "django.db.transaction.on_commit", "django.db", "transaction")
    if on_commit_import is not None:
        on_commit = f"{on_commit}.on_commit"

    transformer = _Deferrer(fixes, {"django": on_commit}, partial_name)
    updated = MetadataWrapper(module).visit(transformer)
    if transformer.applied == 0:
        return FixResult(source, 0)
    if partial_import:
        imports.append(partial_import)
    if on_commit_import and any(fix.style == "django" for fix in fixes):
        imports.append(on_commit_import)
    return FixResult(_add_imports(updated, imports).code, transformer.applied)


def _add_imports(module: cst.Module, lines: Sequence[str]) -> cst.Module:
    if not lines:
        return module
    statements = [cst.parse_statement(line + "\n") for line in lines]
    body = list(module.body)
    position = 0
    for number, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            position = number + 1
        elif number == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr):
            position = 1  # after the module docstring
        elif position:
            break
    body[position:position] = statements
    return module.with_changes(body=body)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}")
    )
