"""Secrets in the error of a failed effect delivery, on SQLite and PostgreSQL.

The handler's message quotes a sensitive payload value, a URL built from a sensitive
input and a URL with a password. The effect row, the log records, the drain report and
``opsgen outbox list`` must show none of them, from a durable effect's first attempt in
the committing process, from a dispatcher's retry, and from a non-durable effect alike.
The outbox payload stays unredacted for delivery. An operation's own error masks URL
passwords in its message and traceback too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import select

from opsgen.cli.main import main
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import (
    EffectDeclaration,
    OperationDeclaration,
    RetryPolicy,
    TransactionDeclaration,
)
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.outbox import drain
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.result import Failure
from opsgen.runtime.schema import effects, executions

API_TOKEN = "tok-5f1e9c2a77"
PASSWORD = "s3cret-Passw0rd"
PROXY_PASSWORD = "hunter22-proxy"
SECRETS = (API_TOKEN, PASSWORD, PROXY_PASSWORD)


class SyncInput(BaseModel):
    account: str
    password: str
    durable: bool = True


class SyncOutput(BaseModel):
    account: str


SYNC = OperationDeclaration(
    name="vault.sync_account",
    version=1,
    description="Push an account to the remote vault.",
    input_model=SyncInput,
    output_model=SyncOutput,
    transaction=TransactionDeclaration(),
    effects=(
        EffectDeclaration("push", "http", durable=True, retry=RetryPolicy(max_attempts=2, backoff=0.0)),
        EffectDeclaration("push_now", "http", retry=RetryPolicy(max_attempts=2, backoff=0.0)),
    ),
    sensitive_paths=frozenset({
        "input.password", "side_effects.push.payload.api_token", "side_effects.push_now.payload.api_token",
    }),
)


class SyncAccount(Operation[SyncInput, SyncOutput]):
    declaration = SYNC

    def run(  # type: ignore[override]
        self, ctx: ExecutionContext, *, account: str, password: str, durable: bool
    ) -> SyncOutput:
        ctx.effect("push" if durable else "push_now", {
            "account": account,
            "api_token": API_TOKEN,
            "callback": f"https://hooks.example.com/done?key={password}",
        })
        return SyncOutput(account=account)


sync_account = OperationHandle(SYNC, SyncAccount)


def failing_push(calls: list[EffectCall]) -> Callable[[EffectCall], None]:
    """Return a handler that records each call and fails quoting its payload and a proxy URL with a password."""

    def push(call: EffectCall) -> None:
        calls.append(call)
        raise RuntimeError(
            f"POST failed for token {call.payload['api_token']} to {call.payload['callback']} "
            f"through https://relay:{PROXY_PASSWORD}@proxy.example.com:3128/"
        )

    return push


def outbox_row(runtime: Runtime, execution_id: str) -> dict[str, object]:
    with runtime.engine.connect() as connection:
        row = connection.execute(select(effects).where(effects.c.execution_id == execution_id)).one()
    return dict(row._mapping)


def assert_scrubbed(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "POST failed for token *** to https://hooks.example.com/done?key=***" in text
    assert "https://relay:***@proxy.example.com:3128/" in text


def test_outbox_first_attempt_error_scrubbed(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[EffectCall] = []
    runtime.register_effect_handler("http", failing_push(calls))

    with caplog.at_level(logging.DEBUG, logger="opsgen"):
        result = sync_account(Context(), account="ines", password=PASSWORD)

    assert result.ok
    assert len(calls) == 1
    assert calls[0].payload["api_token"] == API_TOKEN
    row = outbox_row(runtime, str(result.execution_id))
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert isinstance(row["last_error"], str)
    assert row["last_error"].startswith("RuntimeError: ")
    assert_scrubbed(row["last_error"])
    assert row["payload"] == {
        "account": "ines",
        "api_token": API_TOKEN,
        "callback": f"https://hooks.example.com/done?key={PASSWORD}",
    }
    assert_scrubbed(caplog.text)


def test_outbox_dispatcher_error_scrubbed(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[EffectCall] = []
    runtime.register_effect_handler("http", failing_push(calls))
    result = sync_account(Context(), account="ines", password=PASSWORD)
    assert result.ok

    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="opsgen"):
        report = drain(runtime)

    assert len(calls) == 2
    assert calls[1].payload["api_token"] == API_TOKEN
    assert calls[1].payload["callback"] == f"https://hooks.example.com/done?key={PASSWORD}"
    assert report.failed == 1
    (reported,) = report.errors
    assert_scrubbed(reported)
    row = outbox_row(runtime, str(result.execution_id))
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert isinstance(row["last_error"], str)
    assert_scrubbed(row["last_error"])
    assert_scrubbed(caplog.text)


def test_non_durable_effect_error_scrubbed(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[EffectCall] = []
    runtime.register_effect_handler("http", failing_push(calls))

    with caplog.at_level(logging.DEBUG, logger="opsgen"):
        result = sync_account(Context(), account="ines", password=PASSWORD, durable=False)

    assert result.ok
    assert len(calls) == 2
    row = outbox_row(runtime, str(result.execution_id))
    assert (row["status"], row["attempts"], row["payload"]) == ("failed", 2, None)
    assert isinstance(row["last_error"], str)
    assert_scrubbed(row["last_error"])
    assert_scrubbed(caplog.text)


def test_outbox_list_shows_scrubbed_error(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime.register_effect_handler("http", failing_push([]))
    result = sync_account(Context(), account="ines", password=PASSWORD)
    assert result.ok
    drain(runtime)
    monkeypatch.setenv("OPSGEN_DATABASE_URL", runtime.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.chdir(tmp_path)

    assert main(["outbox", "list", "--format", "json"]) == 0
    listed = capsys.readouterr().out
    assert main(["outbox", "list"]) == 0
    table = capsys.readouterr().out

    (row,) = [row for row in json.loads(listed) if row["execution_id"] == result.execution_id]
    assert row["status"] == "failed"
    assert_scrubbed(row["last_error"])
    for secret in SECRETS:
        assert secret not in listed
        assert secret not in table


class ConnectInput(BaseModel):
    password: str


CONNECT = OperationDeclaration(
    name="vault.connect",
    version=1,
    description="Open a connection to the vault's database.",
    input_model=ConnectInput,
    output_model=SyncOutput,
    sensitive_paths=frozenset({"input.password"}),
)


class Connect(Operation[ConnectInput, SyncOutput]):
    declaration = CONNECT

    def run(self, ctx: ExecutionContext, *, password: str) -> SyncOutput:  # type: ignore[override]
        raise RuntimeError(
            f"cannot connect with {password} to postgresql://vault:{PROXY_PASSWORD}@db.example.com/vault"
        )


connect = OperationHandle(CONNECT, Connect)


def test_execution_error_masks_url_password(runtime: Runtime) -> None:
    result = connect(Context(), password=PASSWORD)

    assert isinstance(result, Failure)
    assert result.message == "RuntimeError: cannot connect with *** to postgresql://vault:***@db.example.com/vault"
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == result.execution_id)).one()._mapping
    assert row["error_message"] == result.message
    assert "postgresql://vault:***@db.example.com/vault" in row["traceback"]
    for secret in SECRETS:
        assert secret not in row["traceback"]
