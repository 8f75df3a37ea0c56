"""Lay out generated source lines within :data:`LINE_WIDTH` columns, in Black's style.

The renderer builds each statement as one line of text and hands it here. A line that
is too long is split inside its brackets, one item a line with a trailing comma. A string
literal that still does not fit becomes implicitly concatenated pieces in parentheses,
which evaluate to the same string, and a name that ends a too-long line moves into
parentheses of its own. Continuation lines use hanging indents of four spaces and every
closing bracket starts a line of its own, so the output meets pycodestyle's
continuation-line checks (E12x) as well as its line length check (E501).

An annotated name whose annotation leaves no room for the rest of the line, such as
``field: LongSharedType | None = Field(`` or a parameter ``field: LongSharedType,``,
gets its annotation in parentheses of its own, as Black 24.1 and later do.
A line that no split can shorten, because one name, a dotted module path or an opening
such as ``class Name(`` does not fit in the width on its own, gets a ``# noqa: E501``
comment from :func:`mark_long_lines`. Long operation, effect and type names cause them.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from functools import lru_cache

#: Black's default line length, which pycodestyle then checks with ``max-line-length = 88``.
LINE_WIDTH = 88
#: Width of the implementation scaffolds: flake8's default, since they become user code.
SCAFFOLD_WIDTH = 79
INDENT = "    "

#: String literals (matched whole) and the brackets and commas that structure an expression.
_TOKENS = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[()\[\]{},]""")
#: One character of a string literal's body, or one whole escape sequence.
_STRING_ATOMS = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|[0-7]{1,3}|.)|.", re.S)
#: A dotted name or a call without arguments, such as ``module.ClassName()``, that ends a
#: line after ``=`` (of an assignment or a keyword argument), ``:`` or ``->``.
_TRAILING_NAME = re.compile(r"(?:(?<=[=:>] )|(?<==))[A-Za-z_][A-Za-z0-9_.]*(?:\(\))?\Z")
_NAME_END = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\Z")
#: The start of an annotated assignment or parameter: ``name: ``.
_ANNOTATED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*: ")
#: The comment that makes pycodestyle accept a line no layout can shorten.
LONG_LINE_COMMENT = "  # noqa: E501"


@lru_cache(maxsize=4096)
def fit(indent: str, text: str, suffix: str = "", width: int = LINE_WIDTH) -> str:
    """Return ``indent + text + suffix`` laid out on as many lines as it needs to fit.

    ``text`` is one expression or simple statement without comments. Lines that fit are
    returned unchanged. Results are cached, because every model repeats lines such as
    ``model_config``.
    """
    one_line = f"{indent}{text}{suffix}"
    if len(one_line) <= width:
        return one_line
    laid_out = _fit_long(indent, text, suffix, width)
    if _ANNOTATED.match(text) is None or _longest_line(laid_out) <= width:
        return laid_out
    parenthesized = _parenthesize_annotation(indent, text, suffix, width)
    return parenthesized if _longest_line(parenthesized) < _longest_line(laid_out) else laid_out


def _fit_long(indent: str, text: str, suffix: str, width: int) -> str:
    """Lay out a line that is too long by splitting a bracket pair, a trailing string or a trailing name."""
    one_line = f"{indent}{text}{suffix}"
    tokens = list(_TOKENS.finditer(text))
    last = tokens[-1] if tokens else None
    if last is not None and last.group()[0] in "'\"" and last.end() == len(text):
        string_start: int | None = last.start()
    else:
        string_start = None
    name = _TRAILING_NAME.search(text)
    pair = _split_pair(indent, text, tokens, width)

    # A value that ends the line and has no brackets to split, such as the right-hand
    # side of ``data["key"] = key``, goes into parentheses of its own. When the text
    # before it is too long for that, the brackets in that text are split instead.
    if string_start is not None and (pair is None or len(indent) + string_start + 1 <= width):
        return split_string(indent, text[:string_start], text[string_start:], suffix, width)
    if name is not None and (pair is None or len(indent) + name.start() + 1 <= width):
        inner = indent + INDENT
        return f"{indent}{text[: name.start()]}(\n{inner}{name.group()}\n{indent}){suffix}"
    if pair is not None:
        return _split_brackets(indent, text, suffix, pair, width)
    return one_line


def _longest_line(text: str) -> int:
    return max(len(line) for line in text.split("\n"))


def _parenthesize_annotation(indent: str, text: str, suffix: str, width: int) -> str:
    """Lay out ``name: annotation = value`` with the annotation in parentheses on a line of its own.

    ``text`` starts with ``name: ``. The value, when there is one, follows the closing
    parenthesis: ``) = Field(...)``.
    """
    start = _ANNOTATED.match(text)
    assert start is not None
    assignment = _top_level_assignment(text, start.end())
    annotation = text[start.end() : assignment]
    inner = indent + INDENT
    head = f"{indent}{text[: start.end()]}("
    return f"{head}\n{fit(inner, annotation, '', width)}\n{fit(indent, ')' + text[assignment:], suffix, width)}"


def _top_level_assignment(text: str, start: int) -> int:
    """Return the index of the first `` = `` outside brackets and string literals after ``start``, else ``len(text)``."""
    depth = 0
    position = start
    for token in _TOKENS.finditer(text, start):
        gap = text[position : token.start()]
        if depth == 0 and " = " in gap:
            return position + gap.index(" = ")
        bracket = token.group()
        if bracket in "([{":
            depth += 1
        elif bracket in ")]}":
            depth -= 1
        position = token.end()
    gap = text[position:]
    return position + gap.index(" = ") if depth == 0 and " = " in gap else len(text)


def mark_long_lines(source: str, width: int = LINE_WIDTH) -> str:
    """Append :data:`LONG_LINE_COMMENT` to each line of ``source`` that is still longer than ``width``.

    Such a line has a name or a dotted module path that no split can shorten (see the
    module docs). A line inside a string literal, or one that already has a comment, is
    left as it is. A comment inside a string would change the string, and pycodestyle
    accepts a long word alone on a line of a docstring or a comment.
    """
    lines = source.split("\n")
    long_rows = [number for number, line in enumerate(lines, start=1) if len(line) > width]
    if not long_rows:
        return source
    untouchable: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            untouchable.add(token.start[0])
        elif token.type == tokenize.STRING and token.end[0] > token.start[0]:
            untouchable.update(range(token.start[0], token.end[0] + 1))
    for row in long_rows:
        if row not in untouchable:
            lines[row - 1] += LONG_LINE_COMMENT
    return "\n".join(lines)


def _split_pair(indent: str, text: str, tokens: Sequence[re.Match[str]], width: int) -> tuple[int, int] | None:
    """Return the opening and closing index of the top-level brackets to split at, or None.

    The last bracket pair is preferred. When the line up to its opening bracket is
    itself too long, an earlier pair is tried. A closing bracket without its opening
    bracket in ``text``, as in the line ``] = Field(...)``, is skipped.
    """
    pairs: list[tuple[int, int]] = []
    depth = 0
    opening = 0
    for token in tokens:
        char = token.group()
        if char in "([{":
            if depth == 0:
                opening = token.start()
            depth += 1
        elif char in ")]}":
            if depth == 0:
                continue
            depth -= 1
            if depth == 0 and text[opening + 1 : token.start()].strip():
                pairs.append((opening, token.start()))
    if not pairs:
        return None
    for opening, closing in reversed(pairs):
        if len(indent) + opening + 1 <= width:
            return opening, closing
    return pairs[0]


def _split_brackets(indent: str, text: str, suffix: str, pair: tuple[int, int], width: int) -> str:
    opening, closing = pair
    body = text[opening + 1 : closing]
    items = split_arguments(body)
    trailing_comma = _takes_trailing_comma(text, opening, len(items), body.rstrip().endswith(","))
    inner = indent + INDENT
    lines = [indent + text[: opening + 1]]
    if _is_lone_string(text, opening, items):
        lines.append(_string_lines(inner, items[0], width))
        lines.append(fit(indent, text[closing:], suffix, width))
        return "\n".join(lines)
    for number, item in enumerate(items, start=1):
        comma = "," if number < len(items) or trailing_comma else ""
        lines.append(fit(inner, item, comma, width))
    lines.append(fit(indent, text[closing:], suffix, width))
    return "\n".join(lines)


def _takes_trailing_comma(text: str, opening: int, count: int, had_one: bool) -> bool:
    """Return whether the last item of a split bracket gets a comma without changing the code.

    A call, a definition and a list, dict or set display take one. A subscript with one
    item does not, because ``list[int,]`` means ``list[(int,)]``, and neither do
    parentheses around a single expression, which would become a tuple.
    """
    if had_one:
        return True
    bracket = text[opening]
    before = text[:opening]
    name = _NAME_END.search(before)
    follows_value = before.rstrip().endswith((")", "]")) or (
        name is not None and not keyword.iskeyword(name.group(1)) and before.endswith(name.group(1))
    )
    if bracket == "[":
        return not follows_value or count > 1
    if bracket == "(":
        return follows_value or count > 1
    return True


def split_arguments(text: str) -> list[str]:
    """Split ``a=1, b='x, y'`` at top-level commas, respecting brackets and string literals."""
    items: list[str] = []
    depth = 0
    start = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start : token.start()].strip())
            start = token.end()
    items.append(text[start:].strip())
    return [item for item in items if item]


def split_string(indent: str, prefix: str, literal: str, suffix: str = "", width: int = LINE_WIDTH) -> str:
    """Lay out ``prefix + literal + suffix`` with the literal split into concatenated pieces.

    ``literal`` is a one-line string literal without prefix letters, as ``repr`` writes
    it. Each piece keeps the literal's quotes and whole escape sequences, so the
    parenthesized pieces evaluate to exactly the literal's value. Pieces break after a
    space where one is near enough, and the space stays at the end of the piece.
    """
    body = _string_lines(indent + INDENT, literal, width)
    return f"{indent}{prefix}(\n{body}\n{indent}){suffix}"


def _string_lines(indent: str, literal: str, width: int) -> str:
    """Return the pieces of ``literal``, one a line at ``indent``, without a final newline."""
    quote = literal[0]
    room = max(width - len(indent) - 2, 8)
    return "\n".join(f"{indent}{quote}{piece}{quote}" for piece in string_pieces(literal[1:-1], room))


def string_pieces(body: str, room: int) -> list[str]:
    """Cut the body of a string literal into pieces of at most ``room`` characters.

    Escape sequences stay whole. A piece ends after a space when one is past its first
    third, so words stay whole where they can.
    """
    if "\\" not in body and room > 0:
        return _plain_string_pieces(body, room)
    return _string_pieces(_STRING_ATOMS.findall(body), room)


def _is_lone_string(text: str, opening: int, items: Sequence[str]) -> bool:
    """Return whether the brackets at ``opening`` are a call whose one argument is a string literal.

    Its pieces then need no parentheses besides the call's own.
    """
    if text[opening] != "(" or len(items) != 1:
        return False
    match = _TOKENS.fullmatch(items[0])
    return match is not None and items[0][0] in "'\"" and _takes_trailing_comma(text, opening, 1, False)


def _string_pieces(atoms: Sequence[str], room: int) -> list[str]:
    """Cut ``atoms`` into pieces of at most ``room`` characters, in one pass.

    A piece ends after its last space unless that space is in the first third of the
    piece, so a long word does not leave a row of short pieces behind. Without a usable
    space the piece is cut at the width.
    """
    pieces: list[str] = []
    start = 0
    width = 0
    after_space = -1
    for index, atom in enumerate(atoms):
        while width + len(atom) > room and index > start:
            usable = after_space > start and after_space - start > (index - start) // 3
            cut = after_space if usable else index
            pieces.append("".join(atoms[start:cut]))
            # No space follows ``after_space``, so the new piece contains none yet.
            start, after_space = cut, -1
            width = sum(len(carried) for carried in atoms[start:index])
        width += len(atom)
        if atom == " ":
            after_space = index + 1
    pieces.append("".join(atoms[start:]))
    return pieces


def _plain_string_pieces(body: str, room: int) -> list[str]:
    """Cut ``body``, which has no escape sequence, exactly as :func:`_string_pieces` cuts its characters.

    Every atom is then one character, so each piece but the last is found with one
    ``rfind`` instead of a step per character.
    """
    pieces: list[str] = []
    start = 0
    while len(body) - start > room:
        end = start + room
        space = body.rfind(" ", start, end)
        cut = space + 1 if space >= 0 and space + 1 - start > room // 3 else end
        pieces.append(body[start:cut])
        start = cut
    pieces.append(body[start:])
    return pieces


def wrap(indent: str, opening: str, items: Sequence[str], closing: str, width: int = LINE_WIDTH) -> str:
    """Lay out ``opening item, item closing`` on one line, or one item a line when too long."""
    one_line = f"{indent}{opening}{', '.join(items)}{closing}"
    if len(one_line) <= width or not items:
        return one_line
    inner = indent + INDENT
    body = "".join(fit(inner, item, ",", width) + "\n" for item in items)
    return f"{indent}{opening}\n{body}{fit(indent, closing, width=width)}"


def define(
    indent: str, name: str, params: Sequence[str], returns: str, body: str = "", width: int = LINE_WIDTH
) -> str:
    """Lay out a ``def`` line; ``body`` follows the colon.

    A return annotation too long for the closing line moves into parentheses.
    """
    one_line = wrap(indent, f"def {name}(", params, f") -> {returns}:{body}", width)
    if "\n" not in one_line:
        return one_line
    head, _, closing = one_line.rpartition("\n")
    if len(closing) > width:
        inner = indent + INDENT
        closing = f"{indent}) -> (\n{inner}{returns}\n{indent}):{body}"
    return f"{head}\n{closing}"


def call(prefix: str, opening: str, items: Sequence[str], closing: str, width: int = LINE_WIDTH) -> str:
    """Lay out a call that follows ``prefix`` (such as ``return``), indented as ``prefix`` is."""
    indent = prefix[: len(prefix) - len(prefix.lstrip())]
    return fit(indent, f"{prefix.lstrip()}{opening}{', '.join(items)}{closing}", width=width)
