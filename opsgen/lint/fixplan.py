"""Work out what ``--fix`` would do with each finding, without writing anything.

``--fix``, ``--diff`` and the ``fixable`` field of the JSON output all read this plan,
so they agree: a finding is fixable only when its rule offered a fix and
:mod:`opsgen.lint.autofix` judges that fix safe in the file as it is now. Every other
finding gets the reason it stays, from the rule or from the autofix.

LibCST is imported only when some finding carries a fix to check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from opsgen.lint.rule import Finding, Fix


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


def plan_fixes(findings: Sequence[Finding]) -> FixPlan:
    """Apply the fixes of ``findings`` in memory, one file at a time, as ``--fix`` writes them."""
    not_fixable: dict[Finding, str] = {}
    candidates: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.fix is None:
            not_fixable[finding] = finding.no_fix_reason or f"{finding.code} has no autofix"
        else:
            candidates[finding.path].append(finding)
    if not candidates:
        return FixPlan((), not_fixable)

    import libcst

    from opsgen.lint.autofix import apply_fixes

    files: list[FileFix] = []
    for path, fixable in sorted(candidates.items()):
        owners: dict[Fix, list[Finding]] = defaultdict(list)
        for finding in fixable:
            assert finding.fix is not None
            owners[finding.fix].append(finding)
        before = Path(path).read_text(encoding="utf-8")
        try:
            result = apply_fixes(before, list(owners))
        except libcst.ParserSyntaxError as exc:
            # Python's own parser read the file, but LibCST may lag behind new syntax.
            reason = f"LibCST cannot parse the file: {exc.message} at line {exc.raw_line}"
            not_fixable.update((finding, reason) for finding in fixable)
            continue
        for skipped in result.skipped:
            not_fixable.update((finding, skipped.reason) for finding in owners[skipped.fix])
        if result.applied:
            files.append(FileFix(path, before, result.source, result.applied))
    return FixPlan(tuple(files), not_fixable)
