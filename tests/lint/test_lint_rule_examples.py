"""Every rule's VALID and INVALID examples, run as tests against the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import as_example, expected_lines, lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Rule

RULES = load_rules()


def _cases(attribute: str) -> list[object]:
    cases = []
    for rule in RULES:
        for number, example in enumerate(getattr(rule, attribute)):
            cases.append(pytest.param(rule, as_example(example), id=f"{rule.code}-{attribute.lower()}-{number}"))
    return cases


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"))
def test_valid_example_has_no_finding(rule: type[Rule], example: object, tmp_path: Path) -> None:
    findings = lint_example(example, [rule], tmp_path)  # type: ignore[arg-type]
    assert [f.message for f in findings] == []


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"))
def test_invalid_example_finding_lines(rule: type[Rule], example: object, tmp_path: Path) -> None:
    findings = lint_example(example, [rule], tmp_path)  # type: ignore[arg-type]
    wanted = expected_lines(example, rule.code)  # type: ignore[arg-type]
    assert wanted, f"{rule.code}: an INVALID example marks no line with '# {rule.code}'"
    assert sorted({f.line for f in findings if f.code == rule.code}) == wanted


def test_every_rule_documents_itself() -> None:
    for rule in RULES:
        doc = rule.__doc__ or ""
        for section in ("What it does:", "Why is this bad:", "Example:", "Use instead:"):
            assert section in doc, f"{rule.code} docstring lacks {section!r}"
        assert rule.MESSAGE.startswith(rule.code + " ")
        assert rule.INVALID, f"{rule.code} has no INVALID example"
        assert rule.VALID, f"{rule.code} has no VALID example"
