"""Call tracing: log each call into chosen modules made while an operation runs.

With ``trace-modules = ["myapp.mailing"]`` every Python function called inside an
execution whose module is ``myapp.mailing`` or below it is logged on the
``opsgen.trace`` logger with its arguments, redacted at the operation's sensitive paths
(see :func:`argument_paths`). It shows what an operation did even where no code logs it.

Tracing uses :func:`sys.setprofile`, so while it is on, every Python call in the
thread pays for one extra function call, traced module or not; ``benchmarks/
bench_pipeline.py`` measures the cost. It is off unless modules are configured, and
covers only the thread that runs the operation.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from pydantic import BaseModel

from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.json_values import json_keys
from opsgen.runtime.redaction import ANY_DEPTH, ANY_KEY, REDACTED, SensitivePaths, redact, scrub

logger = logging.getLogger("opsgen.trace")

#: Maximum length, in characters, of one logged argument value.
MAX_ARGUMENT_LENGTH = 200

#: Sections of a sensitive path, each with the number of segments after the section
#: name that come before its fields: ``errors.CODE.details.`` and ``side_effects.NAME.payload.``.
SECTION_PREFIXES = {"input": 0, "output": 0, "errors": 2, "side_effects": 2}


def argument_paths(declaration: OperationDeclaration) -> SensitivePaths | None:
    """Compile the sensitive paths that apply to the arguments of a traced function.

    A traced function receives what the operation passes on: its input fields, or the
    fields of an output, an error's details or an effect's payload. So each path counts
    from an argument named like the field it starts with. ``input.card.number`` redacts
    ``number`` inside an argument named ``card``, not an argument named ``number``.
    Generated code without paths declares key names, and each is then sensitive at any
    depth, as in the records. ``None`` means no argument is redacted.
    """
    if declaration.sensitive_paths:
        return _compile_argument_paths(declaration.sensitive_paths)
    return declaration.redaction


@functools.lru_cache(maxsize=256)
def _compile_argument_paths(paths: frozenset[str]) -> SensitivePaths | None:
    return SensitivePaths.compile(_below_sections(paths))


def _below_sections(paths: Iterable[str]) -> Iterator[str]:
    """Yield each path without its section prefix.

    A path that ends at the prefix, such as a whole effect payload, gives ``*``, so every
    argument is redacted. A path in a section this module does not know keeps only its
    last key, sensitive at any depth, which is how key names without paths are read.
    """
    for path in paths:
        segments = path.split(".")
        skipped = SECTION_PREFIXES.get(segments[0])
        if segments[0] in (ANY_KEY, ANY_DEPTH):
            yield path
        elif skipped is None:
            yield f"{ANY_DEPTH}.{segments[-1]}"
        else:
            fields = segments[1 + skipped:]
            yield ".".join(fields) if fields else ANY_KEY


class CallTracer:
    """A profile function that logs calls into modules matching the prefixes."""

    def __init__(self, prefixes: tuple[str, ...], sensitive: SensitivePaths | None, secrets: tuple[str, ...]) -> None:
        self.exact = frozenset(prefixes)
        self.parents = tuple(f"{prefix}." for prefix in prefixes)
        #: Sensitive paths from the arguments, as :func:`argument_paths` compiles them.
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
        state = self.sensitive.child(name) if self.sensitive is not None else None
        if state is None:
            text = repr(value)
        elif state.redacted:
            return REDACTED
        else:
            text = _redacted_repr(value, state)
        if len(text) > MAX_ARGUMENT_LENGTH:
            text = text[:MAX_ARGUMENT_LENGTH] + "..."
        return scrub(text, self.secrets)


def _redacted_repr(value: Any, state: SensitivePaths) -> str:
    """Return the ``repr`` of an argument with the values at the paths below ``state`` redacted.

    Mappings, lists and tuples are redacted where they are, and a pydantic model through
    its fields, shown as ``Model(field=value, ...)`` with their Python names. Sensitive
    paths name fields by their JSON keys, so the model is redacted in that form. Other
    objects are shown as they are; the tracer still scrubs the known sensitive values
    from their text.
    """
    if isinstance(value, BaseModel):
        fields = redact(value.model_dump(by_alias=True), state)
        python_names = {key: name for name, key in json_keys(type(value)).items()}
        field_text = ", ".join(f"{python_names.get(key, key)}={item!r}" for key, item in fields.items())
        return f"{type(value).__name__}({field_text})"
    return repr(redact(value, state))


@contextmanager
def trace_calls(prefixes: tuple[str, ...], declaration: OperationDeclaration, secrets: tuple[str, ...]) -> Iterator[None]:
    """Trace calls into ``prefixes`` in this thread for the ``with`` block, then restore the previous profiler.

    Arguments are redacted at ``declaration``'s sensitive paths (see :func:`argument_paths`),
    and the values in ``secrets`` are scrubbed from their text.
    """
    previous = sys.getprofile()
    sys.setprofile(CallTracer(prefixes, argument_paths(declaration), secrets))
    try:
        yield
    finally:
        sys.setprofile(previous)
