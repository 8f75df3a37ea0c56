"""A project context manager that yields inside ``session.begin()``, or commits and closes
the session after its ``yield``, ends the session's transaction when the caller's ``with``
block ends. OPS101 leaves a call after the block alone and reports one inside it. One
that commits after its ``yield`` opens the transaction for the whole block."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

ASYNC_HELPER = """\
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://localhost/app"))
HOOKS = httpx.AsyncClient(timeout=5)


@asynccontextmanager
async def unit_of_work():
    async with SessionLocal() as session:
        async with session.begin():
            yield session


async def finish(event, http):
    async with unit_of_work() as session:
        session.add(event)
{inside}
{after}
"""

SYNC_HELPER = """\
from contextlib import contextmanager

import requests
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()


@contextmanager
def unit_of_work():
    with SessionLocal() as session, session.begin():
        yield session


def finish(event, http):
    with unit_of_work() as session:
        session.add(event)
{inside}
{after}
"""

#: A helper that commits after its ``yield`` and closes the session, with no ``begin()``.
SCOPE_HELPER = """\
from contextlib import contextmanager

import requests
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker()


@contextmanager
def unit_of_work():
    session = SessionLocal()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def finish(event, http):
    with unit_of_work() as session:
        session.add(event)
{inside}
{after}
"""

ASYNC_POST = "await HOOKS.post('https://example.invalid/hook')"
SYNC_POST = "requests.post('https://example.invalid/hook', timeout=5)"


def ops101(tmp_path: Path, template: str, inside: str = "", after: str = "") -> list[Finding]:
    source = template.replace("{inside}", f"        {inside}" if inside else "").replace("{after}", f"    {after}" if after else "")
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(source), rules, tmp_path)


HELPERS = {"async": (ASYNC_HELPER, ASYNC_POST), "sync": (SYNC_HELPER, SYNC_POST)}
ALL_HELPERS = {**HELPERS, "commit after yield": (SCOPE_HELPER, SYNC_POST)}


@pytest.mark.parametrize(("template", "post"), list(ALL_HELPERS.values()), ids=list(ALL_HELPERS))
def test_call_after_opener_block_is_quiet(tmp_path: Path, template: str, post: str) -> None:
    assert ops101(tmp_path, template, after=post) == []


@pytest.mark.parametrize(("template", "post"), list(HELPERS.values()), ids=list(HELPERS))
def test_call_inside_opener_block_is_reported(tmp_path: Path, template: str, post: str) -> None:
    findings = ops101(tmp_path, template, inside=post)
    block_line = next(n for n, line in enumerate(template.splitlines(), 1) if "with unit_of_work() as session:" in line)

    assert len(findings) == 1
    assert f"inside the unit_of_work() block at line {block_line}, which opens a session transaction" in findings[0].message


def test_call_inside_committing_helper_block_is_reported(tmp_path: Path) -> None:
    findings = ops101(tmp_path, SCOPE_HELPER, inside=SYNC_POST)
    block_line = next(n for n, line in enumerate(SCOPE_HELPER.splitlines(), 1) if "with unit_of_work() as session:" in line)

    assert len(findings) == 1
    # The helper commits after its yield, so the whole block is its transaction.
    assert f"inside the unit_of_work() block at line {block_line}, which opens a session transaction" in findings[0].message
