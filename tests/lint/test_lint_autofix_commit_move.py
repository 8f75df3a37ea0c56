"""The SQLAlchemy autofix: a side-effect call moved to just after the commit, and when it must not be."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

RULES = load_rules()

HEADER = """\
from app.extensions import db
from app.models import Ride
from app.tasks import dispatch_ride


"""


def ops101(source: str, tmp_path: Path) -> list[Finding]:
    return [f for f in lint_example(Example(source), RULES, tmp_path) if f.code == "OPS101"]


def fix_and_reasons(source: str, tmp_path: Path) -> tuple[str, list[str]]:
    """Lint ``source``, apply its fixes, and return the new source and every reason a finding stays."""
    findings = ops101(source, tmp_path)
    result = apply_fixes(source, [f.fix for f in findings if f.fix is not None])
    reasons = [f.no_fix_reason for f in findings if f.fix is None and f.no_fix_reason]
    return result.source, reasons + [skip.reason for skip in result.skipped]


def test_call_moves_after_commit(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            db.session.flush()
            # The worker reads the ride by its id.
            dispatch_ride.delay(ride.id, priority="high")
            db.session.commit()
            return ride
        """
    )

    fixed, reasons = fix_and_reasons(source, tmp_path)

    assert reasons == []
    assert fixed == HEADER + textwrap.dedent(
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            db.session.flush()
            # The worker reads the ride by its id.
            ride_id = ride.id
            db.session.commit()
            dispatch_ride.delay(ride_id, priority="high")
            return ride
        """
    )


def test_moved_call_clears_finding(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def create_ride(customer_id, log):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            db.session.flush()
            dispatch_ride.delay({"ride": ride.id, "customer": customer_id})
            log.info("created")
            db.session.commit()
        """
    )

    fixed, reasons = fix_and_reasons(source, tmp_path)

    assert reasons == []
    assert '    ride_id = ride.id\n    log.info("created")\n    db.session.commit()\n' in fixed
    assert '    dispatch_ride.delay({"ride": ride_id, "customer": customer_id})\n' in fixed
    assert ops101(fixed, tmp_path / "again") == []


def test_name_clash_gets_new_name(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def renew(ride_id):
            ride = db.session.get(Ride, ride_id)
            ride.status = "renewed"
            db.session.add(ride)
            dispatch_ride.delay(ride.id)
            db.session.commit()
        """
    )

    fixed, reasons = fix_and_reasons(source, tmp_path)

    assert reasons == []
    assert "    ride_id_value = ride.id\n    db.session.commit()\n    dispatch_ride.delay(ride_id_value)\n" in fixed


def test_awaited_commit_counts(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        async def create_ride(session, customer_id):
            ride = Ride(customer_id=customer_id)
            session.add(ride)
            await session.flush()
            dispatch_ride.delay(customer_id)
            await session.commit()
        """
    )

    fixed, reasons = fix_and_reasons(source, tmp_path)

    assert reasons == []
    assert "    await session.commit()\n    dispatch_ride.delay(customer_id)\n" in fixed


def test_trailing_call_leaves_begin_block(tmp_path: Path) -> None:
    source = (Path(__file__).parent / "cases" / "ops1_sqlalchemy_session_begin.py").read_text()

    fixed, reasons = fix_and_reasons(source, tmp_path)

    assert reasons == []
    assert (
        "            session.flush()\n"
        "            order_id = order.id\n"
        '        producer.publish({"order": order_id}, routing_key="orders")  # expect-line\n'
        "        return order.id\n"
    ) in fixed
    assert ops101(fixed, tmp_path / "again") == []


REFUSED = {
    "return between": (
        """\
        def create_ride(customer_id, dry_run):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            if dry_run:
                return None
            db.session.commit()
        """,
        "the return at line 11 may skip the commit, on a path where the call ran before",
    ),
    "raise between": (
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            if ride.blocked:
                raise ValueError(customer_id)
            db.session.commit()
        """,
        "the raise at line 11 may skip the commit, on a path where the call ran before",
    ),
    "rollback between": (
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            if ride.blocked:
                db.session.rollback()
            db.session.commit()
        """,
        "db.session.rollback() at line 11 runs between the call and the commit",
    ),
    "argument rebound between": (
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            customer_id = None
            db.session.commit()
        """,
        "a statement between the call and the commit changes customer_id",
    ),
    "commit in another block": (
        """\
        def create_ride(customer_id, commit):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            if commit:
                db.session.commit()
        """,
        "no db.session.commit() follows the call in the same block",
    ),
    "no commit in the function": (
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            return ride
        """,
        "no db.session.commit() follows the call in this function, so the autofix cannot tell where the transaction ends",
    ),
    "lambda argument": (
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.apply_async(args=[customer_id], link=lambda: ride.id)
            db.session.commit()
        """,
        "an argument contains a lambda, whose body would read its variables after the commit",
    ),
    "second session pending": (
        """\
        def create_ride(customer_id, audit_session):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            audit_session.add(ride)
            dispatch_ride.delay(customer_id)
            db.session.commit()
            audit_session.commit()
        """,
        "writes through audit_session as well as db.session are pending, so committing db.session alone does not end them",
    ),
    "call not last in begin block": (
        """\
        def create_ride(customer_id):
            with db.session.begin():
                ride = Ride(customer_id=customer_id)
                db.session.add(ride)
                dispatch_ride.delay(customer_id)
                ride.status = "queued"
        """,
        "the call is not the last statement of the with session.begin(): block, and only a trailing call is moved",
    ),
    "session and begin in one with": (
        """\
        def create_ride(customer_id):
            with Session(engine) as session, session.begin():
                ride = Ride(customer_id=customer_id)
                session.add(ride)
                dispatch_ride.delay(customer_id)
        """,
        "the with statement also enters Session(engine), which exits before a call moved after the statement "
        "would run, so the autofix leaves the move to a person",
    ),
    "call nested in begin block": (
        """\
        def create_ride(customer_id, urgent):
            with db.session.begin():
                ride = Ride(customer_id=customer_id)
                db.session.add(ride)
                if urgent:
                    dispatch_ride.delay(customer_id)
        """,
        "the call is not directly inside the with session.begin(): block",
    ),
    "savepoint block": (
        """\
        def create_ride(customer_id):
            with db.session.begin_nested():
                ride = Ride(customer_id=customer_id)
                db.session.add(ride)
                dispatch_ride.delay(customer_id)
            db.session.commit()
        """,
        "leaving a begin_nested() block releases a savepoint, not the transaction, so the autofix cannot move the call out of it",
    ),
}


@pytest.mark.parametrize(("body", "reason"), REFUSED.values(), ids=list(REFUSED))
def test_unsafe_move_refused(body: str, reason: str, tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(body)

    fixed, reasons = fix_and_reasons(source, tmp_path)

    assert fixed == source
    assert reasons == [reason]


def test_caller_transaction_blocks_move(tmp_path: Path) -> None:
    source = HEADER + textwrap.dedent(
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            dispatch_ride.delay(customer_id)
            db.session.commit()


        def import_rides(customer_ids):
            with db.session.begin():
                for customer_id in customer_ids:
                    create_ride(customer_id)
        """
    )

    findings = [f for f in ops101(source, tmp_path) if f.line == 9]

    assert len(findings) == 1
    assert findings[0].fix is None
    assert findings[0].no_fix_reason == "a caller calls this function inside its own transaction, so the commit here may not end it"


def test_cli_diff_and_json_report_move(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    (root / "app" / "__init__.py").write_text("")
    source = HEADER + textwrap.dedent(
        """\
        def create_ride(customer_id):
            ride = Ride(customer_id=customer_id)
            db.session.add(ride)
            db.session.flush()
            dispatch_ride.delay(ride.id)
            db.session.commit()
        """
    )
    (root / "app" / "rides.py").write_text(source)
    command = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]

    diff = subprocess.run([*command, "--diff", "."], cwd=root, capture_output=True, text=True, timeout=120)
    report = subprocess.run([*command, "--format", "json", "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert diff.returncode == 1
    assert "-    dispatch_ride.delay(ride.id)\n" in diff.stdout
    assert "+    ride_id = ride.id\n" in diff.stdout
    assert "+    dispatch_ride.delay(ride_id)\n" in diff.stdout
    assert "opsgen lint: 1 finding(s), 1 fixable with --fix, 0 not fixable" in diff.stderr
    findings = json.loads(report.stdout)
    assert [(f["code"], f["fixable"]) for f in findings] == [("OPS101", True)]
    assert (root / "app" / "rides.py").read_text() == source
