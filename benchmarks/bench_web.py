"""Per-request cost of the web integrations: Starlette middleware, FastAPI dependency, Flask extension.

Usage: python benchmarks/bench_web.py [--quick]

Each pair of apps serves the same trivial endpoint, without and with the opsgen
context; the endpoint runs no operation, so the difference is the integration's own
cost. Requests go straight to the ASGI or WSGI callable, with no network and no test
client, so the baseline is as small as the framework allows and the added cost shows.
The variants alternate in every round; figures are medians.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import compare, machine  # noqa: E402

HEADERS = [(b"x-user", b"alice"), (b"x-request-id", b"req-1")]


def asgi_caller(app: Any) -> Callable[[], None]:
    """Return a function that sends one GET / request to ``app`` and checks the status."""
    loop = asyncio.new_event_loop()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/", "raw_path": b"/", "root_path": "", "query_string": b"", "headers": HEADERS,
        "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def request() -> None:
        statuses: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(dict(scope), receive, send)
        assert statuses == [200], statuses

    return lambda: loop.run_until_complete(request())


def starlette_apps() -> tuple[Any, Any]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from opsgen.integrations.starlette import OpsgenContextMiddleware

    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    routes = [Route("/", endpoint)]
    plain = Starlette(routes=routes)
    with_context = Starlette(
        routes=routes,
        middleware=[Middleware(OpsgenContextMiddleware, actor=lambda request: request.headers.get("x-user"))],
    )
    return plain, with_context


def fastapi_apps() -> tuple[Any, Any]:
    from fastapi import Depends, FastAPI

    from opsgen.integrations.fastapi import context_dependency
    from opsgen.runtime.context import Context

    plain = FastAPI()
    with_context = FastAPI()
    opsgen_context = context_dependency(actor=lambda request: request.headers.get("x-user"))

    @plain.get("/")
    async def plain_endpoint() -> dict[str, str]:
        return {"ok": "yes"}

    @with_context.get("/")
    async def context_endpoint(ctx: Context = Depends(opsgen_context)) -> dict[str, str]:
        return {"ok": "yes"}

    return plain, with_context


def flask_callers() -> tuple[Callable[[], None], Callable[[], None]]:
    from flask import Flask
    from werkzeug.test import EnvironBuilder

    from opsgen.integrations.flask import OpsgenFlask

    def build(with_context: bool) -> Callable[[], None]:
        app = Flask(f"bench_{with_context}")
        if with_context:
            OpsgenFlask(app, actor=lambda request: request.headers.get("X-User"))

        @app.get("/")
        def endpoint() -> str:
            return "ok"

        environ = EnvironBuilder(path="/", headers={"X-User": "alice", "X-Request-ID": "req-1"}).get_environ()

        def call() -> None:
            statuses: list[str] = []
            body = app.wsgi_app(dict(environ), lambda status, headers, exc_info=None: statuses.append(status))
            b"".join(body)
            assert statuses[0].startswith("200"), statuses

        return call

    return build(False), build(True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    args = parser.parse_args()
    calls, rounds = (500, 5) if args.quick else (2000, 9)

    starlette_plain, starlette_context = starlette_apps()
    fastapi_plain, fastapi_context = fastapi_apps()
    flask_plain, flask_context = flask_callers()
    pairs = {
        "Starlette middleware": (asgi_caller(starlette_plain), asgi_caller(starlette_context)),
        "FastAPI dependency": (asgi_caller(fastapi_plain), asgi_caller(fastapi_context)),
        "Flask extension": (flask_plain, flask_context),
    }

    print(f"machine: {machine()}")
    print(f"{calls} requests a round, {rounds} rounds; microseconds per request (median)")
    print(f"{'':22} {'without':>10} {'with':>10} {'added':>10} {'ratio':>8}")
    for name, (without, with_context) in pairs.items():
        timings = compare({"without": without, "with": with_context}, calls=calls, rounds=rounds)
        added = timings["with"] - timings["without"]
        ratio = timings["with"] / timings["without"]
        print(f"{name:22} {timings['without']:10.1f} {timings['with']:10.1f} {added:10.1f} {ratio:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
