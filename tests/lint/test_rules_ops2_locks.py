"""The missing-lock rules (OPS2xx) on the lint cases and on shapes seen in real projects."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_cases import Case, cases_of, kind_of, lint_case

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

LOCK_CASES = cases_of({"missing-lock"})


@pytest.mark.parametrize("case", LOCK_CASES, ids=[c.path.name for c in LOCK_CASES])
def test_lock_case(case: Case, tmp_path: Path) -> None:
    findings = lint_case(case, tmp_path)
    if case.kind == "none":
        assert [f"{f.line}: {f.message}" for f in findings] == []
        return
    assert case.lines, f"{case.path.name} marks no expect-line"
    for line in case.lines:
        kinds = {kind_of(f.code) for f in findings if f.line == line}
        assert "missing-lock" in kinds, f"{case.path.name}:{line}: no missing-lock finding; got {findings}"


def test_lock_cases_cover_every_rule() -> None:
    names = {c.path.name for c in LOCK_CASES}
    assert "case17_read_modify_write_no_lock.py" in names
    assert "case18_counter_increment_race.py" in names
    assert len([n for n in names if not n.endswith("_fixed.py")]) >= 6


def _lint(source: str, tmp_path: Path, code: str) -> list[int]:
    rules = [rule for rule in load_rules() if rule.code == code]
    return [f.line for f in lint_example(Example(source), rules, tmp_path)]


def test_read_modify_write_message_names_field(tmp_path: Path) -> None:
    source = (
        "def claim(seat_id, user):\n"
        "    seat = Seat.objects.get(pk=seat_id)\n"
        "    if seat.holder_id is None:\n"
        "        seat.holder = user\n"
        "        seat.save()\n"
    )
    rules = [rule for rule in load_rules() if rule.code == "OPS201"]
    findings = lint_example(Example(source), rules, tmp_path)
    assert len(findings) == 1
    assert "seat is loaded here" in findings[0].message
    assert "field holder" in findings[0].message


def test_django_session_get_is_not_a_load(tmp_path: Path) -> None:
    source = (
        "def remember(request, cart):\n"
        "    state = request.session.get(CART_KEY, None)\n"
        "    if state.count > 1:\n"
        "        state.count = state.count - 1\n"
        "        state.save()\n"
    )
    assert _lint(source, tmp_path, "OPS201") == []


def test_increment_after_lock_helper_is_fine(tmp_path: Path) -> None:
    source = (
        "def redeem(voucher):\n"
        "    lock_objects([voucher])\n"
        "    voucher.redeemed += 1\n"
        "    voucher.save()\n"
    )
    assert _lint(source, tmp_path, "OPS202") == []


def test_increment_in_migration_is_fine(tmp_path: Path) -> None:
    source = "def forwards(apps, schema_editor):\n    for q in Question.objects.all():\n        q.position += 1\n        q.save()\n"
    rules = [rule for rule in load_rules() if rule.code == "OPS202"]
    findings = lint_example(Example(source, path="shop/migrations/0002_positions.py"), rules, tmp_path)
    assert findings == []


def test_check_then_set_in_tests_is_fine(tmp_path: Path) -> None:
    source = "_seen = {}\n\ndef record(key):\n    if key not in _seen:\n        _seen[key] = 1\n"
    rules = [rule for rule in load_rules() if rule.code == "OPS203"]
    assert lint_example(Example(source, path="tests/test_seen.py"), rules, tmp_path) == []
    assert [f.line for f in lint_example(Example(source, path="seen.py"), rules, tmp_path / "b")] == [4]
