"""OPS202 reports a Pony entity changed in Python: db_session writes it back at commit, with no save()."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

MODELS = """\
from pony.orm import Database, Required

db = Database()


class Ticket(db.Entity):
    remaining = Required(int)
"""

PONY_HEADER = """\
from pony.orm import db_session, select

from .models import Ticket

"""

REPORTED = {
    "get_by_keyword": """
@db_session
def sell(event_id, count):
    ticket = Ticket.get(event_id=event_id)
    ticket.remaining -= count
""",
    "subscript_by_key": """
@db_session
def sell(ticket_id, count):
    ticket = Ticket[ticket_id]
    ticket.remaining -= count
""",
    "entity_select_first": """
@db_session
def sell(event_id, count):
    ticket = Ticket.select(lambda t: t.event_id == event_id).first()
    ticket.remaining -= count
""",
}

NOT_REPORTED = {
    "get_for_update": """
@db_session
def sell(event_id, count):
    ticket = Ticket.get_for_update(event_id=event_id)
    ticket.remaining -= count
""",
    "select_for_update": """
@db_session
def sell(event_id, count):
    ticket = select(t for t in Ticket if t.event_id == event_id).for_update().first()
    ticket.remaining -= count
""",
    "new_entity": """
@db_session
def open_sales(count):
    ticket = Ticket(remaining=0)
    ticket.remaining += count
""",
    "plain_object": """
def tally(items):
    for item in items:
        item.seen += 1
""",
}

IMPORTED_ENTITY = """\
from .models import Ticket
from .sessions import session_scope


def sell(ticket_id, count):
    with session_scope():
        ticket = Ticket[ticket_id]
        ticket.remaining -= count
"""

DOMAIN_ENTITY = {
    "app/domain.py": """\
class Entity:
    pass


class Ticket(Entity):
    remaining = 0
""",
    "app/sales.py": """\
from .domain import Ticket


def sell(ticket_id, count):
    ticket = Ticket.get(ticket_id)
    ticket.remaining -= count
""",
}


def _ops202(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", **files})
    return [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS202"]


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_pony_entity_change_reported(tmp_path: Path, name: str) -> None:
    findings = _ops202(tmp_path, {"app/models.py": MODELS, "app/sales.py": PONY_HEADER + REPORTED[name]})

    assert [(Path(f.path).name, f.line) for f in findings] == [("sales.py", 9)]
    assert "db_session commits" in findings[0].message
    assert "get_for_update()" in findings[0].message


@pytest.mark.parametrize("name", sorted(NOT_REPORTED))
def test_pony_locked_or_new_not_reported(tmp_path: Path, name: str) -> None:
    assert _ops202(tmp_path, {"app/models.py": MODELS, "app/sales.py": PONY_HEADER + NOT_REPORTED[name]}) == []


def test_entity_imported_into_plain_module_reported(tmp_path: Path) -> None:
    findings = _ops202(tmp_path, {"app/models.py": MODELS, "app/sales.py": IMPORTED_ENTITY})

    assert [(Path(f.path).name, f.line) for f in findings] == [("sales.py", 8)]


def test_domain_entity_base_not_reported(tmp_path: Path) -> None:
    assert _ops202(tmp_path, DOMAIN_ENTITY) == []
