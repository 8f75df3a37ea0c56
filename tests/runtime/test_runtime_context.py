"""Context values, their context variable, and the result type."""

from __future__ import annotations

import contextvars

import pytest

from opsgen.runtime.context import Context, bind_context, current_context, use_context
from opsgen.runtime.result import Failure, Success, UnwrapError


def test_context_round_trips_through_dict() -> None:
    ctx = Context(actor="u1", organization="o1", request_id="r1", correlation_id="c1",
                  parent_execution_id="p1", extra={"tenant": "t"})
    data = ctx.to_dict()
    assert data["extra"] == {"tenant": "t"}
    assert Context.from_dict(data) == ctx


def test_context_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown context keys"):
        Context.from_dict({"actor": "u1", "acter": "typo"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{broken", "a context must be a mapping of context keys, not str '{broken'"),
        (["actor"], "a context must be a mapping of context keys, not list"),
        ({"actor": "u1", "extra": "tenant=t"}, "the context's 'extra' must be a mapping of names to values, not str"),
        ({"actor": "u1", "extra": [["tenant", "t"]]}, "the context's 'extra' must be a mapping"),
    ],
)
def test_context_from_dict_rejects_non_mapping(data: object, message: str) -> None:
    # A message from a broker can carry anything; only ValueError may come out.
    with pytest.raises(ValueError) as raised:
        Context.from_dict(data)  # type: ignore[arg-type]
    assert message in str(raised.value)


def test_context_get_reads_extra_keys() -> None:
    ctx = Context(actor="u1").replace(tenant="t1")
    assert ctx.get("actor") == "u1"
    assert ctx.get("tenant") == "t1"
    assert ctx.get("missing") is None


@pytest.mark.parametrize(
    ("key", "builtin"),
    [
        ("organisation", "organization"),
        ("reqeust_id", "request_id"),
        ("actr", "actor"),
        ("correlationid", "correlation_id"),
        ("parent_executon_id", "parent_execution_id"),
    ],
)
def test_bind_context_rejects_misspelt_key(key: str, builtin: str) -> None:
    with use_context(Context(actor="outer")):
        with pytest.raises(TypeError) as raised:
            with bind_context(**{key: "x"}):
                pass
        assert current_context() == Context(actor="outer")

    message = str(raised.value)
    assert message.startswith(f"unknown context key {key!r}. Did you mean {builtin!r}?")
    assert f"pass extra={{{key!r}: ...}}" in message


def test_bind_context_extra_sets_close_key() -> None:
    with bind_context(extra={"organisation": "acme"}, tenant="t1") as ctx:
        assert ctx.extra == {"organisation": "acme", "tenant": "t1"}
        assert ctx.organization is None


@pytest.mark.parametrize("key", ["factor", "tenant_id", "requester_id", "request_ip", "organization_id"])
def test_bind_context_keeps_custom_keys(key: str) -> None:
    with bind_context(**{key: "x"}) as ctx:
        assert ctx.extra == {key: "x"}


def test_use_context_restores_previous() -> None:
    outer = Context(actor="outer")
    with use_context(outer):
        with bind_context(request_id="r2") as inner:
            assert current_context() is inner
            assert inner.actor == "outer"
        assert current_context() is outer
    assert current_context() == Context()


def test_context_follows_copied_contextvars() -> None:
    with use_context(Context(actor="a")):
        copied = contextvars.copy_context()
    assert copied.run(current_context).actor == "a"
    assert current_context().actor is None


def test_unwrap_of_failure_raises_with_code() -> None:
    failure = Failure("email_taken", "taken", "exec-1", {"email": "x"})
    with pytest.raises(UnwrapError) as caught:
        failure.unwrap()
    assert caught.value.code == "email_taken"
    assert caught.value.execution_id == "exec-1"
    assert Success(5, "exec-2").unwrap() == 5
