"""The rule API: what a rule file in ``lint_rules/`` defines and what it is given.

A rule is a subclass of :class:`Rule` in its own file. It declares its code, its kind,
a ``MESSAGE`` that begins with the code and ends with the remedy, and ``VALID`` and
``INVALID`` examples that are both documentation and tests. The engine calls
:meth:`Rule.check` once per module with a :class:`ModuleContext`, which gives the module's
summary, its syntax tree, the project index and the interprocedural analysis. A rule
keeps no state between calls: everything it needs comes from the context.

See ``docs/lint.md`` ("Writing a rule") for a worked example.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from opsgen.lint.analysis import Analysis, Hop, Transaction
from opsgen.lint.config import LintConfig
from opsgen.lint.summary import FunctionSummary, ModuleSummary

if TYPE_CHECKING:
    from opsgen.lint.index import ProjectIndex

__all__ = [
    "Example",
    "Finding",
    "Fix",
    "Hop",
    "ModuleContext",
    "Rule",
    "Transaction",
    "walk_scope",
]


@dataclass(frozen=True)
class Fix:
    """An autofix the rule judged safe, which :mod:`opsgen.lint.autofix` writes with LibCST.

    ``kind`` ``"defer"`` wraps the call statement at ``line``/``column`` in
    ``transaction.on_commit(partial(...))`` (``style`` ``"django"``, carrying ``using``:
    a database alias, or ``"=name"`` for an alias held in a variable)
    or ``<context>.after_commit(partial(...))`` (``style`` ``"opsgen"``, ``using`` then
    holds the context parameter's name).

    ``kind`` ``"move"`` (``style`` ``"sqlalchemy"``) moves the call statement to just after
    the commit: after the ``<session>.commit()`` that follows it in the same block, where
    ``using`` is the session's text (``db.session``), or after the ``with session.begin():``
    block that starts at ``block_line`` and ends with the call.
    """

    kind: Literal["defer", "move"]
    line: int
    column: int
    style: Literal["django", "opsgen", "sqlalchemy"]
    using: str | None = None
    block_line: int | None = None


@dataclass(frozen=True)
class Finding:
    """One fault at ``path:line:column`` (line 1-based, column 0-based as in ``ast``).

    ``via`` is the chain from the reported call to the side effect it leads to, one hop
    per step, for a finding whose fault sits in another function. ``no_fix_reason`` is
    the reason a rule that writes fixes offers none for this finding.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    via: tuple[Hop, ...] = ()
    fix: Fix | None = None
    no_fix_reason: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        # The message breaks ties, so that two findings at one place keep one order on every run.
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class Example:
    """A source snippet for a rule's ``VALID`` or ``INVALID`` list.

    In an invalid example, each line that must get a finding ends with a comment naming the
    rule's code (``send_mail(...)  # OPS101``). ``files`` adds other modules of the same
    example project (path relative to the root -> source; a ``pyproject.toml`` there is
    read as the project's settings), ``config`` is a ``[tool.opsgen.lint]`` table used
    when ``files`` has no ``pyproject.toml``, and ``fixed``, when set, is the source after the autofix
    (compared with the ``# <code>`` markers removed).
    """

    code: str
    files: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    path: str = "example.py"
    fixed: str | None = None


class Rule:
    """Base class of a lint rule. Subclasses set the class attributes and :meth:`check`.

    The class docstring is the rule's documentation, in four sections: what it does, why
    it is bad, an example and what to use instead.
    """

    #: "OPS101": the family digit, then two digits.
    code: ClassVar[str]
    #: The kind of fault in kebab case, such as "side-effect-in-transaction".
    name: ClassVar[str]
    #: Starts with the code, ends with the remedy; may hold ``str.format`` fields.
    MESSAGE: ClassVar[str]
    VALID: ClassVar[Sequence[Example | str]] = ()
    INVALID: ClassVar[Sequence[Example | str]] = ()
    #: "module" when findings depend only on the file itself, so the engine may cache them
    #: by file hash, and on the other files read through ``ModuleContext.project_tree()``,
    #: whose hashes are stored with them. "project" when they read the index or the analysis
    #: otherwise.
    scope: ClassVar[Literal["module", "project"]] = "project"
    #: True for a project rule whose findings in a module depend only on that module, the
    #: declarations of the others and the functions linked to it by calls, up or down. It
    #: must read those functions only through the analysis facts that
    #: :mod:`opsgen.lint.call_facts` compares (chains to a side effect, write counts,
    #: transactions, session commits, call edges). The engine then re-checks a module only
    #: when a file on those call chains changed those facts.
    follows_calls: ClassVar[bool] = False

    def check(self, module: ModuleContext) -> Iterable[Finding]:
        """Yield the findings of this rule in ``module``."""
        raise NotImplementedError

    @classmethod
    def summary_line(cls) -> str:
        """Return the first line of the rule's docstring."""
        return (cls.__doc__ or cls.name).strip().splitlines()[0]


class ModuleContext:
    """A rule's view of one module: its summary and tree, the project, the analysis."""

    def __init__(self, index: ProjectIndex, summary: ModuleSummary) -> None:
        self.index = index
        self.summary = summary
        self.path = summary.path
        self._source: str | None = None
        #: Other files whose source a module-scope rule read, such as the models module
        #: that declares a model's constraints. Its findings are reused only while they
        #: are unchanged.
        self.read_paths: set[str] = set()

    def project_tree(self, path: str) -> ast.Module | None:
        """Return the syntax tree of another project file, noting that the findings depend on it."""
        self.read_paths.add(path)
        return self.index.tree(path)

    @property
    def config(self) -> LintConfig:
        return self.index.config

    @property
    def analysis(self) -> Analysis:
        return self.index.analysis

    @property
    def relative_path(self) -> str:
        return self.index.relative(self.path)

    @property
    def tree(self) -> ast.Module:
        """The module's syntax tree (parsed on first use when the summary came from the cache)."""
        tree = self.index.tree(self.path)
        if tree is None:
            return ast.Module(body=[], type_ignores=[])
        return tree

    @property
    def source(self) -> str:
        if self._source is None:
            self._source = Path(self.path).read_text(encoding="utf-8", errors="replace")
        return self._source

    def finding(
        self,
        code: str,
        message: str,
        line: int,
        column: int = 0,
        via: Sequence[Hop] = (),
        fix: Fix | None = None,
        no_fix_reason: str | None = None,
    ) -> Finding:
        return Finding(self.path, line, column, code, message, tuple(via), fix, no_fix_reason)

    def functions(self) -> Iterator[FunctionSummary]:
        """Yield the module's functions, the module body itself (``<module>``) included."""
        yield from self.summary.functions.values()

    def function_at(self, line: int) -> FunctionSummary | None:
        """Return the innermost function (not the module body) whose lines contain ``line``."""
        best: FunctionSummary | None = None
        for function in self.summary.functions.values():
            if function.name == "<module>" or not function.line <= line <= function.end_line:
                continue
            if best is None or function.line >= best.line:
                best = function
        return best

    def qualify(self, node: ast.expr) -> str | None:
        """Return the qualified name of a Name/Attribute chain through the module's imports.

        Only module-level names resolve here (imports, top-level functions and classes);
        the summary's calls carry names resolved through local scopes as well.
        """
        if isinstance(node, ast.Name):
            if node.id in self.summary.imports:
                return self.summary.imports[node.id]
            own = f"{self.summary.module}.{node.id}"
            if own in self.summary.functions or own in self.summary.classes:
                return own
            return None
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def transaction_at(self, line: int) -> Transaction | None:
        """Return the transaction code at ``line`` runs in, counting its callers', or None.

        A block of the enclosing function comes first, then a whole-function context. Last,
        when a caller up the chain has a transaction open, a ``possible`` one says so.
        """
        function = self.function_at(line)
        if function is None:
            return None
        for index in range(len(function.transactions) - 1, -1, -1):
            block = self.analysis.open_block(function, index)
            if block is not None and block.line <= line <= block.end_line:
                inner = self.analysis.project_openers.opened_block(self.analysis.canonical(block.name)) if block.name else None
                if inner is not None and block.name:
                    where = f"{'loop' if block.loop else 'block'} at line {block.line}"
                    return self.analysis.opener_transaction(block.name, inner, where, block.line, block.end_line)
                reason = f"the {block.name or block.kind} block at line {block.line}"
                style = {"atomic": "django", "session": "sqlalchemy", "savepoint": "sqlalchemy"}.get(block.kind, "other")
                return Transaction(reason, block.line, style, block.using, block.end_line)
        context = self.analysis.context(function)
        if context is not None:
            return context
        if self.analysis.in_transaction_somewhere(function.qualname):
            return Transaction("a caller's transaction", function.line, "other", possible=True)
        return None


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Yield ``node``'s descendants that run with it: not the bodies of nested defs,
    lambdas or classes (their decorators and default values do run, and are yielded)."""
    pending = deque(ast.iter_child_nodes(node))
    while pending:
        child = pending.popleft()
        yield child
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pending.extend(child.decorator_list)
            pending.extend(d for d in [*child.args.defaults, *child.args.kw_defaults] if d is not None)
            continue
        if isinstance(child, ast.Lambda):
            pending.extend(child.args.defaults)
            continue
        if isinstance(child, ast.ClassDef):
            pending.extend([*child.bases, *child.decorator_list])
            continue
        pending.extend(ast.iter_child_nodes(child))
