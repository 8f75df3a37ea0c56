"""An operation called with a context that is neither a ``Context`` nor ``None`` raises ``TypeError``."""

from __future__ import annotations

from typing import Any

import pytest

import runtime_fixture_ops as ops
from opsgen.runtime.context import Context
from opsgen.runtime.execution import resolve_caller
from opsgen.runtime.runtime import Runtime

EXPECTED = (
    'the context argument of an operation call must be a Context, such as Context(actor="u-42"), '
    "or None to use the current context, not "
)


def test_dict_context_names_keys_and_fix(runtime: Runtime) -> None:
    wrong: Any = {"actor": "x"}

    with pytest.raises(TypeError) as raised:
        ops.echo(wrong, value=1)

    assert str(raised.value) == EXPECTED + "dict with keys 'actor'; pass Context(actor=...) instead"
    assert runtime.store.list_executions() == []


def test_dict_extra_keys_go_to_extra() -> None:
    with pytest.raises(TypeError) as raised:
        resolve_caller({"actor": "x", "tenant": "acme", "request_id": "r-1"})  # type: ignore[arg-type]

    assert str(raised.value) == (
        EXPECTED + "dict with keys 'actor', 'tenant', 'request_id'; "
        "pass Context(actor=..., request_id=..., extra={'tenant': ...}) instead"
    )


def test_dict_values_left_out_of_message() -> None:
    with pytest.raises(TypeError) as raised:
        resolve_caller({"actor": "secret-actor-token"})  # type: ignore[arg-type]

    assert "secret-actor-token" not in str(raised.value)


def test_string_context_names_type() -> None:
    with pytest.raises(TypeError) as raised:
        resolve_caller("u-42")  # type: ignore[arg-type]

    assert str(raised.value) == EXPECTED + "str"


def test_context_and_none_still_accepted(runtime: Runtime) -> None:
    assert ops.echo(Context(actor="x"), value=1).ok
    assert ops.echo(None, value=2).ok
    assert resolve_caller(Context(actor="y"))[1].actor == "y"
