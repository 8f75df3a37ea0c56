"""OPS003: a ``# noqa: OPSxxx`` code that suppresses no finding.

A comment left after its finding was fixed hides the next finding of that code on its
line. When ``select`` or ``extend-select`` names OPS003, the engine applies the ``# noqa``
comments of each module here and reports each code that suppressed nothing. Only codes
that can be judged count: a code of a rule that ran on the module, in full, and that
``per-file-ignores`` does not drop there. A bare ``# noqa``, a code prefix, another
tool's code (``E501``) and a comment that names OPS003 itself are left alone.

``--fix`` removes the unused codes from the comment, and the whole ``# noqa`` part
with the text after it up to the next ``#`` when no code is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from opsgen.lint.engine import _NOQA, NoqaLines, comment_noqa_codes, is_suppressed
from opsgen.lint.rule import Finding

CODE = "OPS003"
NAME = "unused-noqa"


@dataclass(frozen=True)
class UnusedNoqa(Finding):
    """An OPS003 finding at the start of a ``# noqa`` comment, with the codes to remove."""

    unused: tuple[str, ...] = ()


def apply_noqa(findings: Sequence[Finding], lines: Sequence[str], path: str, judged: Callable[[str], bool]) -> list[Finding]:
    """Return the ``findings`` of one module that no ``# noqa`` suppresses, followed by an
    OPS003 finding for each comment with a ``judged`` code that suppressed nothing."""
    noqa_lines = NoqaLines.read(lines)
    if noqa_lines is None:
        return list(findings)
    kept = [finding for finding in findings if not is_suppressed(finding, lines, noqa_lines)]
    by_comment: dict[int, list[Finding]] = {}
    for finding in findings:
        by_comment.setdefault(noqa_lines.comment_line(finding.line), []).append(finding)
    for line, (column, comment) in sorted(noqa_lines.comments.items()):
        codes = comment_noqa_codes(comment)
        if not codes or CODE in codes:
            continue
        found = by_comment.get(line, [])
        unused = tuple(sorted(code for code in codes if judged(code) and not any(f.code.startswith(code) for f in found)))
        if unused:
            kept.append(UnusedNoqa(path, line, column, CODE, _message(unused), unused=unused))
    return kept


def _message(unused: tuple[str, ...]) -> str:
    if len(unused) == 1:
        return f"{CODE} unused noqa code: {unused[0]} suppresses no finding here; remove it"
    return f"{CODE} unused noqa codes: {', '.join(unused)} suppress no finding here; remove them"


def without_codes(line: str, column: int, codes: Sequence[str]) -> str:
    """Return ``line`` with ``codes`` removed from the ``# noqa`` comment that starts at ``column``.

    When no code is left, the ``# noqa`` part goes too, with the text after it up to the
    next ``#`` (a reason such as ``-- rerunnable``), and so does the comment when nothing
    else remains of it.
    """
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    code, comment = body[:column], body[column:]
    match = _NOQA.search(comment)
    if match is None or not match.group("codes"):
        return line
    listed = [part for part in match.group("codes").replace(",", " ").split() if part]
    removed = {code.upper() for code in codes}
    left = [part for part in listed if part.upper() not in removed]
    if left:
        comment = comment[: match.start("codes")] + ", ".join(left) + comment[match.end("codes") :]
        return code + comment + ending
    next_comment = comment.find("#", match.end())
    after = comment[next_comment:] if next_comment >= 0 else ""
    before = comment[: match.start()].rstrip()
    rest = "  ".join(part for part in (before, after) if part)
    if not rest:
        return code.rstrip() + ending
    return code + rest + ending
