"""Models whose fields have an alias, in the shape generated for ``json`` and ``copy``.

The runtime passes ``run`` the Python names, and records, redacts, fills lock keys
and hands effect payloads to handlers under the JSON keys (the aliases).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import EffectDeclaration, LockDeclaration, OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Failure, Success
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import executions

SECRET = "s3cret-json-value"


class ArchiveInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    json_: str = Field(alias="json", repr=False)
    copy_: int = Field(alias="copy", default=1)


class ArchiveOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str = Field(alias="schema")


class NotifyPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    self_: int = Field(alias="self")


ARCHIVE = OperationDeclaration(
    name="docs.archive",
    version=1,
    description="Archive a document.",
    input_model=ArchiveInput,
    output_model=ArchiveOutput,
    locks=(LockDeclaration(key="archive:{copy}"),),
    effects=(EffectDeclaration("notify", "custom"),),
    sensitive_paths=frozenset({"input.json", "input.json_"}),
)

received: list[dict[str, Any]] = []


class Archive(Operation[ArchiveInput, ArchiveOutput]):
    declaration = ARCHIVE

    def run(self, ctx: ExecutionContext, **inputs: Any) -> ArchiveOutput:
        received.append(inputs)
        if inputs["copy_"] < 0:
            raise RuntimeError(f"cannot archive {inputs['json_']}")
        ctx.effect("notify", NotifyPayload.model_validate({"self": inputs["copy_"]}))
        return ArchiveOutput.model_validate({"schema": f"v{inputs['copy_']}"})


archive = OperationHandle(ARCHIVE, Archive)


def record(runtime: Runtime, execution_id: str | None) -> dict[str, Any]:
    assert execution_id is not None
    with runtime.engine.connect() as connection:
        row = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return dict(row._mapping)


def test_aliased_input_records_json_keys(runtime: Runtime) -> None:
    delivered: list[dict[str, Any]] = []
    runtime.register_effect_handler("custom", lambda call: delivered.append(dict(call.payload)))
    received.clear()

    result = archive.call_with(Context(), {"json": SECRET, "copy": 3})

    assert isinstance(result, Success)
    assert received == [{"json_": SECRET, "copy_": 3}]
    row = record(runtime, result.execution_id)
    assert row["input"] == {"json": "***", "copy": 3}
    assert row["output"] == {"schema": "v3"}
    assert row["lock_keys"] == ["archive:3"]
    assert delivered == [{"self": 3}]


def test_aliased_input_by_python_name(runtime: Runtime) -> None:
    runtime.register_effect_handler("custom", lambda call: None)

    result = archive(Context(), json_=SECRET, copy_=2)

    assert isinstance(result, Success)
    assert record(runtime, result.execution_id)["input"] == {"json": "***", "copy": 2}


def test_aliased_secret_scrubbed_from_failure(runtime: Runtime) -> None:
    result = archive.call_with(Context(), {"json": SECRET, "copy": -1})

    assert isinstance(result, Failure)
    assert result.code == "unhandled_exception"
    assert SECRET not in result.message
    assert SECRET not in (record(runtime, result.execution_id)["traceback"] or "")


def test_rejected_input_redacts_python_name(runtime: Runtime) -> None:
    result = archive.call_with(Context(), {"json_": SECRET, "copy": "many"})

    assert isinstance(result, Failure)
    assert result.code == "invalid_input"
    assert result.details["errors"][0]["field"] == "copy"
    assert record(runtime, result.execution_id)["input"] == {"json_": "***", "copy": "many"}


def test_missing_aliased_field_named_by_json_key(runtime: Runtime) -> None:
    result = archive.call_with(Context(), {"copy": 1})

    assert isinstance(result, Failure)
    assert result.code == "invalid_input"
    assert [problem["field"] for problem in result.details["errors"]] == ["json"]
    assert "json: Field required" in result.message
