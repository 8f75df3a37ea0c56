"""SARIF 2.1.0 output, in the shape GitHub code scanning accepts.

Each rule becomes a ``reportingDescriptor`` of ``runs[0].tool.driver.rules``. Each
finding becomes a ``result`` whose location is relative to ``%SRCROOT%`` (the repository
root when uploaded from a checkout), with 1-based line and column. The call chain of an
indirect finding is a ``codeFlow`` (one thread flow, one location per hop) and also
``relatedLocations``, which GitHub shows as links in the alert.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any

from opsgen.lint.rule import Finding, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub code scanning shows at most this many characters of a rule's full description.
FULL_DESCRIPTION_LIMIT = 1000


def shorten(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters at a sentence or word end, marked with an ellipsis.

    A cut keeps whole sentences when the last one ends in the second half of the limit,
    else whole words.
    """
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    sentence = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    if sentence >= limit // 2:
        kept = head[: sentence + 1]
        return kept + (" \u2026" if len(kept) + 2 <= limit else "\u2026")
    word = head.rfind(" ")
    if word > 0:
        head = head[:word]
    return head.rstrip(",;:-") + "\u2026"


def _location(relative_path: str, line: int, column: int, message: str | None = None, ident: int | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": relative_path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line, "startColumn": column + 1},
        }
    }
    if message is not None:
        location["message"] = {"text": message}
    if ident is not None:
        location["id"] = ident
    return location


def _rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    doc = inspect.cleandoc(rule.__doc__ or rule.name)
    summary = rule.summary_line()
    body = doc.split("Example:", 1)[0].split("\n", 1)[-1]
    return {
        "id": rule.code,
        "name": "".join(part.title() for part in rule.name.split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": shorten(" ".join(body.split()), FULL_DESCRIPTION_LIMIT)},
        "help": {"text": doc},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": [rule.name, "opsgen"]},
    }


def to_sarif(
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    relative: Callable[[str], str],
    version: str,
) -> dict[str, Any]:
    """Return a SARIF 2.1.0 log with one run of opsgen lint."""
    descriptors = [_rule_descriptor(rule) for rule in rules]
    rule_index = {rule.code: position for position, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": "warning",
            "message": {"text": finding.message},
            "locations": [_location(relative(finding.path), finding.line, finding.column)],
        }
        if finding.code in rule_index:
            result["ruleIndex"] = rule_index[finding.code]
        if finding.via:
            related = [
                _location(relative(hop.path), hop.line, hop.column, hop.name, ident=number)
                for number, hop in enumerate(finding.via, start=1)
            ]
            result["relatedLocations"] = related
            flow = [{"location": _location(relative(finding.path), finding.line, finding.column, "reported call")}]
            flow += [{"location": _location(relative(hop.path), hop.line, hop.column, hop.name)} for hop in finding.via]
            result["codeFlows"] = [{"threadFlows": [{"locations": flow}]}]
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "opsgen",
                        "version": version,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the project root"}}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def format_sarif(findings: Sequence[Finding], rules: Sequence[type[Rule]], relative: Callable[[str], str], version: str) -> str:
    return json.dumps(to_sarif(findings, rules, relative, version), indent=2) + "\n"
