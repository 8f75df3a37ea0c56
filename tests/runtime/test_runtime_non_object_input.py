"""``call_with`` with input that is not a mapping: the recorded ``invalid_input`` failure.

A decoded JSON body can be a list, a string, a number or null. The pipeline must turn
each into the same failure as a mapping the input model rejects, keep the value on the
record, redacted and scrubbed, and never raise.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions

NON_OBJECTS = [["a@example.com", "s3cret-pw"], "a@example.com", 42, 4.5, True, None]


def stored_row(runtime: Runtime, execution_id: str | None) -> dict[str, Any]:
    assert execution_id is not None
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return dict(row._mapping)


@pytest.mark.parametrize("value", NON_OBJECTS, ids=["list", "str", "int", "float", "bool", "none"])
def test_non_object_input_recorded_failure(runtime: Runtime, value: Any) -> None:
    result = ops.register.call_with(Context(actor="alice", request_id="req-list"), value)

    expected = f"the input must be an object (a mapping) with the fields email, password, not {type(value).__name__}"
    assert isinstance(result, Failure)
    assert result.code == "invalid_input"
    assert result.message == f"invalid input for users.register: {expected}"
    assert result.details == {"errors": [{"field": "", "message": expected, "type": "model_type"}]}
    row = stored_row(runtime, result.execution_id)
    assert row["status"] == "failed"
    assert row["error_code"] == "invalid_input"
    assert row["operation"] == "users.register"
    assert row["request_id"] == "req-list"
    assert row["input"] == value


def test_non_object_input_redacted_and_scrubbed(runtime: Runtime) -> None:
    value = [{"email": "a@example.com", "password": "s3cret-pw"}, "typed s3cret-pw here"]

    result = ops.register.call_with(Context(actor="alice"), value)

    assert isinstance(result, Failure)
    assert result.code == "invalid_input"
    row = stored_row(runtime, result.execution_id)
    assert row["input"] == [{"email": "a@example.com", "password": "***"}, "typed *** here"]
    assert "s3cret-pw" not in str(row)


class EmptyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmptyOutput(BaseModel):
    done: bool


TICK = OperationDeclaration(
    name="clock.tick", version=1, description="Take no input.", input_model=EmptyInput, output_model=EmptyOutput
)


class Tick(Operation[EmptyInput, EmptyOutput]):
    declaration = TICK

    def run(self, ctx: ExecutionContext) -> EmptyOutput:  # type: ignore[override]
        return EmptyOutput(done=True)


def test_non_object_input_without_fields(runtime: Runtime) -> None:
    tick = OperationHandle(TICK, Tick)

    rejected = tick.call_with(Context(), [])
    accepted = tick.call_with(Context(), {})

    assert isinstance(rejected, Failure)
    assert rejected.details is not None
    assert rejected.details["errors"][0]["message"] == "the input must be an object (a mapping) with no fields, not list"
    assert accepted.ok
