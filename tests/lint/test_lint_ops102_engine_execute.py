"""OPS102 reports writes run one by one with SQLAlchemy 1.x's Engine.execute()."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example

RULES = [rule for rule in load_rules() if rule.code == "OPS102"]

HEADER = (
    "from sqlalchemy import create_engine, insert, text\n\n"
    "from ci.models import events\n\n"
    "ci = create_engine('postgresql://ci@localhost/ci')\n\n\n"
)
#: Line numbers of the function appended to HEADER start after this one.
BASE = HEADER.count("\n")


def _findings(body: str, tmp_path: Path) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint_example(Example(HEADER + body), RULES, tmp_path)]


def test_two_writes_on_engine(tmp_path: Path) -> None:
    body = (
        "def retry(build_id):\n"
        "    ci.execute(text('UPDATE builds SET state = :s WHERE id = :id'), {'s': 'queued', 'id': build_id})\n"
        "    ci.execute(insert(events).values(build_id=build_id))\n"
    )
    [(line, message)] = _findings(body, tmp_path)
    assert line == BASE + 2
    assert "makes 2 writes (ci.execute() at line" in message
    assert "with engine.begin() as conn:" in message


def test_write_in_loop_counts_several(tmp_path: Path) -> None:
    body = "def requeue(ids, engine):\n    for build_id in ids:\n        engine.execute(text('UPDATE builds SET state = 1 WHERE id = :id'), {'id': build_id})\n"
    [(_, message)] = _findings(body, tmp_path)
    assert "makes several writes" in message


def test_reads_and_exclusive_branches(tmp_path: Path) -> None:
    body = (
        "def sync(build_id, failed):\n"
        "    ci.execute(text('SELECT state FROM builds WHERE id = :id'), {'id': build_id})\n"
        "    if failed:\n"
        "        ci.execute(text('UPDATE builds SET state = 0'))\n"
        "    else:\n"
        "        ci.execute(text('DELETE FROM builds WHERE id = 1'))\n"
    )
    assert _findings(body, tmp_path) == []


def test_connection_from_engine_begin(tmp_path: Path) -> None:
    body = (
        "def retry(build_id):\n"
        "    with ci.begin() as conn:\n"
        "        conn.execute(text('UPDATE builds SET state = 1 WHERE id = :id'), {'id': build_id})\n"
        "        conn.execute(insert(events).values(build_id=build_id))\n"
    )
    assert _findings(body, tmp_path) == []
