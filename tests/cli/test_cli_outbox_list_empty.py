"""``opsgen outbox list`` with nothing to list prints a sentence, as ``opsgen ops list`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_opsgen

from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/opsgen.db"
    runtime = Runtime(Settings(root=tmp_path, database_url=url))
    runtime.ensure_schema()
    runtime.dispose()
    return url


def test_empty_outbox_says_so(tmp_path: Path, database_url: str) -> None:
    listed = run_opsgen(tmp_path, "outbox", "list", OPSGEN_DATABASE_URL=database_url)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "no durable effects in the outbox yet\n"


@pytest.mark.parametrize(
    "filters",
    [["--status", "pending", "--status", "failed"], ["--effect", "send_receipt"], ["--operation", "orders.place"]],
    ids=lambda filters: filters[0],
)
def test_no_match_says_filters_match_nothing(tmp_path: Path, database_url: str, filters: list[str]) -> None:
    listed = run_opsgen(tmp_path, "outbox", "list", *filters, OPSGEN_DATABASE_URL=database_url)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "no durable effects match these filters\n"


def test_empty_outbox_json_is_empty_list(tmp_path: Path, database_url: str) -> None:
    listed = run_opsgen(tmp_path, "outbox", "list", "--format", "json", OPSGEN_DATABASE_URL=database_url)

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
