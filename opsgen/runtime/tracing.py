"""Call tracing: log each call into chosen modules made while an operation runs.

With ``trace-modules = ["myapp.mailing"]`` every Python function called inside an
execution whose module is ``myapp.mailing`` or below it is logged on the
``opsgen.trace`` logger with its arguments, redacted like the operation's input. It
shows what an operation did even where no code logs it.

Tracing uses :func:`sys.setprofile`, so while it is on, every Python call in the
thread pays for one extra function call, traced module or not; ``benchmarks/
bench_pipeline.py`` measures the cost. It is off unless modules are configured, and
covers only the thread that runs the operation.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from opsgen.runtime.redaction import REDACTED, scrub

logger = logging.getLogger("opsgen.trace")

#: Maximum length, in characters, of one logged argument value.
MAX_ARGUMENT_LENGTH = 200


class CallTracer:
    """A profile function that logs calls into modules matching the prefixes."""

    def __init__(self, prefixes: tuple[str, ...], sensitive: frozenset[str], secrets: tuple[str, ...]) -> None:
        self.exact = frozenset(prefixes)
        self.parents = tuple(f"{prefix}." for prefix in prefixes)
        self.sensitive = sensitive
        self.secrets = secrets

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if module not in self.exact and not module.startswith(self.parents):
            return
        code = frame.f_code
        if code.co_name.startswith("<"):
            # Comprehensions, lambdas and generator expressions: their calls are shown instead.
            return
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        arguments = ", ".join(
            f"{name}={self._show(name, frame.f_locals.get(name))}" for name in names if name != "self"
        )
        function = getattr(code, "co_qualname", code.co_name)
        logger.info("call %s.%s(%s)", module, function, arguments)

    def _show(self, name: str, value: Any) -> str:
        if name in self.sensitive:
            return REDACTED
        text = repr(value)
        if len(text) > MAX_ARGUMENT_LENGTH:
            text = text[:MAX_ARGUMENT_LENGTH] + "..."
        return scrub(text, self.secrets)


@contextmanager
def trace_calls(prefixes: tuple[str, ...], sensitive: frozenset[str], secrets: tuple[str, ...]) -> Iterator[None]:
    """Trace calls into ``prefixes`` in this thread for the ``with`` block, then restore the previous profiler."""
    previous = sys.getprofile()
    sys.setprofile(CallTracer(prefixes, sensitive, secrets))
    try:
        yield
    finally:
        sys.setprofile(previous)
