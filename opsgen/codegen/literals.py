"""Turn spec values into Python source text that can only ever be a literal.

Every string that comes from a spec (descriptions, messages, defaults, patterns, lock
keys) reaches generated code through one of these functions, never by interpolation.
``repr`` of a ``str`` (with double quotes preferred) is always a valid Python string literal that evaluates back to
the same value, whatever quotes, backslashes, newlines or ``{{ }}`` it contains, so a
spec cannot break out of the literal and add code.
"""

from __future__ import annotations

import json
import re
import textwrap
from decimal import Decimal
from functools import lru_cache

from opsgen.codegen.layout import LINE_WIDTH, fit, string_pieces

_SAFE_DOCSTRING = re.compile(r'[^"\\\x00-\x1f\x7f\u2028\u2029\x85]*')
_ESCAPES = {"\\": "\\\\", '"': '\\"'}
_SAFE_COMMENT = re.compile(r"[A-Za-z0-9_./\- ]*")


def py_literal(value: object) -> str:
    """Return the Python literal of a scalar spec value (str, bool, int, float, Decimal, None).

    Raises ``TypeError`` for any other type, so a new kind of value cannot slip through
    unescaped.
    """
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            # Neither quote occurs in the value, so only the delimiters change.
            text = '"' + text[1:-1] + '"'
        return text
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        text = repr(value)
        if text in {"inf", "-inf", "nan"}:
            return f"float({text!r})"
        return text
    if isinstance(value, Decimal):
        return f"Decimal({py_literal(str(value))})"
    raise TypeError(f"no Python literal for a spec value of type {type(value).__name__}: {value!r}")


@lru_cache(maxsize=4096)
def fits_plain_docstring(text: str) -> bool:
    """Tell whether ``text`` can go into a triple-quoted docstring as it is, without escapes."""
    return _SAFE_DOCSTRING.fullmatch(text) is not None


def docstring(text: str, indent: str = "", width: int = LINE_WIDTH) -> str:
    """Return a docstring literal for ``text``, triple-quoted when that is safe, else ``repr``.

    Triple quotes are used only when the text contains no quote character, backslash or
    control character and does not end in whitespace. Continuation lines are indented by
    ``indent`` so the docstring reads naturally inside a class or function body, and a
    line too long for ``width`` columns is wrapped at spaces, which changes only where
    the docstring's lines break. A ``repr`` literal too long for one line is split into
    implicitly concatenated pieces with the same value.
    """
    text = text.strip()
    if not _SAFE_DOCSTRING.fullmatch(text.replace("\n", " ")):
        literal = repr(text)
        if len(indent) + len(literal) <= width:
            return literal
        if not indent:
            return _continued_docstring(text, width)
        return fit(indent, literal, width=width)[len(indent) :]
    lines = [line.rstrip() for line in text.split("\n")]
    if len(lines) == 1 and len(indent) + len(lines[0]) + 6 <= width:
        return f'"""{lines[0]}"""'
    lines = _wrap_lines(lines, width - len(indent), width - len(indent) - 3)
    body = "\n".join((indent + line) if line else "" for line in lines[1:])
    if body:
        body += "\n"
    return f'"""{lines[0]}\n{body}{indent}"""'


def _continued_docstring(text: str, width: int) -> str:
    """Return a module docstring for unsafe ``text``, triple-quoted with escapes.

    Long lines are cut with a backslash before the line break, which keeps the value
    exact. pycodestyle takes only a string literal, not one in parentheses, for the
    docstring that may come before the imports, so a module docstring cannot use the
    parenthesized pieces that other long literals get.
    """
    escaped = "".join(_ESCAPES.get(char) or _escape_unsafe(char) for char in text)
    lines: list[str] = []
    for number, line in enumerate(escaped.split("\n")):
        room = width - 1 - (3 if number == 0 else 0)
        pieces = string_pieces(line, room)
        lines.extend(piece + "\\" for piece in pieces[:-1])
        lines.append(pieces[-1])
    if len(lines[-1]) + 3 + (3 if len(lines) == 1 else 0) > width:
        lines[-1] += "\\"
        lines.append("")
    return '"""' + "\n".join(lines) + '"""'


def _escape_unsafe(char: str) -> str:
    if _SAFE_DOCSTRING.fullmatch(char) or char == "\n":
        return char
    return repr(char)[1:-1]


def _wrap_lines(lines: list[str], room: int, first_room: int) -> list[str]:
    """Wrap each line longer than ``room`` at spaces; the first line has ``first_room``.

    A word longer than the room stays whole on a line of its own, which pycodestyle
    accepts inside a multi-line string.
    """
    wrapped: list[str] = []
    for line in lines:
        available = first_room if not wrapped else room
        if len(line) <= available:
            wrapped.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        first, *rest = textwrap.wrap(
            line.lstrip(),
            width=max(available - len(indent), 1),
            break_long_words=False,
            break_on_hyphens=False,
        )
        wrapped.append(indent + first)
        if rest:
            # The first line may have had the smaller room; wrap the rest again at ``room``.
            wrapped.extend(
                indent + part
                for part in textwrap.wrap(
                    " ".join(rest), width=max(room - len(indent), 1), break_long_words=False, break_on_hyphens=False
                )
            )
    return wrapped


def comment_text(text: str) -> str:
    """Return ``text`` for use inside a ``#`` comment: as is when plainly safe, else JSON-quoted.

    A file path with a newline in it could otherwise end the comment and start code.
    """
    if _SAFE_COMMENT.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=True)
