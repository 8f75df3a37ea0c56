"""Numbers JSON cannot hold (infinity, NaN) never keep a call from being recorded."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.json_values import finite_json, json_safe, may_hold_numbers
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import OperationFailed
from opsgen.runtime.runtime import Runtime


class Reading(BaseModel):
    value: float
    labels: dict[str, Any] = {}


class Scaled(BaseModel):
    value: float


class Counted(BaseModel):
    count: int
    name: str


def test_finite_json_names_what_json_cannot_hold() -> None:
    value = {"a": math.inf, "b": [1.5, -math.inf, {"c": math.nan}], "d": "text", "e": 2}
    assert finite_json(value) == {"a": "Infinity", "b": [1.5, "-Infinity", {"c": "NaN"}], "d": "text", "e": 2}


def test_finite_json_keeps_finite_values() -> None:
    value = {"a": 1.5, "b": [1, {"c": "x"}]}
    assert finite_json(value) is value


def test_json_safe_also_stringifies_other_objects() -> None:
    assert json_safe({"when": Path("/x"), "ratio": math.nan}) == {"when": "/x", "ratio": "NaN"}


def test_models_without_numbers_are_not_walked() -> None:
    assert may_hold_numbers(Reading)
    assert not may_hold_numbers(Counted)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Runtime]:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    built = Runtime(Settings(root=Path.cwd(), database_url=url))
    built.ensure_schema()
    yield built
    built.dispose()


def scale_handle(runtime: Runtime, *, transactional: bool) -> OperationHandle[Any, Any]:
    declaration = OperationDeclaration(
        "numbers.scale", 1, "", Reading, Scaled,
        transaction=TransactionDeclaration() if transactional else None,
    )

    class Scale(Operation[Reading, Scaled]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> Scaled:
            if inputs["labels"].get("fail"):
                raise OperationFailed("out_of_range", "no scale for this reading", {"value": inputs["value"]})
            return Scaled(value=inputs["value"] * 2)

    Scale.declaration = declaration
    return OperationHandle(declaration, Scale, runtime)


@pytest.mark.parametrize("transactional", [True, False])
def test_infinite_values_recorded(runtime: Runtime, transactional: bool) -> None:
    handle = scale_handle(runtime, transactional=transactional)
    result = handle(Context(), value=math.inf, labels={"unit": "m"})
    assert result.ok
    row = runtime.store.find_execution(result.execution_id)
    assert row is not None
    assert row["status"] == "succeeded"
    assert row["input"] == {"value": "Infinity", "labels": {"unit": "m"}}
    assert row["output"] == {"value": "Infinity"}


def test_nan_error_details_recorded(runtime: Runtime) -> None:
    handle = scale_handle(runtime, transactional=True)
    result = handle(Context(), value=math.nan, labels={"fail": True})
    assert not result.ok
    row = runtime.store.find_execution(result.execution_id)
    assert row is not None
    assert (row["status"], row["error_code"]) == ("failed", "out_of_range")
    assert row["error_details"] == {"value": "NaN"}
    assert row["input"]["value"] == "NaN"
