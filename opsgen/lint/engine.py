"""Run the rules over a project: build the index, check each module, apply ``# noqa``.

Both runners use this module: ``opsgen lint`` checks every file under the given paths,
and the flake8 plugin checks one file at a time against an index built once per process.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from io import StringIO
from pathlib import Path

from opsgen.lint.config import LintConfig, find_project_root, is_project_root, load_config
from opsgen.lint.configured_names import check_configured_names
from opsgen.lint.incremental import finding_from_json, finding_to_json, forget_unchecked, plan_calls, store_checked
from opsgen.lint.index import ProjectIndex
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.summary import ModuleSummary

logger = logging.getLogger(__name__)

_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


@dataclass
class LintResult:
    findings: list[Finding]
    root: Path
    files: int
    parsed: int
    syntax_errors: list[str] = field(default_factory=list)
    #: Files under the linted paths that were not checked although they may parse, as
    #: ``path: reason`` with the path relative to the root: unreadable, not a regular file,
    #: larger than ``max-file-size``, or nested too deeply for the rules.
    unchecked: list[str] = field(default_factory=list)
    #: Other project files left out of the index, so calls into them are not followed.
    not_indexed: list[str] = field(default_factory=list)
    #: The index the findings came from, for the baseline's fingerprints.
    index: ProjectIndex | None = None


def noqa_codes(line: str) -> frozenset[str] | None:
    """Return the codes a ``# noqa`` comment on ``line`` names; an empty set means all codes.

    Returns None when the line has no ``# noqa`` comment.
    """
    if "noqa" not in line.lower():
        return None
    comment = _comment_of(line)
    if comment is None:
        return None
    return comment_noqa_codes(comment)


def comment_noqa_codes(comment: str) -> frozenset[str] | None:
    """Return the codes that the ``# noqa`` in a comment names, as :func:`noqa_codes` does."""
    match = _NOQA.search(comment)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(code.upper() for code in re.split(r"[,\s]+", codes) if code)


def _comment_of(line: str) -> str | None:
    """Return the comment on a physical line, ignoring ``#`` inside strings."""
    try:
        for token in tokenize.generate_tokens(StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        index = line.find("#")
        return line[index:] if index >= 0 else None
    return None


@dataclass(frozen=True)
class NoqaLines:
    """The place of the ``# noqa`` comment of each line of a module, as flake8 reads it.

    A string that spans lines, or a backslash at the end of a line, joins lines into one
    run. The only place for a comment in a run is the end of its last line, so a comment
    there covers every line of the run. Other lines, each line of a bracketed expression
    included, have their own comment.
    """

    run_ends: dict[int, int]  # a line inside a run -> the run's last line
    comments: dict[int, tuple[int, str]]  # line -> (column, text) of its comment

    @classmethod
    def read(cls, lines: Sequence[str]) -> NoqaLines | None:
        """Tokenize a module's ``lines``; return None when they do not tokenize."""
        text = "".join(line if line.endswith(("\n", "\r")) else f"{line}\n" for line in lines)
        run_ends: dict[int, int] = {}
        comments: dict[int, tuple[int, str]] = {}
        first, last = 0, 0
        try:
            for token in tokenize.generate_tokens(StringIO(text).readline):
                if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                    continue
                first = token.start[0] if not first else min(first, token.start[0])
                last = max(last, token.end[0])
                if token.type == tokenize.COMMENT:
                    comments[token.start[0]] = (token.start[1], token.string)
                elif token.type in (tokenize.NL, tokenize.NEWLINE):
                    run_ends.update(dict.fromkeys(range(first, last), last))
                    first, last = 0, 0
        except (tokenize.TokenError, IndentationError, SyntaxError):
            return None
        return cls(run_ends, comments)

    def comment_line(self, line: int) -> int:
        """Return the line whose comment covers ``line``."""
        return self.run_ends.get(line, line)

    def codes(self, line: int) -> frozenset[str] | None:
        """Return the codes of the ``# noqa`` comment that covers ``line``, as :func:`noqa_codes` does."""
        comment = self.comments.get(self.comment_line(line))
        return comment_noqa_codes(comment[1]) if comment is not None else None


def is_suppressed(finding: Finding, lines: Sequence[str], noqa_lines: NoqaLines | None = None) -> bool:
    """Return True when a ``# noqa`` comment names the finding's code, or all codes.

    With ``noqa_lines`` of the module, a comment at the end of a multi-line string or of
    backslash-joined lines covers all their lines. Without it, only the finding's own
    line is read.
    """
    if not 1 <= finding.line <= len(lines):
        return False
    codes = noqa_lines.codes(finding.line) if noqa_lines is not None else noqa_codes(lines[finding.line - 1])
    if codes is None:
        return False
    return not codes or any(finding.code.startswith(code) for code in codes)


def unsuppressed(findings: list[Finding], lines: Sequence[str]) -> list[Finding]:
    """Drop the ``findings`` of one module that its ``# noqa`` comments suppress."""
    if not any(_NOQA.search(line) for line in lines if "#" in line):
        return findings  # no comment to read, so no need to tokenize the module
    noqa_lines = NoqaLines.read(lines)
    return [f for f in findings if not is_suppressed(f, lines, noqa_lines)]


def check_module(
    index: ProjectIndex,
    summary: ModuleSummary,
    rules: Iterable[type[Rule]],
    lines: Sequence[str] | None = None,
    apply_noqa: bool = True,
) -> list[Finding]:
    """Run ``rules`` on one module; drop findings a ``# noqa`` comment suppresses."""
    if summary.syntax_error:
        return []
    context = ModuleContext(index, summary)
    project_rules, module_rules = _selected_rules(tuple(rules), index.config)
    findings: list[Finding] = []
    for rule_class in project_rules:
        findings.extend(rule_class().check(context))
    findings.extend(_module_scope_findings(index, summary, context, module_rules))
    if apply_noqa and findings:
        if lines is None:
            lines = context.source.splitlines()
        findings = unsuppressed(findings, lines)
    unique = {(f.line, f.column, f.code): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)


@lru_cache(maxsize=16)
def _selected_rules(rules: tuple[type[Rule], ...], config: LintConfig) -> tuple[tuple[type[Rule], ...], tuple[type[Rule], ...]]:
    """Return the rules that ``config`` selects: those of project scope, then those of module scope."""
    selected = [rule for rule in rules if config.wants(rule.code)]
    return tuple(r for r in selected if r.scope != "module"), tuple(r for r in selected if r.scope == "module")


@lru_cache(maxsize=16)
def rules_fingerprint(rules: tuple[type[Rule], ...], config: LintConfig) -> str:
    """Hash the rules' source files and the settings: cached findings are valid while it holds."""
    digest = hashlib.sha1(config.fingerprint().encode())
    for rule in sorted(rules, key=lambda r: r.code):
        digest.update(rule.code.encode())
        source = inspect.getsourcefile(rule)
        if source is not None:
            digest.update(Path(source).read_bytes())
    return digest.hexdigest()[:20]


def _module_scope_findings(
    index: ProjectIndex, summary: ModuleSummary, context: ModuleContext, rules: tuple[type[Rule], ...]
) -> list[Finding]:
    """Run the file-local rules, or reuse their findings stored with an unchanged file."""
    if not rules:
        return []
    fingerprint = rules_fingerprint(rules, index.config)
    stored = index.cached_findings(summary.path, fingerprint)
    if stored is not None:
        return [finding_from_json(summary.path, row) for row in stored]
    findings = [finding for rule in rules for finding in rule().check(context)]
    # The call chain and the fix are kept too, so that a warm run reports what a cold one does.
    index.store_findings(summary.path, fingerprint, [finding_to_json(f) for f in findings], context.read_paths - {summary.path})
    return findings


def lint_paths(
    paths: Sequence[Path],
    config: LintConfig | None = None,
    rules: Sequence[type[Rule]] | None = None,
    use_cache: bool = True,
) -> LintResult:
    """Lint the Python files under ``paths`` against an index of their whole project.

    The project root is the nearest folder with a ``pyproject.toml`` above the first path;
    its ``[tool.opsgen.lint]`` table is the configuration unless ``config`` is given.
    Raises :class:`~opsgen.lint.config.ConfigError` when a setting names a function or
    class that the project's modules do not define.
    """
    paths = [Path(p) for p in paths] or [Path.cwd()]
    if config is None:
        config = load_config(find_project_root(paths[0]))
    rules = load_rules() if rules is None else rules
    root = config.root.resolve()
    if not is_project_root(root):
        # Outside any project (no pyproject.toml, no .git) only the given paths are read,
        # and nothing is cached: the folder may be a shared one such as /tmp.
        index_paths, use_cache = list(paths), False
    elif all(_is_within(p.resolve(), root) for p in paths):
        index_paths = [root]
    else:
        index_paths = [root, *paths]
    # The cache is written once, after the checks have added their findings to it.
    index = ProjectIndex.build(config, index_paths, use_cache=use_cache, save=False)
    check_configured_names(index)

    findings: list[Finding] = []
    syntax_errors: list[str] = []
    checked: list[str] = []
    targets = [p.resolve() for p in paths]
    following = [rule for rule in rules if rule.follows_calls and config.wants(rule.code)]
    others = [rule for rule in rules if rule not in following]
    plan = plan_calls(index, rules_fingerprint(tuple(following), config)) if use_cache and following else None
    unchecked: list[str] = []
    not_indexed: list[str] = []
    judge_noqa = config.wants("OPS003")
    ran = {rule.code for rule in rules if config.wants(rule.code)}
    for key, reason in index.skipped.items():
        target_file = any(Path(key) == target or _is_within(Path(key), target) for target in targets)
        (unchecked if target_file else not_indexed).append(f"{index.relative(key)}: {reason}")
    for key, summary in index.modules.items():
        path = Path(key)
        if not any(path == target or _is_within(path, target) for target in targets):
            continue
        checked.append(key)
        if summary.syntax_error:
            syntax_errors.append(f"{index.relative(str(path))}: {summary.syntax_error}")
            if plan is not None:
                store_checked(index, plan, key, [])
            continue
        try:
            following_findings: list[Finding] = []
            if plan is None:
                module_findings = check_module(index, summary, rules, apply_noqa=not judge_noqa)
            else:
                module_findings = check_module(index, summary, others, apply_noqa=not judge_noqa)
                if key in plan.reuse:
                    following_findings = plan.reuse[key]
                else:
                    following_findings = check_module(index, summary, following, apply_noqa=False)
                    store_checked(index, plan, key, following_findings)
            if judge_noqa:
                findings.extend(_with_unused_noqa(index, summary, [*module_findings, *following_findings], ran))
                continue
            findings.extend(module_findings)
            findings.extend(_unsuppressed(index, summary, following_findings))
        except RecursionError as exc:
            # A rule that walks the syntax tree recursively gave up on this module. Its
            # other findings are dropped too, so that the report does not look complete.
            unchecked.append(f"{index.relative(key)}: too deeply nested to analyse ({exc})")
            if plan is not None:
                index.store(key, "calls", None)
    if plan is not None:
        forget_unchecked(index, plan, checked)
    if index.cache_dirty:
        index.save_cache()
    if config.per_file_ignores:
        findings = [f for f in findings if not config.ignored_in_file(f.code, _relative_posix(f.path, root))]
    findings.sort(key=Finding.sort_key)
    return LintResult(findings, root, len(checked), index.parsed, syntax_errors, unchecked, not_indexed, index)


def _relative_posix(path: str, root: Path) -> str:
    """Return ``path`` relative to ``root`` with ``/`` separators, or as given outside ``root``."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _unsuppressed(index: ProjectIndex, summary: ModuleSummary, findings: list[Finding]) -> list[Finding]:
    """Drop the findings a ``# noqa`` comment suppresses, reading the file only when needed."""
    if not findings:
        return findings
    return unsuppressed(findings, ModuleContext(index, summary).source.splitlines())


def _with_unused_noqa(index: ProjectIndex, summary: ModuleSummary, findings: list[Finding], ran: set[str]) -> list[Finding]:
    """Apply the module's ``# noqa`` comments to ``findings`` and add OPS003 for each code of
    a rule in ``ran`` that suppressed nothing, unless ``per-file-ignores`` drops the rule there."""
    from opsgen.lint.unused_noqa import apply_noqa

    source = ModuleContext(index, summary).source
    if "noqa" not in source.lower():
        return findings
    relative = _relative_posix(summary.path, index.config.root.resolve())

    def judged(code: str) -> bool:
        return code in ran and not index.config.ignored_in_file(code, relative)

    return apply_noqa(findings, source.splitlines(), summary.path, judged)


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
