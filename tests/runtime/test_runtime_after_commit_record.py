"""``ctx.after_commit`` records a stable name and scrubbed arguments, whatever the callable."""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Callable, Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import BaseModel
from test_runtime_cli import opsgen
from test_runtime_transactions import effect_rows

from opsgen.runtime.callbacks import MAX_TEXT_LENGTH, callable_name, callback_payload
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration, TransactionDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime

TOKEN = "s3cr3t-TOKEN-value"


class Receiver(BaseHTTPRequestHandler):
    """Records the path of every POST and responds with 204."""

    paths: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.paths.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on a free loopback port; yields its base URL and the paths it received."""
    paths: list[str] = []
    handler = type("TestReceiver", (Receiver,), {"paths": paths})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", paths
    server.shutdown()
    server.server_close()


class Notifier:
    """A callable object and a bound method, both raising with the URL they were given."""

    def __call__(self, url: str) -> None:
        raise ConnectionError(f"could not reach {url}")

    def post(self, url: str, *, retries: int) -> None:
        raise ConnectionError(f"gave up on {url} after {retries} retries")


class CancelInput(BaseModel):
    order_id: str
    api_token: str


class CancelOutput(BaseModel):
    status: str


def cancel_handle(base_url: str, seen: list[str]) -> OperationHandle[CancelInput, CancelOutput]:
    """Return ``orders.cancel``: it passes its sensitive token to one callback of each kind."""
    declaration = OperationDeclaration(
        "orders.cancel", 1, "", CancelInput, CancelOutput,
        transaction=TransactionDeclaration(),
        sensitive_paths=frozenset({"input.api_token"}),
    )

    class Cancel(Operation[CancelInput, CancelOutput]):
        def run(self, ctx: ExecutionContext, **inputs: Any) -> CancelOutput:
            url = f"{base_url}/cancelled/{inputs['order_id']}?token={inputs['api_token']}"
            ctx.after_commit(partial(urllib.request.urlopen, url, data=b"", timeout=5))
            ctx.after_commit(lambda: seen.append(url))
            ctx.after_commit(Notifier().post, url, retries=3)
            ctx.after_commit(Notifier(), url)
            ctx.after_commit(seen.append, {"token": inputs["api_token"], "tags": {"b", "a"}})
            return CancelOutput(status="cancelled")

    Cancel.declaration = declaration
    return OperationHandle(declaration, Cancel)


def test_callback_rows_hide_token(
    runtime: Runtime, receiver: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    base_url, paths = receiver
    seen: list[Any] = []
    handle = cancel_handle(base_url, seen)

    with caplog.at_level(logging.DEBUG):
        result = handle(Context(actor="ann"), order_id="o-42", api_token=TOKEN)

    assert result.ok
    # The callbacks themselves got the real token.
    assert paths == [f"/cancelled/o-42?token={TOKEN}"]
    assert seen[0] == f"{base_url}/cancelled/o-42?token={TOKEN}"
    assert seen[1]["token"] == TOKEN

    rows = effect_rows(runtime)
    prefix = f"{__name__}.cancel_handle.<locals>"
    assert [row["name"] for row in rows] == [
        "urllib.request.urlopen",
        f"{prefix}.Cancel.run.<locals>.<lambda>",
        f"{__name__}.Notifier.post",
        f"{__name__}.Notifier.__call__",
        "list.append",
    ]
    assert [row["status"] for row in rows] == ["delivered", "delivered", "failed", "failed", "delivered"]
    hidden_url = f"{base_url}/cancelled/o-42?token=***"
    assert rows[0]["payload_redacted"] == {
        "function": "urllib.request.urlopen",
        "args": [hidden_url],
        "kwargs": {"data": "b''", "timeout": 5},
    }
    assert rows[1]["payload_redacted"]["args"] == []
    assert rows[2]["payload_redacted"]["args"] == [hidden_url]
    assert rows[2]["payload_redacted"]["kwargs"] == {"retries": 3}
    assert rows[2]["last_error"] == f"ConnectionError: gave up on {hidden_url} after 3 retries"
    assert rows[3]["last_error"] == f"ConnectionError: could not reach {hidden_url}"
    assert rows[4]["payload_redacted"]["args"] == [{"token": "***", "tags": ["a", "b"]}]
    for row in rows:
        text = json.dumps(row, default=str)
        assert TOKEN not in text
        assert " at 0x" not in text

    logged = [record.getMessage() for record in caplog.records]
    assert any("effect urllib.request.urlopen (callback)" in line for line in logged)
    assert not [line for line in logged if TOKEN in line]


def test_ops_show_hides_callback_token(runtime: Runtime, receiver: tuple[str, list[str]]) -> None:
    base_url, _ = receiver
    result = cancel_handle(base_url, [])(Context(actor="ann"), order_id="o-7", api_token=TOKEN)
    assert result.ok

    shown = opsgen(runtime, "ops", "show", str(result.execution_id))
    document = opsgen(runtime, "ops", "show", str(result.execution_id), "--format", "json")

    assert shown.returncode == 0, shown.stderr
    assert "urllib.request.urlopen" in shown.stdout
    assert TOKEN not in shown.stdout
    assert document.returncode == 0, document.stderr
    assert TOKEN not in document.stdout
    effects = json.loads(document.stdout)["effects"]
    assert effects[0]["payload_redacted"]["args"] == [f"{base_url}/cancelled/o-7?token=***"]


def module_function(value: object) -> None:
    """A plain function, for the names below."""


class Greeter:
    def greet(self, name: str) -> str:
        return name


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (module_function, f"{__name__}.module_function"),
        (partial(partial(module_function), 1), f"{__name__}.module_function"),
        (Greeter().greet, f"{__name__}.Greeter.greet"),
        (Greeter, f"{__name__}.Greeter"),
        (Notifier(), f"{__name__}.Notifier.__call__"),
        (print, "builtins.print"),
    ],
)
def test_callable_name_forms(target: Callable[..., object], expected: str) -> None:
    assert callable_name(target) == expected


def test_payload_merges_nested_partials() -> None:
    inner = partial(module_function, "first", mode="inner", keep="inner")
    outer = partial(inner, "second", mode="outer")

    payload = callback_payload(outer, ("third",), {"extra": True}, ())

    assert payload == {
        "function": f"{__name__}.module_function",
        "args": ["first", "second", "third"],
        "kwargs": {"mode": "outer", "keep": "inner", "extra": True},
    }


def test_payload_shapes_and_limits() -> None:
    long_text = "x" * (MAX_TEXT_LENGTH - 2) + TOKEN
    nested: list[Any] = [1]
    nested.append(nested)

    payload = callback_payload(
        module_function,
        (long_text, list(range(30)), float("inf"), Greeter(), module_function, nested),
        {},
        (TOKEN,),
    )

    text, numbers, infinite, instance, function, cycle = payload["args"]
    assert text == "x" * (MAX_TEXT_LENGTH - 2) + "**..."
    assert numbers == [*range(20), "... 10 more items"]
    assert infinite == "Infinity"
    assert instance == f"<{__name__}.Greeter object>"
    assert function == f"<{__name__}.module_function>"
    assert cycle[0] == 1
    assert json.dumps(payload)
