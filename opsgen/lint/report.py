"""Text and JSON output of lint findings.

Columns are 1-based in every output, as flake8 prints them; ``Finding.column`` is
0-based, as ``ast`` gives it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from opsgen.lint.rule import Finding


def shown_path(path: str, folder: Path, follow_links: bool = True) -> str:
    """Return ``path`` as a user in ``folder`` can open it: relative to ``folder`` when the
    file is under it, else absolute.

    With ``follow_links`` false, a symbolic link is named itself rather than its target,
    which suits a link that dangles or loops.
    """
    file = Path(path)
    resolved = file.resolve() if follow_links else file.parent.resolve() / file.name
    try:
        return resolved.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def format_text(findings: Sequence[Finding], relative: Callable[[str], str]) -> str:
    """Return one ``path:line:column: message`` line per finding, its chain indented below."""
    lines: list[str] = []
    for finding in findings:
        lines.append(f"{relative(finding.path)}:{finding.line}:{finding.column + 1}: {finding.message}")
        for hop in finding.via:
            lines.append(f"    via {relative(hop.path)}:{hop.line} {hop.name}")
    return "\n".join(lines) + ("\n" if lines else "")


def finding_to_json(finding: Finding, relative: Callable[[str], str], not_fixable: Mapping[Finding, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": relative(finding.path),
        "line": finding.line,
        "column": finding.column + 1,
        "code": finding.code,
        "message": finding.message,
    }
    if finding.via:
        data["via"] = [
            {"path": relative(hop.path), "line": hop.line, "column": hop.column + 1, "call": hop.name}
            for hop in finding.via
        ]
    reason = not_fixable.get(finding)
    data["fixable"] = reason is None
    if reason is not None:
        data["not_fixable_reason"] = reason
    return data


def format_json(findings: Sequence[Finding], relative: Callable[[str], str], not_fixable: Mapping[Finding, str]) -> str:
    """Return a JSON array of findings: path, line, column, code, message, via, fixable, not_fixable_reason.

    ``not_fixable`` maps each finding that ``--fix`` would leave in place to the reason,
    as :func:`opsgen.lint.fixplan.plan_fixes` computes it.
    """
    return json.dumps([finding_to_json(f, relative, not_fixable) for f in findings], indent=2) + "\n"
