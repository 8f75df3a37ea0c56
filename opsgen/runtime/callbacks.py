"""Names and payloads of ``ctx.after_commit`` callbacks in the effect log.

A callback's effect row (``opsgen_effects``, ``opsgen ops show``, the log lines of its
delivery) must name the function that runs and its arguments without exposing them.
``repr()`` would not do: the ``repr`` of a ``functools.partial`` lists every bound
argument, including a sensitive input formatted into a URL, plus memory addresses that
change with every run. So the row gets the qualified name of the function that runs,
and the arguments as JSON values, with every known secret of the execution scrubbed
from their text (:func:`~opsgen.runtime.redaction.scrub`). An object that JSON cannot
hold shows only its type, because its ``repr`` may carry secrets the runtime does not
know about.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import uuid
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from opsgen.runtime.json_values import finite_json
from opsgen.runtime.redaction import scrub

#: Maximum length, in characters, of one string shown in a callback's arguments.
MAX_TEXT_LENGTH = 200

#: Maximum number of items shown of one list or mapping in a callback's arguments.
MAX_ITEMS = 20

#: Nesting depth below which lists and mappings are shown as their size only.
MAX_DEPTH = 4


def unwrap_partial(
    fn: Callable[..., object], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]:
    """Return the function that ``fn(*args, **kwargs)`` runs and every argument it gets.

    Each ``functools.partial`` layer puts its bound positional arguments in front of
    the given ones and adds its keywords, which a keyword given later overrides, as
    calling it would.
    """
    merged_args = tuple(args)
    merged_kwargs = dict(kwargs)
    while isinstance(fn, functools.partial):
        merged_args = (*fn.args, *merged_args)
        merged_kwargs = {**fn.keywords, **merged_kwargs}
        fn = fn.func
    return fn, merged_args, merged_kwargs


def callable_name(fn: object) -> str:
    """Return the module and qualified name of the function that calling ``fn`` runs.

    A function, a lambda, a bound method and a class give their own name, such as
    ``urllib.request.urlopen`` or ``shop.mail.Mailer.send``. An object with
    ``__call__`` gives its class's name followed by ``.__call__``. A
    ``functools.partial`` gives the name of the function it wraps. The name never
    contains a memory address or an argument.
    """
    while isinstance(fn, functools.partial):
        fn = fn.func
    qualname = getattr(fn, "__qualname__", None)
    if isinstance(qualname, str):
        module = getattr(fn, "__module__", None)
        return f"{module}.{qualname}" if isinstance(module, str) else qualname
    cls = type(fn)
    return f"{cls.__module__}.{cls.__qualname__}.__call__"


def callback_payload(
    fn: Callable[..., object], args: tuple[Any, ...], kwargs: Mapping[str, Any], secrets: tuple[str, ...]
) -> dict[str, Any]:
    """Return the recorded payload of the callback ``fn(*args, **kwargs)``.

    The payload is ``{"function": NAME, "args": [...], "kwargs": {...}}``, JSON values
    only, with the arguments of any ``functools.partial`` merged in and ``secrets``
    scrubbed from every string, the name included.
    """
    target, merged_args, merged_kwargs = unwrap_partial(fn, args, kwargs)
    return {
        "function": scrub(callable_name(target), secrets),
        "args": [shown_value(value, secrets) for value in merged_args],
        "kwargs": {scrub(str(key), secrets): shown_value(value, secrets) for key, value in merged_kwargs.items()},
    }


def shown_value(value: Any, secrets: tuple[str, ...], depth: int = 0) -> Any:
    """Return ``value`` as a callback's payload shows it: a JSON value with ``secrets`` scrubbed.

    Strings are scrubbed and then cut to :data:`MAX_TEXT_LENGTH`, so a cut never leaves
    part of a secret behind. Bytes are shown as text in ``b'...'`` form. Lists, tuples,
    sets and mappings show their first :data:`MAX_ITEMS` items down to
    :data:`MAX_DEPTH` levels. Numbers, UUIDs, dates, times, paths, enums and pydantic
    models show their value. A callable shows its name and any other object its type.
    """
    if isinstance(value, enum.Enum):
        return shown_value(value.value, secrets, depth)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return finite_json(value)
    if isinstance(value, str):
        return _shown_text(value, secrets)
    if isinstance(value, (bytes, bytearray)):
        return "b" + repr(_shown_text(bytes(value).decode("utf-8", "backslashreplace"), secrets))
    if isinstance(value, (decimal.Decimal, uuid.UUID, PurePath)):
        return _shown_text(str(value), secrets)
    if isinstance(value, (datetime.date, datetime.time)):
        return _shown_text(value.isoformat(), secrets)
    if isinstance(value, BaseModel):
        return shown_value(value.model_dump(mode="json", by_alias=True), secrets, depth)
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return _shown_collection(value, secrets, depth)
    if callable(value):
        return f"<{scrub(callable_name(value), secrets)}>"
    return f"<{type(value).__module__}.{type(value).__qualname__} object>"


def _shown_text(text: str, secrets: tuple[str, ...]) -> str:
    text = scrub(text, secrets)
    if len(text) > MAX_TEXT_LENGTH:
        return text[:MAX_TEXT_LENGTH] + "..."
    return text


def _shown_collection(value: Any, secrets: tuple[str, ...], depth: int) -> Any:
    """Return a mapping as a dict and any other collection as a list, limited as in :func:`shown_value`."""
    size = len(value)
    if depth >= MAX_DEPTH:
        return f"<{type(value).__name__} of {size} items>"

    if isinstance(value, Mapping):
        shown: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if index == MAX_ITEMS:
                shown["..."] = f"{size - MAX_ITEMS} more items"
                break
            shown[_shown_text(str(key), secrets)] = shown_value(item, secrets, depth + 1)
        return shown

    # A set has no order, so its items are sorted by their text to keep the record stable.
    items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else list(value)
    listed = [shown_value(item, secrets, depth + 1) for item in items[:MAX_ITEMS]]
    if size > MAX_ITEMS:
        listed.append(f"... {size - MAX_ITEMS} more items")
    return listed
