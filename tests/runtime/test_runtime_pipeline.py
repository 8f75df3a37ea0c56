"""The pipeline: results, execution records, context checks, nesting, settings."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import select

import runtime_fixture_ops as ops
from runtime_fixture_ops import make_runtime
from opsgen.runtime.config import load_settings
from opsgen.runtime.context import Context, current_context, use_context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.errors import IntegrationNotConfigured, NoTransactionError
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.pipeline import missing_context, missing_context_message
from opsgen.runtime.result import Failure, Success
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions


def record(runtime: Runtime, execution_id: str | None) -> dict[str, Any]:
    assert execution_id is not None
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return dict(row._mapping)


def test_success_records_output(runtime: Runtime) -> None:
    result = ops.register(Context(actor="alice", request_id="req-1"), email="a@example.com", password="s3cret-pw")

    assert isinstance(result, Success)
    assert result.value == ops.RegisterOutput(user="a@example.com")
    row = record(runtime, result.execution_id)
    assert row["status"] == "succeeded"
    assert row["actor"] == "alice"
    assert row["request_id"] == "req-1"
    assert row["output"] == {"user": "a@example.com"}
    assert row["input"] == {"email": "a@example.com", "password": "***"}
    assert row["duration_ms"] > 0
    assert row["pid"] > 0
    assert row["host"]


def test_declared_error_becomes_failure(runtime: Runtime) -> None:
    result = ops.register(Context(actor="alice"), email="taken@example.com", password="s3cret-pw")

    assert isinstance(result, Failure)
    assert result.code == "email_taken"
    assert result.details == {"email": "taken@example.com", "password": "***"}
    row = record(runtime, result.execution_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "email_taken"
    assert row["traceback"] is None


def test_exception_records_traceback(runtime: Runtime) -> None:
    result = ops.register(Context(actor="alice"), email="crash@example.com", password="s3cret-pw")

    assert isinstance(result, Failure)
    assert result.code == "unhandled_exception"
    assert "RuntimeError" in result.message
    row = record(runtime, result.execution_id)
    assert "Traceback" in row["traceback"]
    assert "s3cret-pw" not in row["traceback"]
    assert "s3cret-pw" not in result.message


def test_invalid_input_is_recorded(runtime: Runtime) -> None:
    result = ops.register(Context(actor="alice"), email=["not", "a", "string"], password="s3cret-pw")

    assert isinstance(result, Failure)
    assert result.code == "invalid_input"
    assert result.details["errors"][0]["field"] == "email"
    row = record(runtime, result.execution_id)
    assert row["status"] == "failed"
    assert row["input"]["password"] == "***"


def test_missing_context_names_key(runtime: Runtime) -> None:
    result = ops.register(Context(), email="a@example.com", password="s3cret-pw")

    assert isinstance(result, Failure)
    assert result.code == "missing_context"
    assert result.details == {"missing": ["actor"]}
    assert "actor" in result.message


def test_missing_custom_context_names_extra() -> None:
    message = missing_context_message("billing.pay", ["actor", "tenant_id"])

    assert message == (
        "billing.pay requires the context keys actor, tenant_id, which the caller's context does not set; "
        "pass Context(actor=..., extra={'tenant_id': ...}) (custom keys go in Context.extra), or call inside "
        "opsgen.runtime.context.use_context(...) with such a Context"
    )
    assert missing_context(["actor", "tenant_id"], Context(actor="u-1", extra={"tenant_id": "t-1"})) == []


def test_context_comes_from_contextvar(runtime: Runtime) -> None:
    with use_context(Context(actor="from-var")):
        result = ops.register(None, email="a@example.com", password="s3cret-pw")
    assert result.ok
    assert record(runtime, result.execution_id)["actor"] == "from-var"


class ProbeInput(BaseModel):
    depth: int


class ProbeOutput(BaseModel):
    seen: list[str]


def _probe_handles() -> tuple[OperationHandle[ProbeInput, ProbeOutput], list[Any]]:
    observed: list[Any] = []
    declaration = OperationDeclaration("probe.nest", 1, "", ProbeInput, ProbeOutput)

    class Probe(Operation[ProbeInput, ProbeOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> ProbeOutput:
            observed.append((ctx.execution_id, ctx.parent_execution_id, current_context().actor))
            if inputs["depth"] > 0:
                # A plain Context, as code that does not know about nesting would pass.
                handle(Context(actor="inner"), depth=inputs["depth"] - 1).unwrap()
            return ProbeOutput(seen=[ctx.execution_id])

    Probe.declaration = declaration
    handle = OperationHandle(declaration, Probe)
    return handle, observed


def test_nested_calls_link_to_parent(runtime: Runtime) -> None:
    handle, observed = _probe_handles()

    result = handle(Context(actor="outer"), depth=2)

    assert result.ok
    (top, top_parent, top_actor), (mid, mid_parent, mid_actor), (low, low_parent, _) = observed
    assert top_parent is None
    assert mid_parent == top
    assert low_parent == mid
    assert (top_actor, mid_actor) == ("outer", "inner")
    tree = runtime.store.tree(top)
    assert [row["id"] for row in tree] == [top, mid, low]
    assert {row["root_id"] for row in tree} == {top}


def test_session_needs_transaction(runtime: Runtime) -> None:
    declaration = OperationDeclaration("probe.session", 1, "", ProbeInput, ProbeOutput)

    class NoTransaction(Operation[ProbeInput, ProbeOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> ProbeOutput:
            ctx.session
            return ProbeOutput(seen=[])

    NoTransaction.declaration = declaration
    result = OperationHandle(declaration, NoTransaction)(Context(), depth=0)

    assert isinstance(result, Failure)
    assert result.code == "unhandled_exception"
    assert NoTransactionError.__name__ in result.message
    assert "transaction: true" in result.message


def test_running_record_is_visible(runtime: Runtime) -> None:
    started = threading.Event()
    release = threading.Event()
    declaration = OperationDeclaration("probe.slow", 1, "", ProbeInput, ProbeOutput)

    class Slow(Operation[ProbeInput, ProbeOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> ProbeOutput:
            started.set()
            release.wait(10)
            return ProbeOutput(seen=[])

    Slow.declaration = declaration
    handle = OperationHandle(declaration, Slow, runtime)
    worker = threading.Thread(target=handle, args=(Context(),), kwargs={"depth": 0})
    worker.start()
    try:
        assert started.wait(10)
        running = runtime.store.list_executions(status=["running"])
        assert [row["operation"] for row in running] == ["probe.slow"]
    finally:
        release.set()
        worker.join(10)
    assert runtime.store.list_executions(status=["running"]) == []


def test_log_disabled_writes_nothing(sqlite_url: str) -> None:
    runtime = make_runtime(sqlite_url, log_enabled=False)
    result = ops.echo.bind(runtime)(Context(), value=3)

    assert result.ok
    assert result.execution_id
    assert runtime.store.list_executions() == []


def test_enqueue_without_integration_fails_clearly(runtime: Runtime) -> None:
    with pytest.raises(IntegrationNotConfigured, match="opsgen.integrations.celery"):
        ops.echo.enqueue(Context(), value=1)


def test_implementation_path_imports_lazily(runtime: Runtime) -> None:
    handle = OperationHandle(ops.ECHO, "runtime_fixture_ops:Echo")
    result = handle(Context(), value=9)
    assert result.ok
    assert result.unwrap() == ops.EchoOutput(value=9)


def test_settings_from_pyproject_and_env(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.opsgen]\nspecs = "ops"\npackage = "app/generated"\ndatabase-url = "sqlite:///var/log.db"\n'
        'trace-modules = ["myapp.mailing"]\n',
        encoding="utf-8",
    )
    nested = tmp_path / "src" / "deep"
    nested.mkdir(parents=True)

    settings = load_settings(nested, environ={})
    assert settings.specs == "ops"
    assert settings.package == "app/generated"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/var/log.db"
    assert settings.trace_modules == ("myapp.mailing",)
    assert settings.log_enabled is True

    overridden = load_settings(nested, environ={
        "OPSGEN_DATABASE_URL": "postgresql+psycopg://db/app",
        "OPSGEN_LOG_ENABLED": "false",
        "OPSGEN_TRACE_MODULES": "a.b, c",
    })
    assert overridden.database_url == "postgresql+psycopg://db/app"
    assert overridden.log_enabled is False
    assert overridden.trace_modules == ("a.b", "c")


def test_migrations_reach_head(sqlite_url: str) -> None:
    from opsgen.runtime.migrate import current_revision, head_revision

    runtime = make_runtime(sqlite_url)
    assert current_revision(runtime.engine) == head_revision()


def test_pipeline_records_duration_of_slow_call(runtime: Runtime) -> None:
    declaration = OperationDeclaration("probe.timed", 1, "", ProbeInput, ProbeOutput)

    class Timed(Operation[ProbeInput, ProbeOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> ProbeOutput:
            time.sleep(0.05)
            return ProbeOutput(seen=[])

    Timed.declaration = declaration
    result = OperationHandle(declaration, Timed)(Context(), depth=0)
    assert record(runtime, result.execution_id)["duration_ms"] >= 50
