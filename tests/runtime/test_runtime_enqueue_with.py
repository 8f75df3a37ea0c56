"""``handle.enqueue_with(ctx, mapping)``: what reaches the runtime's enqueuer, and what never does.

The Celery tests in ``tests/integrations/test_integration_celery_enqueue_with.py`` run
the whole path on a broker. These check the handle's own part with an enqueuer that
only stores its arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest
from pydantic import ValidationError

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.errors import IntegrationNotConfigured
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.runtime import Runtime


@pytest.fixture
def enqueued(runtime: Runtime) -> Iterator[list[tuple[Any, ...]]]:
    """The arguments of each ``runtime.enqueuer`` call during the test."""
    calls: list[tuple[Any, ...]] = []

    def enqueuer(handle: OperationHandle[Any, Any], ctx: Any, inputs: dict[str, Any]) -> str:
        calls.append((handle, ctx, inputs))
        return f"queued-{len(calls)}"

    runtime.enqueuer = enqueuer
    yield calls
    runtime.enqueuer = None


def test_enqueue_with_passes_mapping_copy(runtime: Runtime, enqueued: list[tuple[Any, ...]]) -> None:
    ctx = Context(actor="alice")
    body = MappingProxyType({"value": 3})

    returned = ops.echo.enqueue_with(ctx, body)

    assert returned == "queued-1"
    [(handle, passed_ctx, inputs)] = enqueued
    assert handle is ops.echo
    assert passed_ctx is ctx
    assert type(inputs) is dict
    assert inputs == {"value": 3}


@pytest.mark.parametrize("value", [[3], "3", 3, None], ids=["list", "str", "int", "none"])
def test_enqueue_with_non_mapping_not_enqueued(runtime: Runtime, enqueued: list[tuple[Any, ...]], value: Any) -> None:
    with pytest.raises(ValidationError, match=r"the input must be an object \(a mapping\) with the fields value"):
        ops.echo.enqueue_with(Context(), value)

    assert enqueued == []
    assert runtime.store.list_executions() == []


def test_enqueue_with_without_integration(runtime: Runtime) -> None:
    with pytest.raises(IntegrationNotConfigured, match="cannot enqueue misc.echo: no queue integration"):
        ops.echo.enqueue_with(Context(), {"value": 1})
