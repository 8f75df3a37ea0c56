"""Text, concise, GitHub, JSON and statistics output of lint findings.

Columns are 1-based in every output, as flake8 prints them; ``Finding.column`` is
0-based, as ``ast`` gives it.
"""

from __future__ import annotations

import json
from collections import Counter
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


def format_concise(findings: Sequence[Finding], relative: Callable[[str], str]) -> str:
    """Return one ``path:line:column: message`` line per finding, without the call chain."""
    return "".join(f"{relative(f.path)}:{f.line}:{f.column + 1}: {f.message}\n" for f in findings)


def format_github(findings: Sequence[Finding], relative: Callable[[str], str]) -> str:
    """Return one GitHub Actions ``::error`` workflow command per finding.

    GitHub shows each as an annotation on the line of the pull request's diff. The call
    chain follows the message, one ``via`` line per hop.
    """
    lines: list[str] = []
    for finding in findings:
        path = relative(finding.path)
        text = "\n".join([finding.message, *(f"via {relative(hop.path)}:{hop.line} {hop.name}" for hop in finding.via)])
        properties = {"title": f"opsgen lint ({finding.code})", "file": path, "line": str(finding.line), "col": str(finding.column + 1)}
        listed = ",".join(f"{key}={_github_property(value)}" for key, value in properties.items())
        lines.append(f"::error {listed}::{_github_data(text)}")
    return "".join(f"{line}\n" for line in lines)


def _github_data(text: str) -> str:
    """Escape the message of a workflow command as the Actions runner reads it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def format_statistics(findings: Sequence[Finding], names: Mapping[str, str], as_json: bool) -> str:
    """Return the number of findings of each code, most frequent first: a table, or a JSON array.

    ``names`` maps a code to the rule's kind, such as ``side-effect-in-transaction``.
    """
    counts = sorted(Counter(f.code for f in findings).items(), key=lambda item: (-item[1], item[0]))
    if as_json:
        rows = [{"code": code, "name": names.get(code, ""), "count": count} for code, count in counts]
        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(count)) for _, count in counts), default=1)
    return "".join(f"{count:>{width}}  {code}  {names.get(code, '')}".rstrip() + "\n" for code, count in counts)


def finding_to_json(
    finding: Finding,
    relative: Callable[[str], str],
    not_fixable: Mapping[Finding, str],
    names: Mapping[str, str],
    baseline_new: Mapping[Finding, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": relative(finding.path),
        "line": finding.line,
        "column": finding.column + 1,
        "code": finding.code,
        "name": names.get(finding.code, ""),
        "message": finding.message,
        "explain": f"opsgen lint --explain {finding.code}",
    }
    if finding.via:
        data["via"] = [
            {"path": relative(hop.path), "line": hop.line, "column": hop.column + 1, "call": hop.name}
            for hop in finding.via
        ]
    effects = (baseline_new or {}).get(finding)
    if effects is not None:
        data["baseline_new"] = list(effects)
    reason = not_fixable.get(finding)
    data["fixable"] = reason is None
    if reason is not None:
        data["not_fixable_reason"] = reason
    return data


def format_json(
    findings: Sequence[Finding],
    relative: Callable[[str], str],
    not_fixable: Mapping[Finding, str],
    names: Mapping[str, str],
    baseline_new: Mapping[Finding, tuple[str, ...]] | None = None,
) -> str:
    """Return a JSON array of findings: path, line, column, code, name, message, explain, via,
    baseline_new, fixable, not_fixable_reason.

    ``not_fixable`` maps each finding that ``--fix`` would leave in place to the reason,
    as :func:`opsgen.lint.fixplan.plan_fixes` computes it. ``names`` maps a code to the
    rule's kind, and ``explain`` is the command that prints the rule's page.
    ``baseline_new`` maps a finding that the baseline lists with fewer effects to the
    effects (``function: effect``) that its call reaches since.
    """
    return json.dumps([finding_to_json(f, relative, not_fixable, names, baseline_new) for f in findings], indent=2) + "\n"
