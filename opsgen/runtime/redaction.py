"""Redaction of sensitive values before they reach a log, a record or an error.

Two passes work together. :func:`redact` replaces the values found at the sensitive
paths of a JSON-like structure. :func:`scrub` replaces the sensitive values themselves
inside free text, such as a log message that user code formatted with a password in
it, or a traceback.

A sensitive path is a dotted list of keys, such as ``card.number``. The segment ``*``
matches any one key of a mapping or any item of a list (``cards.*.number``), and ``**``
matches zero or more segments (``tree.**.secret``). The generator writes the paths of
each operation from its spec's types, so a value is redacted where the spec marks it
and nowhere else, whatever its key is called. Paths are compiled once into a
:class:`SensitivePaths` automaton, and :func:`redact` then costs one dictionary lookup
per key it visits. It copies only the branches that lead to a sensitive path.

A plain set of key names is still accepted where paths are: each name then means that
key at any depth (``**.name``), which is how generated code from before sensitive paths
declares its fields.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

REDACTED = "***"

#: Values shorter than this are not scrubbed from text: a 1-character secret would
#: blank out every occurrence of that character.
MIN_SCRUB_LENGTH = 4

#: The password of a ``scheme://user:password@`` URL anywhere in a text. Group 1 ends
#: before the colon, and the password runs to the last ``@`` of the authority.
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*):[^\s/?#]*@")

#: Path segment that matches any one mapping key or list item.
ANY_KEY = "*"

#: Path segment that matches any number of segments, none included.
ANY_DEPTH = "**"


class SensitivePaths:
    """A compiled set of sensitive paths: one state of a deterministic automaton over keys.

    Build it with :meth:`compile`. A state is ``redacted`` when a path ends there, and it
    leads to the state of each key below it through :meth:`child`. ``None`` from
    :meth:`child` means nothing below that key is sensitive.
    """

    __slots__ = ("redacted", "keys", "other")

    def __init__(self) -> None:
        self.redacted = False
        #: States of the keys that some path names literally.
        self.keys: dict[Any, SensitivePaths] = {}
        #: State of every other key and of list items (from ``*`` and ``**``).
        self.other: SensitivePaths | None = None

    @classmethod
    def compile(cls, paths: Iterable[str]) -> SensitivePaths | None:
        """Compile dotted ``paths``, or return ``None`` when there are none.

        Raises ``ValueError`` for an empty path or an empty segment (``a..b``).
        """
        root = _PathNode()
        for path in paths:
            segments = path.split(".")
            if "" in segments:
                raise ValueError(f"invalid sensitive path {path!r}: a path needs non-empty dot-separated segments")
            root.add(segments)
        if not root.children:
            return None
        return _state_of(_closure({root}), {})

    def child(self, key: Any) -> SensitivePaths | None:
        """Return the state below mapping key ``key``, or ``None`` when nothing there is sensitive."""
        return self.keys.get(key, self.other)

    def below(self, *keys: str) -> SensitivePaths | None:
        """Return the state reached through ``keys``, such as ``("errors", code, "details")``."""
        state: SensitivePaths | None = self
        for key in keys:
            if state is None:
                return None
            state = state.child(key)
        return state


class _PathNode:
    """A node of the path trie that :meth:`SensitivePaths.compile` turns into states."""

    __slots__ = ("children", "end", "any_depth")

    def __init__(self, *, any_depth: bool = False) -> None:
        self.children: dict[str, _PathNode] = {}
        self.end = False
        #: The node stands for ``**``: it consumes any key and stays where it is.
        self.any_depth = any_depth

    def add(self, segments: list[str]) -> None:
        node = self
        for segment in segments:
            child = node.children.get(segment)
            if child is None:
                child = node.children[segment] = _PathNode(any_depth=segment == ANY_DEPTH)
            node = child
        node.end = True


def _closure(nodes: Iterable[_PathNode]) -> frozenset[_PathNode]:
    """Add the ``**`` nodes that match zero segments after ``nodes``."""
    found: set[_PathNode] = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if node in found:
            continue
        found.add(node)
        any_depth = node.children.get(ANY_DEPTH)
        if any_depth is not None:
            pending.append(any_depth)
    return frozenset(found)


def _step(nodes: frozenset[_PathNode], key: str | None) -> frozenset[_PathNode]:
    """Return the nodes reached from ``nodes`` by one key; ``None`` is a key no path names."""
    reached: list[_PathNode] = []
    for node in nodes:
        if key is not None and key not in (ANY_KEY, ANY_DEPTH) and key in node.children:
            reached.append(node.children[key])
        if ANY_KEY in node.children:
            reached.append(node.children[ANY_KEY])
        if node.any_depth:
            reached.append(node)
    return _closure(reached)


def _state_of(nodes: frozenset[_PathNode], states: dict[frozenset[_PathNode], SensitivePaths]) -> SensitivePaths:
    """Return the state for a set of trie nodes, building it and the states after it once."""
    existing = states.get(nodes)
    if existing is not None:
        return existing
    state = states[nodes] = SensitivePaths()
    state.redacted = any(node.end for node in nodes)
    literal_keys = {key for node in nodes for key in node.children if key not in (ANY_KEY, ANY_DEPTH)}
    for key in sorted(literal_keys):
        after = _step(nodes, key)
        state.keys[key] = _state_of(after, states)
    other = _step(nodes, None)
    if other:
        state.other = _state_of(other, states)
    return state


#: The argument of :func:`redact` and :func:`sensitive_values`: compiled paths, a set of
#: key names that are sensitive at any depth, or ``None`` for nothing sensitive.
Sensitive = SensitivePaths | frozenset[str] | None


@functools.lru_cache(maxsize=256)
def _compile_names(names: frozenset[str]) -> SensitivePaths | None:
    return SensitivePaths.compile(f"{ANY_DEPTH}.{name}" for name in names)


def _compiled(sensitive: Sensitive) -> SensitivePaths | None:
    if sensitive is None or isinstance(sensitive, SensitivePaths):
        return sensitive
    return _compile_names(sensitive) if sensitive else None


def redact(value: Any, sensitive: Sensitive) -> Any:
    """Return ``value`` with every value at a sensitive path replaced by ``***``.

    Mappings and lists on the way to a sensitive path are copied (tuples become lists).
    Everything else, including ``value`` itself when nothing in it is sensitive, is
    returned as it is, so the result may share parts with ``value``.
    """
    state = _compiled(sensitive)
    if state is None:
        return value
    return _redact_below(value, state)


def _redact_below(value: Any, state: SensitivePaths) -> Any:
    if isinstance(value, Mapping):
        copy: dict[Any, Any] = {}
        for key, item in value.items():
            child = state.child(key)
            if child is None:
                copy[key] = item
            elif child.redacted:
                copy[key] = REDACTED
            else:
                copy[key] = _redact_below(item, child)
        return copy
    if isinstance(value, (list, tuple)):
        item_state = state.other
        if item_state is None:
            return value
        if item_state.redacted:
            return [REDACTED for _ in value]
        return [_redact_below(item, item_state) for item in value]
    return value


def sensitive_values(value: Any, sensitive: Sensitive) -> tuple[str, ...]:
    """Return the text of every value at a sensitive path, longest first, for :func:`scrub`."""
    state = _compiled(sensitive)
    if state is None:
        return ()
    found: list[str] = []
    _collect(value, state, found)
    return tuple(sorted({text for text in found if len(text) >= MIN_SCRUB_LENGTH}, key=len, reverse=True))


def _collect(value: Any, state: SensitivePaths | None, found: list[str]) -> None:
    """Append to ``found`` the text of the values in ``value`` at or below a redacted state."""
    if state is None:
        return
    if state.redacted:
        _collect_all(value, found)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _collect(item, state.child(key), found)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect(item, state.other, found)


def _collect_all(value: Any, found: list[str]) -> None:
    if isinstance(value, Mapping):
        for item in value.values():
            _collect_all(item, found)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect_all(item, found)
    elif value is not None:
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


def mask_url_passwords(text: str) -> str:
    """Return ``text`` with the password of each ``scheme://user:password@`` URL in it replaced by ``***``.

    The user name stays, as SQLAlchemy's ``render_as_string(hide_password=True)`` keeps
    it, so a credential given as a user name alone (``https://TOKEN@host/``) is not masked.
    """
    return _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)


def scrub_error(text: str, secrets: Iterable[str]) -> str:
    """Return an error message or traceback with each secret scrubbed and each URL password masked."""
    return mask_url_passwords(scrub(text, secrets))


def redacted_values(original: Any, redacted: Any) -> tuple[str, ...]:
    """Return the text of every value of ``original`` that its redacted copy hides, longest first, for :func:`scrub`.

    ``redacted`` is ``original`` after :func:`redact` and :func:`scrub_any`, as a durable
    effect's ``payload_redacted`` is its ``payload``. A value replaced by ``***`` is
    returned whole, with every value below it, and from a string that :func:`scrub`
    changed the removed parts are returned. So a process that has only the two copies,
    and not the operation's declaration or input, can scrub the same secrets from text.
    """
    found: list[str] = []
    _collect_hidden(original, redacted, found)
    return tuple(sorted({text for text in found if len(text) >= MIN_SCRUB_LENGTH}, key=len, reverse=True))


def _collect_hidden(original: Any, redacted: Any, found: list[str]) -> None:
    if isinstance(redacted, str) and redacted == REDACTED:
        if original != REDACTED:
            _collect_all(original, found)
    elif isinstance(original, Mapping) and isinstance(redacted, Mapping):
        for key, item in original.items():
            if key in redacted:
                _collect_hidden(item, redacted[key], found)
    elif isinstance(original, (list, tuple)) and isinstance(redacted, (list, tuple)):
        if len(original) == len(redacted):
            for item, redacted_item in zip(original, redacted):
                _collect_hidden(item, redacted_item, found)
    elif isinstance(original, str) and isinstance(redacted, str) and original != redacted:
        found.extend(_scrubbed_parts(original, redacted))


def _scrubbed_parts(original: str, scrubbed: str) -> list[str]:
    """Return the parts of ``original`` that :func:`scrub` replaced by ``***`` to give ``scrubbed``.

    NOTE: each part ends at the first place where the text that follows ``***`` in
    ``scrubbed`` occurs, so a secret that contains that text is returned cut short.
    Secrets that were adjacent (``******``) are returned as one part.
    """
    pieces = scrubbed.split(REDACTED)
    if len(pieces) < 2 or not original.startswith(pieces[0]) or not original.endswith(pieces[-1]):
        return []
    parts: list[str] = []
    position = len(pieces[0])
    for piece in pieces[1:-1]:
        if not piece:
            continue  # no text between two secrets to tell where the first one ends
        end = original.find(piece, position + 1)
        if end < 0:
            return parts
        parts.append(original[position:end])
        position = end + len(piece)
    last = len(original) - len(pieces[-1])
    if last > position:
        parts.append(original[position:last])
    return parts


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


def without_input_values(error: ValidationError, secrets: tuple[str, ...] = ()) -> ValidationError:
    """Return ``error`` with the same errors but no input values in its text or its ``errors()``.

    Raised to a caller, pydantic's error quotes each rejected value, which for an
    operation with sensitive inputs may be a password typed into any field. ``secrets``
    are also scrubbed from the messages, which a custom validator may have built from
    the value.
    """
    return ValidationError.from_exception_data(
        error.title,
        [
            {"type": PydanticCustomError(line["type"], scrub(line["msg"], secrets)), "loc": line["loc"], "input": None}
            for line in error.errors(include_url=False)
        ],
        hide_input=True,
    )
