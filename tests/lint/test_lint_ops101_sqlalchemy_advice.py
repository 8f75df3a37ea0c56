"""OPS101 in SQLAlchemy: a Core connection's commit ends its transaction, and the message
names the move below the commit before the other remedies, with no session listener
advised for a Core connection."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

MOVE_BELOW_COMMIT = "which 'opsgen lint --fix' does where it is safe"
SESSION_LISTENER = "after_commit listener on the session"
OPERATION = "opsgen operation that declares it as an effect"


def ops101(tmp_path: Path, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source)), rules, tmp_path)


def test_connection_commit_ends_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy import create_engine, insert

        from ledger.tables import entries

        engine = create_engine("postgresql://ledger@db/ledger")


        def record(amount):
            with engine.connect() as conn:
                conn.execute(insert(entries).values(amount=amount))
                requests.post("https://example.invalid/before", data=amount)
                conn.commit()
                requests.post("https://example.invalid/inside", data=amount)
            requests.post("https://example.invalid/after", data=amount)
        """,
    )

    assert [f.line for f in findings] == [12]
    message = findings[0].message
    assert "inside the conn transaction begun by the write at line 11" in message
    assert message.endswith(f"move it below conn.commit(), {MOVE_BELOW_COMMIT}, or run it from an {OPERATION}")
    assert "session" not in message.partition(";")[2]
    assert findings[0].fix is not None
    assert findings[0].fix.kind == "move"


def test_connection_rollback_ends_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy import insert


        def record(engine, amount):
            connection = engine.connect()
            connection.execute(insert(entries).values(amount=amount))
            if amount < 0:
                connection.rollback()
            else:
                connection.commit()
            requests.post("https://example.invalid/after", data=amount)
        """,
    )

    assert findings == []


def test_connection_block_exit_ends_transaction(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy import insert


        def record(engine, amount):
            with engine.connect() as conn:
                conn.execute(insert(entries).values(amount=amount))
            requests.post("https://example.invalid/after", data=amount)
        """,
    )

    assert findings == []


def test_connection_without_commit_here(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy import insert
        from sqlalchemy.engine import Connection


        def record(conn: Connection, amount):
            conn.execute(insert(entries).values(amount=amount))
            requests.post("https://example.invalid/hook", data=amount)
        """,
    )

    assert [f.line for f in findings] == [8]
    message = findings[0].message
    assert message.endswith(f"move it below conn.commit() or out of an engine.begin() block, or run it from an {OPERATION}")
    assert SESSION_LISTENER not in message


def test_engine_begin_block_advice(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy import create_engine, insert

        engine = create_engine("postgresql://ledger@db/ledger")


        def record(amount):
            with engine.begin() as conn:
                conn.execute(insert(entries).values(amount=amount))
                requests.post("https://example.invalid/hook", data=amount)
        """,
    )

    assert [f.line for f in findings] == [10]
    assert findings[0].message.endswith(f"move it below the engine.begin() block, {MOVE_BELOW_COMMIT}, or run it from an {OPERATION}")


def test_session_commit_later_advice_order(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy.orm import Session


        def place(session: Session, order):
            session.add(order)
            requests.post("https://example.invalid/hook", data=order.id)
            session.commit()
        """,
    )

    assert [f.line for f in findings] == [7]
    advice = findings[0].message.partition("; ")[2]
    assert advice == f"move it below session.commit(), {MOVE_BELOW_COMMIT}, or defer it to an {SESSION_LISTENER} or to an {OPERATION}"


def test_session_block_advice_order(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy.orm import Session


        def place(session: Session, order):
            with session.begin():
                session.add(order)
                requests.post("https://example.invalid/hook", data=order.id)
        """,
    )

    assert [f.line for f in findings] == [8]
    advice = findings[0].message.partition("; ")[2]
    assert advice == f"move it below that block, {MOVE_BELOW_COMMIT}, or defer it to an {SESSION_LISTENER} or to an {OPERATION}"


def test_session_without_commit_here_keeps_listener_advice(tmp_path: Path) -> None:
    findings = ops101(
        tmp_path,
        """\
        import requests
        from sqlalchemy.orm import Session


        def place(session: Session, order):
            session.add(order)
            requests.post("https://example.invalid/hook", data=order.id)
        """,
    )

    assert [f.line for f in findings] == [7]
    assert findings[0].message.endswith(
        "defer it until after commit with an after_commit event listener on the session, or run it from an "
        f"{OPERATION}"
    )
