"""Log records carry the execution context; secrets appear nowhere; call tracing."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import runtime_fixture_ops as ops
from runtime_fixture_ops import make_runtime
from opsgen.runtime.context import Context
from opsgen.runtime.log_context import ContextFilter, JsonFormatter
from opsgen.runtime.runtime import Runtime, configure, reset_runtime

SECRET = "hunter2-correct-horse"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_user_log_carries_context(runtime: Runtime, captured: io.StringIO) -> None:
    result = ops.register(Context(actor="alice", request_id="req-9"), email="a@example.com", password=SECRET)

    lines = records(captured)
    user_line = next(line for line in lines if line["logger"] == "myapp.users")
    assert user_line["execution_id"] == result.execution_id
    assert user_line["operation"] == "users.register"
    assert user_line["actor"] == "alice"
    assert user_line["request_id"] == "req-9"
    starts = [line for line in lines if line["logger"] == "opsgen.execution"]
    assert [line["message"].split()[0] for line in starts] == ["started", "users.register"]
    assert starts[1]["duration_ms"] > 0
    assert starts[1]["status"] == "succeeded"


def test_secret_never_appears(runtime: Runtime, captured: io.StringIO, database_url: str) -> None:
    runtime.register_effect_handler("email", lambda call: None)
    results = [
        ops.register(Context(actor="a"), email="a@example.com", password=SECRET),
        ops.register(Context(actor="a"), email="taken@example.com", password=SECRET),
        ops.register(Context(actor="a"), email="crash@example.com", password=SECRET),
        ops.register(Context(actor="a"), email=12, password=[SECRET]),
    ]
    assert [result.ok for result in results] == [True, False, False, False]

    assert SECRET not in captured.getvalue()
    for result in results:
        assert SECRET not in repr(result)
    with runtime.engine.connect() as connection:
        for table in ("opsgen_executions", "opsgen_effects"):
            dump = repr(connection.execute(text(f"SELECT * FROM {table}")).all())
            assert SECRET not in dump, table

    env = {**os.environ, "OPSGEN_DATABASE_URL": runtime.engine.url.render_as_string(hide_password=False)}
    opsgen = str(Path(sys.executable).with_name("opsgen"))
    for args in (["ops", "list", "--format", "json"], ["ops", "list"]):
        shown = subprocess.run([opsgen, *args], env=env, capture_output=True, text=True, timeout=60, check=True)
        assert SECRET not in shown.stdout
    for result in results:
        for output in ("json", "table"):
            shown = subprocess.run(
                [opsgen, "ops", "show", str(result.execution_id), "--format", output],
                env=env, capture_output=True, text=True, timeout=60, check=True,
            )
            assert SECRET not in shown.stdout
            assert str(result.execution_id)[:8] in shown.stdout


def test_call_tracing_logs_redacted_calls(sqlite_url: str, tmp_path: Path, captured: io.StringIO) -> None:
    package = tmp_path / "tracedapp"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "mailing.py").write_text(
        "def add_to_list(email, list_name):\n    return list_name\n\n"
        "def subscribe(email, password):\n    return [add_to_list(email, n) for n in ('a', 'b', 'c')]\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import tracedapp.mailing as mailing

        runtime = make_runtime(sqlite_url, trace_modules=("tracedapp.mailing",))
        configure(runtime)

        class Traced(ops.Register):
            def run(self, ctx: Any, *, email: str, password: str) -> ops.RegisterOutput:  # type: ignore[override]
                mailing.subscribe(email, password)
                return ops.RegisterOutput(user=email)

        handle = ops.OperationHandle(ops.REGISTER, Traced)
        result = handle(Context(actor="a"), email="t@example.com", password=SECRET)
        mailing.subscribe("outside@example.com", "not-traced")
    finally:
        sys.path.remove(str(tmp_path))
        reset_runtime()

    traced = [line for line in records(captured) if line["logger"] == "opsgen.trace"]
    assert [line["message"].split("(")[0] for line in traced] == [
        "call tracedapp.mailing.subscribe",
        "call tracedapp.mailing.add_to_list",
        "call tracedapp.mailing.add_to_list",
        "call tracedapp.mailing.add_to_list",
    ]
    assert "password=***" in traced[0]["message"]
    assert "list_name='c'" in traced[3]["message"]
    assert all(line["execution_id"] == result.execution_id for line in traced)
    assert SECRET not in captured.getvalue()
    assert sys.getprofile() is None


def test_record_outside_execution_has_empty_context(captured: io.StringIO) -> None:
    logging.getLogger("myapp.idle").warning("no execution here")

    (line,) = [line for line in records(captured) if line["logger"] == "myapp.idle"]
    assert "execution_id" not in line
    assert line["message"] == "no execution here"


def test_worker_line_names_queued_execution(captured: io.StringIO) -> None:
    logging.getLogger("opsgen.integrations.background").warning(
        "took over execution q-1", extra={"queued_execution_id": "q-1"}
    )

    (line,) = [line for line in records(captured) if line["logger"] == "opsgen.integrations.background"]
    assert line["execution_id"] == "q-1"


def test_text_format_names_context(runtime: Runtime) -> None:
    from opsgen.runtime.log_context import configure_logging

    stream = io.StringIO()
    handler = configure_logging(logging.INFO, stream=stream)
    try:
        result = ops.echo(Context(actor="x"), value=1)
    finally:
        logging.getLogger().removeHandler(handler)
    assert f"[{result.execution_id} misc.echo] started misc.echo" in stream.getvalue()


def test_text_format_leaves_out_missing_context() -> None:
    from opsgen.runtime.log_context import configure_logging

    stream = io.StringIO()
    handler = configure_logging(logging.INFO, stream=stream)
    try:
        logging.getLogger("myapp.idle").warning("no execution here")
        logging.getLogger("opsgen.integrations.background").warning(
            "took over execution q-1", extra={"queued_execution_id": "q-1"}
        )
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert "None" not in text
    assert "myapp.idle no execution here" in text
    assert "opsgen.integrations.background [q-1] took over execution q-1" in text
