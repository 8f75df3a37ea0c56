"""``opsgen lint --add-noqa``: write a ``# noqa: OPSxxx`` comment for each finding.

Adopting the linter on an existing code base starts from a clean run: every current
finding is marked where it is, and new code is held to the rules. Each comment goes
where the linter's own ``# noqa`` check, and flake8's, reads it (see
:class:`~opsgen.lint.engine.NoqaLines`): at the end of the reported line, or of the last
line of a string or backslash continuation that the reported line starts. A line that
already has ``# noqa: CODES`` gets the new codes added to that list, and every line is
edited once, whatever the number of its findings.

An unused ``# noqa`` code (OPS003) gets no comment and stays as it is. Adding OPS003 to
its comment would hide the unused code for good, because a comment that lists OPS003 is
never judged, and removing codes is ``--fix``'s work, not this command's.
"""

from __future__ import annotations

import ast
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from opsgen.lint.engine import _NOQA, NoqaLines
from opsgen.lint.rule import Finding
from opsgen.lint.unused_noqa import CODE as UNUSED_NOQA

_BOM = "\ufeff"


@dataclass(frozen=True)
class NoqaEdit:
    """The comments written to one file, or why the file was left as it was."""

    path: str
    codes: int  # codes added
    lines: int  # lines changed
    error: str | None = None


def add_noqa(findings: Iterable[Finding]) -> list[NoqaEdit]:
    """Write the ``# noqa`` comments for ``findings``, one file at a time, and return what
    each file got. A file is replaced atomically, and only when its new text parses.
    OPS003 findings are skipped (see the module docstring)."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.code != UNUSED_NOQA:
            by_path[finding.path].append(finding)
    return [_add_to_file(Path(path), by_path[path]) for path in sorted(by_path)]


def _add_to_file(path: Path, findings: list[Finding]) -> NoqaEdit:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return NoqaEdit(str(path), 0, 0, f"cannot read the file: {exc}")
    bom = text.startswith(_BOM)
    # newline="" splits at \n, \r\n and \r and keeps each line's own ending.
    lines = StringIO(text.removeprefix(_BOM), newline="").readlines()
    noqa_lines = NoqaLines.read(lines)
    if noqa_lines is None:
        return NoqaEdit(str(path), 0, 0, "the file does not tokenize")

    codes_by_line: dict[int, set[str]] = defaultdict(set)
    for finding in findings:
        if 1 <= finding.line <= len(lines):
            codes_by_line[noqa_lines.comment_line(finding.line)].add(finding.code)
    added, changed = 0, 0
    for number, codes in sorted(codes_by_line.items()):
        lines[number - 1], count = _with_codes(lines[number - 1], noqa_lines.comments.get(number), sorted(codes))
        added += count
        changed += 1 if count else 0
    new_text = (_BOM if bom else "") + "".join(lines)
    if new_text == text:
        return NoqaEdit(str(path), 0, 0)
    try:
        ast.parse(new_text.removeprefix(_BOM), filename=str(path))
    except SyntaxError as exc:
        return NoqaEdit(str(path), 0, 0, f"the file would not parse with the comments added ({exc.msg}, line {exc.lineno}), so it was left unchanged")
    _replace_atomically(path, new_text.encode("utf-8"))
    return NoqaEdit(str(path), added, changed)


def _with_codes(line: str, comment: tuple[int, str] | None, codes: list[str]) -> tuple[str, int]:
    """Return ``line`` with ``codes`` in its ``# noqa`` comment, and how many codes were added.

    An existing ``# noqa: A1, B2`` gets the codes it lacks appended to its list. A bare
    ``# noqa`` already covers every code. Any other comment is kept, with the ``# noqa``
    comment after it.
    """
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    if comment is not None:
        column, text = comment
        match = _NOQA.search(text)
        if match is not None:
            listed = match.group("codes")
            if not listed:
                return line, 0
            present = {code.upper() for code in listed.replace(",", " ").split()}
            missing = [code for code in codes if code not in present]
            if not missing:
                return line, 0
            insert_at = column + match.end("codes")
            return body[:insert_at] + ", " + ", ".join(missing) + body[insert_at:] + ending, len(missing)
    return f"{body.rstrip()}  # noqa: {', '.join(codes)}{ending}", len(codes)


def _replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, keep the file's mode, then rename it over ``path``."""
    mode = path.stat().st_mode
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
