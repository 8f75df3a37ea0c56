"""Redaction of sensitive values before they reach a log, a record or an error.

Two passes work together. :func:`redact` replaces the value of every key named in the
declaration's ``sensitive_fields``, at any depth of a JSON-like structure.
:func:`scrub` replaces the sensitive values themselves inside free text, such as a log
message that user code formatted with a password in it, or a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "***"

#: Values shorter than this are not scrubbed from text: a 1-character secret would
#: blank out every occurrence of that character.
MIN_SCRUB_LENGTH = 4


def redact(value: Any, sensitive: frozenset[str]) -> Any:
    """Return a copy of ``value`` with the values of keys in ``sensitive`` replaced by ``***``."""
    if not sensitive:
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED if key in sensitive else redact(item, sensitive)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(item, sensitive) for item in value]
    return value


def sensitive_values(value: Any, sensitive: frozenset[str]) -> tuple[str, ...]:
    """Return the text of every value stored under a key in ``sensitive``, for :func:`scrub`."""
    found: list[str] = []
    _collect(value, sensitive, found, inside=False)
    return tuple(sorted({text for text in found if len(text) >= MIN_SCRUB_LENGTH}, key=len, reverse=True))


def _collect(value: Any, sensitive: frozenset[str], found: list[str], *, inside: bool) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _collect(item, sensitive, found, inside=inside or key in sensitive)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect(item, sensitive, found, inside=inside)
    elif inside and value is not None:
        found.append(_text_of(value))


def _text_of(value: Any) -> str:
    secret_value = getattr(value, "get_secret_value", None)
    if callable(secret_value):
        return str(secret_value())
    return str(value)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Return ``text`` with every occurrence of each secret replaced by ``***``."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub_any(value: Any, secrets: tuple[str, ...]) -> Any:
    """Apply :func:`scrub` to every string inside a JSON-like structure."""
    if not secrets:
        return value
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {key: scrub_any(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_any(item, secrets) for item in value]
    return value
