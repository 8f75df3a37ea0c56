"""The task message that ``enqueue`` sends through Celery, read back from a real Redis broker.

Celery shows a task's ``argsrepr`` and ``kwargsrepr`` headers in its logs, events and
monitors. opsgen sets them to the operation and the execution id, so a sensitive
input never shows there, while the body still carries the whole input for the worker.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from opsgen.integrations import celery as opsgen_celery
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions

SECRET = "correct horse battery staple"


class SignUpInput(BaseModel):
    user: str
    password: str


class SignUpOutput(BaseModel):
    user: str


SIGN_UP = OperationDeclaration(
    name="accounts.sign_up", version=1, description="Create an account.",
    input_model=SignUpInput, output_model=SignUpOutput, sensitive_fields=frozenset({"password"}),
    queue="accounts",
)


class SignUp(Operation[SignUpInput, SignUpOutput]):
    declaration = SIGN_UP

    def run(self, ctx: ExecutionContext, *, user: str, password: str) -> SignUpOutput:  # type: ignore[override]
        return SignUpOutput(user=user)


class ImportInput(BaseModel):
    """An input in the generated shape for the spec fields ``json`` and ``copy``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    json_: str = Field(alias="json", repr=False)
    copy_: int = Field(alias="copy", default=1)


IMPORT = OperationDeclaration(
    name="accounts.import_json", version=1, description="Import accounts from JSON.",
    input_model=ImportInput, output_model=SignUpOutput,
    sensitive_paths=frozenset({"input.json", "input.json_"}), queue="accounts",
)


class Import(Operation[ImportInput, SignUpOutput]):
    declaration = IMPORT

    def run(self, ctx: ExecutionContext, *, json_: str, copy_: int) -> SignUpOutput:  # type: ignore[override]
        return SignUpOutput(user=json_)


@pytest.fixture
def sent_messages(postgres_url: str, redis_url: str) -> Iterator[tuple[OperationHandle[Any, Any], Any]]:
    """Yield a handle installed on a Celery app with a key prefix of its own, and a reader of its queue."""
    with installed(postgres_url, redis_url, SIGN_UP, SignUp) as sent:
        yield sent


@pytest.fixture
def sent_import_messages(postgres_url: str, redis_url: str) -> Iterator[tuple[OperationHandle[Any, Any], Any]]:
    """Like ``sent_messages``, for the operation with aliased input fields."""
    with installed(postgres_url, redis_url, IMPORT, Import) as sent:
        yield sent


@contextmanager
def installed(
    postgres_url: str, redis_url: str, declaration: OperationDeclaration, operation: type[Operation[Any, Any]]
) -> Iterator[tuple[OperationHandle[Any, Any], Any]]:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=postgres_url))
    runtime.ensure_schema()
    prefix = f"opsgen-test-send-{uuid.uuid4().hex[:12]}:"
    app = Celery("opsgen_send_test", broker=redis_url)
    app.conf.broker_transport_options = {"global_keyprefix": prefix}
    handle: OperationHandle[Any, Any] = OperationHandle(declaration, operation, runtime)
    opsgen_celery.install(app, [handle], runtime=runtime, log_context=False)
    client = redis.Redis.from_url(redis_url)

    def read_queue() -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in client.lrange(f"{prefix}accounts", 0, -1)]

    yield handle, read_queue
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    app.close()
    runtime.dispose()


def test_task_headers_name_call_only(sent_messages: tuple[OperationHandle[Any, Any], Any]) -> None:
    handle, read_queue = sent_messages

    execution_id = handle.enqueue(Context(actor="kim"), user="kim", password=SECRET)

    (message,) = read_queue()
    headers = message["headers"]
    assert headers["id"] == execution_id
    assert headers["argsrepr"] == "()"
    assert headers["kwargsrepr"] == repr(
        {"message": {"operation": "accounts.sign_up", "execution_id": execution_id}}
    )
    assert SECRET not in json.dumps(headers)
    args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    assert args == []
    assert kwargs["message"]["execution_id"] == execution_id
    assert kwargs["message"]["input"] == {"user": "kim", "password": SECRET}


def test_rejected_sensitive_input_is_not_quoted(sent_messages: tuple[OperationHandle[Any, Any], Any]) -> None:
    handle, read_queue = sent_messages

    with pytest.raises(ValidationError) as rejected:
        handle.enqueue(Context(actor="kim"), user=None, password=[SECRET])
    with pytest.raises(ValidationError) as not_a_mapping:
        handle.enqueue_with(Context(actor="kim"), SECRET)  # type: ignore[arg-type]

    for error in (rejected.value, not_a_mapping.value):
        assert SECRET not in str(error)
        assert SECRET not in repr(error.errors())
    # The original error, which quotes the value, is not chained into a traceback either.
    assert rejected.value.__suppress_context__
    assert [line["loc"] for line in rejected.value.errors()] == [("user",), ("password",)]
    assert "Input should be a valid string" in str(rejected.value)
    assert read_queue() == []


def test_aliased_input_sent_by_json_key(sent_import_messages: tuple[OperationHandle[Any, Any], Any]) -> None:
    handle, read_queue = sent_import_messages

    handle.enqueue(Context(actor="kim"), json_=SECRET, copy_=2)

    (message,) = read_queue()
    _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    assert kwargs["message"]["input"] == {"json": SECRET, "copy": 2}
    with handle.runtime.engine.connect() as connection:
        recorded = connection.execute(
            select(executions.c.input).where(executions.c.id == kwargs["message"]["execution_id"])
        ).scalar_one()
    assert recorded == {"json": "***", "copy": 2}
