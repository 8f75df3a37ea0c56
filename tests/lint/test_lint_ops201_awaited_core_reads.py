"""OPS201 follows a SQLAlchemy Core column read through ``await`` to the update that writes it back."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

INLINE = """\
from sqlalchemy import select, update


async def spend(engine, org_id, cost):
    async with engine.begin() as conn:
        balance = (await conn.execute(select(credits.c.balance).where(credits.c.org_id == org_id))).scalar_one()
        if balance < cost:
            raise ValueError(org_id)
        await conn.execute(update(credits).where(credits.c.org_id == org_id).values(balance=balance - cost))
"""

SPLIT = """\
from sqlalchemy import select, update


async def spend(engine, org_id, cost):
    async with engine.begin() as conn:
        result = await conn.execute(select(credits.c.balance).where(credits.c.org_id == org_id))
        balance = result.scalar_one()
        await conn.execute(update(credits).where(credits.c.org_id == org_id).values(balance=balance - cost))
"""

SPLIT_SYNC = SPLIT.replace("async ", "").replace("await ", "")

LOCKED = INLINE.replace(".where(credits.c.org_id == org_id))).scalar_one()", ".where(credits.c.org_id == org_id).with_for_update())).scalar_one()")

FROM_COLUMN = """\
from sqlalchemy import select, update


async def spend(engine, org_id, cost):
    async with engine.begin() as conn:
        result = await conn.execute(select(credits.c.balance).where(credits.c.org_id == org_id))
        balance = result.scalar_one()
        await conn.execute(update(credits).where(credits.c.org_id == org_id).values(balance=credits.c.balance - cost))
        return balance
"""

CONNECTION_SCALAR = """\
from sqlalchemy import select, update


async def spend(engine, org_id, cost):
    async with engine.begin() as conn:
        balance = await conn.scalar(select(credits.c.balance).where(credits.c.org_id == org_id))
        await conn.execute(update(credits).where(credits.c.org_id == org_id).values(balance=balance - cost))
"""

THROUGH_NAME = """\
from sqlalchemy import select, update


async def spend(engine, org_id, cost):
    async with engine.begin() as conn:
        result = await conn.execute(select(credits.c.balance).where(credits.c.org_id == org_id))
        balance = result.scalar_one()
        remaining = balance - cost
        await conn.execute(update(credits).where(credits.c.org_id == org_id).values(balance=remaining))
"""

COPIED = """\
from sqlalchemy import select, update


async def restore(engine, org_id):
    async with engine.begin() as conn:
        balance = await conn.scalar(select(credits.c.balance).where(credits.c.org_id == org_id))
        await conn.execute(update(credits).where(credits.c.org_id == 0).values(balance=balance))
"""


def _ops201_lines(tmp_path: Path, source: str) -> list[int]:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/credits.py": source})
    return [f.line for f in lint_paths([root], use_cache=False).findings if f.code == "OPS201"]


def test_awaited_scalar_one_inline_reported(tmp_path: Path) -> None:
    assert _ops201_lines(tmp_path, INLINE) == [6]


def test_awaited_result_then_scalar_one_reported(tmp_path: Path) -> None:
    # The finding is reported where the query ran, as for a row loaded from a result.
    assert _ops201_lines(tmp_path, SPLIT) == [6]


def test_result_then_scalar_one_reported_sync(tmp_path: Path) -> None:
    assert _ops201_lines(tmp_path, SPLIT_SYNC) == [6]


def test_awaited_read_with_for_update_not_reported(tmp_path: Path) -> None:
    assert "with_for_update" in LOCKED
    assert _ops201_lines(tmp_path, LOCKED) == []


def test_update_from_column_not_reported(tmp_path: Path) -> None:
    assert _ops201_lines(tmp_path, FROM_COLUMN) == []


def test_connection_scalar_read_reported(tmp_path: Path) -> None:
    assert _ops201_lines(tmp_path, CONNECTION_SCALAR) == [6]


def test_write_through_computed_name_reported(tmp_path: Path) -> None:
    assert _ops201_lines(tmp_path, THROUGH_NAME) == [6]


def test_value_copied_unchanged_not_reported(tmp_path: Path) -> None:
    assert _ops201_lines(tmp_path, COPIED) == []
