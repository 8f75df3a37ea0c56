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
from decimal import Decimal

_SAFE_DOCSTRING = re.compile(r'[^"\\\x00-\x1f\x7f\u2028\u2029\x85]*')
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


def docstring(text: str, indent: str = "") -> str:
    """Return a docstring literal for ``text``, triple-quoted when that is safe, else ``repr``.

    Triple quotes are used only when the text contains no quote character, backslash or
    control character and does not end in whitespace. Continuation lines are indented by
    ``indent`` so the docstring reads naturally inside a class or function body.
    """
    text = text.strip()
    if not _SAFE_DOCSTRING.fullmatch(text.replace("\n", " ")):
        return repr(text)
    lines = [line.rstrip() for line in text.split("\n")]
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    body = "\n".join((indent + line) if line else "" for line in lines[1:])
    return f'"""{lines[0]}\n{body}\n{indent}"""'


def comment_text(text: str) -> str:
    """Return ``text`` for use inside a ``#`` comment: as is when plainly safe, else JSON-quoted.

    A file path with a newline in it could otherwise end the comment and start code.
    """
    if _SAFE_COMMENT.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=True)
