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


UNSEEN_LOCK_CASES = [c for c in LOCK_CASES if c.path.parent.name == "unseen_cases_locks_interfaces" and c.kind != "none"]


def test_unseen_lock_cases_use_every_new_rule(tmp_path: Path) -> None:
    codes = set()
    for number, case in enumerate(UNSEEN_LOCK_CASES):
        codes |= {f.code for f in lint_case(case, tmp_path / str(number)) if f.line in case.lines}
    for code in ("OPS201", "OPS202", "OPS205", "OPS206", "OPS207", "OPS208", "OPS209", "OPS210"):
        assert code in codes, f"no unseen case is caught by {code}; caught by {sorted(codes)}"


def test_result_row_reported_where_query_ran(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy import select\n\n"
        "async def claim(session, job_id):\n"
        "    result = await session.execute(select(Job).where(Job.id == job_id))\n"
        "    job = result.scalar_one()\n"
        "    if job.state != 'queued':\n"
        "        return None\n"
        "    job.state = 'running'\n"
        "    await session.commit()\n"
    )
    assert _lint(source, tmp_path / "a", "OPS201") == [4]
    locked = source.replace("== job_id))", "== job_id).with_for_update())")
    assert _lint(locked, tmp_path / "b", "OPS201") == []


def test_filter_check_needs_caller_value(tmp_path: Path) -> None:
    claim = (
        "def reserve(event, buyer):\n"
        "    seat = Seat.objects.filter(event=event, holder__isnull=True).first()\n"
        "    if seat is None:\n"
        "        raise LookupError(event)\n"
        "    seat.holder = {value}\n"
        "    seat.save()\n"
    )
    assert _lint(claim.format(value="buyer"), tmp_path / "a", "OPS201") == [2]
    assert _lint(claim.format(value="now()"), tmp_path / "b", "OPS201") == []
    with_action = claim.format(value="now()") + "    notify_holder(seat)\n"
    assert _lint(with_action, tmp_path / "c", "OPS201") == [2]


def test_same_value_guard_counts_with_action(tmp_path: Path) -> None:
    guarded = (
        "def send_daily(today):\n"
        "    state = DigestState.objects.get(name='daily')\n"
        "    if state.last_sent == today:\n"
        "        return\n"
        "{action}"
        "    state.last_sent = today\n"
        "    state.save()\n"
    )
    assert _lint(guarded.format(action="    send_digest()\n"), tmp_path / "a", "OPS201") == [2]
    assert _lint(guarded.format(action="    logger.info('sending')\n"), tmp_path / "b", "OPS201") == []


def test_scalar_read_written_back(tmp_path: Path) -> None:
    source = (
        "def record(account, units):\n"
        "    try:\n"
        "        current = Usage.objects.get(account=account).units\n"
        "    except Usage.DoesNotExist:\n"
        "        current = 0\n"
        "    {model}.objects.update_or_create(account=account, defaults={{'units': current + units}})\n"
    )
    assert _lint(source.format(model="Usage"), tmp_path / "a", "OPS201") == [3]
    assert _lint(source.format(model="Archive"), tmp_path / "b", "OPS201") == []


def test_private_method_locked_by_caller(tmp_path: Path) -> None:
    source = (
        "class Change:\n"
        "    def commit(self):\n"
        "{lock}"
        "        self._apply()\n\n"
        "    def _apply(self):\n"
        "        order = Order.objects.get(pk=self.pk)\n"
        "        if order.status == 'new':\n"
        "            order.status = self.status\n"
        "            order.save()\n"
    )
    locked = source.format(lock="        Order.objects.select_for_update().get(pk=self.pk)\n")
    assert _lint(locked, tmp_path / "a", "OPS201") == []
    assert _lint(source.format(lock=""), tmp_path / "b", "OPS201") == [6]
    public = locked.replace("_apply", "apply")
    assert _lint(public, tmp_path / "c", "OPS201") == [7]


def test_count_plus_one_in_read_statement(tmp_path: Path) -> None:
    source = (
        "def file_ticket(project, title):\n"
        "{lock}"
        "    number = Ticket.objects.filter(project=project).count() + 1\n"
        "    return Ticket.objects.create(project=project, number=number, title=title)\n"
    )
    assert _lint(source.format(lock=""), tmp_path / "a", "OPS205") == [2]
    advisory = "    cursor.execute('SELECT pg_advisory_xact_lock(%s)', [project.pk])\n"
    assert _lint(source.format(lock=advisory), tmp_path / "b", "OPS205") == []


def test_existence_check_then_insert(tmp_path: Path) -> None:
    source = (
        "def subscribe(user, plan):\n"
        "    if Subscription.objects.filter(user=user, active=True).exists():\n"
        "        raise ValueError('already subscribed')\n"
        "    return Subscription.objects.create(user=user, plan=plan, active=True)\n"
    )
    assert _lint(source, tmp_path / "a", "OPS207") == [2]
    handled = (
        "from django.db import IntegrityError\n\n"
        "def subscribe(user, plan):\n"
        "    if Subscription.objects.filter(user=user, active=True).exists():\n"
        "        raise ValueError('already subscribed')\n"
        "    try:\n"
        "        return Subscription.objects.create(user=user, plan=plan, active=True)\n"
        "    except IntegrityError:\n"
        "        raise ValueError('already subscribed')\n"
    )
    assert _lint(handled, tmp_path / "b", "OPS207") == []
    other_model = source.replace("return Subscription.objects.create", "return Invoice.objects.create")
    assert _lint(other_model, tmp_path / "c", "OPS207") == []


def test_sql_read_then_update(tmp_path: Path) -> None:
    source = (
        "def count_download(cursor, file_id):\n"
        "    cursor.execute('SELECT downloads FROM files WHERE id = %s', [file_id])\n"
        "    (downloads,) = cursor.fetchone()\n"
        "    cursor.execute('UPDATE files SET downloads = {value} WHERE id = %s', [{parameters}file_id])\n"
    )
    assert _lint(source.format(value="%s", parameters="downloads + 1, "), tmp_path / "a", "OPS208") == [2]
    assert _lint(source.format(value="downloads + 1", parameters=""), tmp_path / "b", "OPS208") == []
    locked = source.format(value="%s", parameters="downloads + 1, ").replace("WHERE id = %s'", "WHERE id = %s FOR UPDATE'", 1)
    assert _lint(locked, tmp_path / "c", "OPS208") == []


def test_lock_file_test_polarity(tmp_path: Path) -> None:
    lock_file = (
        "import os\n\n"
        "def run_once(path, job):\n"
        "    if os.path.exists(path):\n"
        "        return False\n"
        "    with open(path, 'w') as handle:\n"
        "        handle.write(str(os.getpid()))\n"
        "    job()\n"
        "    os.remove(path)\n"
        "    return True\n"
    )
    assert _lint(lock_file, tmp_path / "a", "OPS209") == [4]
    rewrite_existing = (
        "import os\n\n"
        "def normalize(paths):\n"
        "    for path in paths:\n"
        "        if not os.path.exists(path):\n"
        "            continue\n"
        "        with open(path, 'w') as handle:\n"
        "            handle.write('')\n"
        "        os.remove(path)\n"
    )
    assert _lint(rewrite_existing, tmp_path / "b", "OPS209") == []
    exclusive = lock_file.replace("    if os.path.exists(path):\n        return False\n", "").replace("'w'", "'x'")
    assert _lint(exclusive, tmp_path / "c", "OPS209") == []


def test_global_counter_read_back(tmp_path: Path) -> None:
    source = "_last = 0\n\ndef next_id():\n    global _last\n    _last += 1\n    return _last\n"
    assert _lint(source, tmp_path / "a", "OPS210") == [5]
    statistic = "_hits = 0\n\ndef hit():\n    global _hits\n    _hits += 1\n"
    assert _lint(statistic, tmp_path / "b", "OPS210") == []
