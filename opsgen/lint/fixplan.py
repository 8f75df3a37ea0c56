"""Work out what ``--fix`` would do with each finding, without writing anything.

``--fix``, ``--diff`` and the ``fixable`` field of the JSON output all read this plan,
so they agree: a finding is fixable only when its rule offered a fix and
:mod:`opsgen.lint.autofix` judges that fix safe in the file as it is now. Every other
finding gets the reason it stays, from the rule or from the autofix.

LibCST is imported only when some finding carries a fix to check. Removing an unused
``# noqa`` code (OPS003) is a plain text edit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from opsgen.lint.line_length import DEFAULT_LINE_LENGTH
from opsgen.lint.rule import Finding, Fix
from opsgen.lint.unused_noqa import UnusedNoqa, without_codes


@dataclass(frozen=True)
class FileFix:
    """The rewrite of one file: its text before and after the fixes, and how many it applies."""

    path: str
    before: str
    after: str
    applied: int


@dataclass(frozen=True)
class FixPlan:
    """The files the fixes rewrite, and each finding they leave in place with the reason."""

    files: tuple[FileFix, ...]
    not_fixable: Mapping[Finding, str]

    def fixable(self, finding: Finding) -> bool:
        return finding not in self.not_fixable


def plan_fixes(findings: Sequence[Finding], line_length: int = DEFAULT_LINE_LENGTH) -> FixPlan:
    """Apply the fixes of ``findings`` in memory, one file at a time, as ``--fix`` writes them.

    A generated call longer than ``line_length`` characters is split over lines.

    The unused ``# noqa`` codes (OPS003) are removed first. That edits only comments and
    moves no line, so the lines and columns of the other fixes still hold.
    """
    not_fixable: dict[Finding, str] = {}
    candidates: dict[str, list[Finding]] = defaultdict(list)
    comments: dict[str, list[UnusedNoqa]] = defaultdict(list)
    for finding in findings:
        if isinstance(finding, UnusedNoqa):
            comments[finding.path].append(finding)
        elif finding.fix is None:
            not_fixable[finding] = finding.no_fix_reason or "has no autofix"
        else:
            candidates[finding.path].append(finding)
    if not candidates and not comments:
        return FixPlan((), not_fixable)

    files: list[FileFix] = []
    for path in sorted({*candidates, *comments}):
        before = Path(path).read_text(encoding="utf-8")
        source = _without_unused_codes(before, comments[path])
        applied = len(comments[path])
        if candidates[path]:
            fixed = _apply_rule_fixes(source, candidates[path], not_fixable, line_length)
            source, applied = fixed[0], applied + fixed[1]
        if applied:
            files.append(FileFix(path, before, source, applied))
    return FixPlan(tuple(files), not_fixable)


def _without_unused_codes(source: str, findings: list[UnusedNoqa]) -> str:
    if not findings:
        return source
    # newline="" splits at \n, \r\n and \r only, as the tokenizer counts lines.
    lines = StringIO(source, newline="").readlines()
    for finding in findings:
        if 1 <= finding.line <= len(lines):
            lines[finding.line - 1] = without_codes(lines[finding.line - 1], finding.column, finding.unused)
    return "".join(lines)


def _apply_rule_fixes(source: str, fixable: list[Finding], not_fixable: dict[Finding, str], line_length: int) -> tuple[str, int]:
    """Apply the rules' fixes of one file's ``fixable`` findings to ``source`` with LibCST.

    Return the new source and the number of fixes applied. Each finding whose fix is
    skipped goes into ``not_fixable`` with the reason.
    """
    import libcst

    from opsgen.lint.autofix import apply_fixes

    owners: dict[Fix, list[Finding]] = defaultdict(list)
    for finding in fixable:
        assert finding.fix is not None
        owners[finding.fix].append(finding)
    try:
        result = apply_fixes(source, list(owners), line_length)
    except libcst.ParserSyntaxError as exc:
        # Python's own parser read the file, but LibCST may lag behind new syntax.
        reason = f"LibCST cannot parse the file: {exc.message} at line {exc.raw_line}"
        not_fixable.update((finding, reason) for finding in fixable)
        return source, 0
    for skipped in result.skipped:
        not_fixable.update((finding, skipped.reason) for finding in owners[skipped.fix])
    return result.source, result.applied
