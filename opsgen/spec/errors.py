"""Spec errors: one problem at a file position, and the exception that carries all of them.

The loader collects every problem of every spec file before it raises, so one run shows
the author everything to fix. Each error is rendered the way compilers print them:
``path:line:col: message``, the offending source line, a caret under the column and a
hint saying what to do.

A spec file may contain anything, and an error may end up in a CI log or a terminal.
So control characters, terminal escape sequences and other unprintable characters in
file names, messages and source lines are shown as ``\x1b``-style escapes. The source line is cut to a window around the column, and a
message to a bounded length, so a huge line is never printed whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Maximum number of characters of a source line shown under an error, around its column.
MAX_SHOWN_SOURCE = 120
#: Maximum number of characters of a message or hint shown. The rest is left out, with a count.
MAX_SHOWN_TEXT = 1000


def escape_text(text: str) -> str:
    """Return ``text`` with every unprintable character (ESC, NUL, BEL, bidi controls ...) escaped.

    Printable characters, including non-ASCII letters, stay as they are. A backslash also
    stays, so the result is for reading, not for parsing back.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped_char(char) for char in text)


def _escaped_char(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shorten(text: str, limit: int = MAX_SHOWN_TEXT) -> str:
    """Return ``text`` escaped and cut to about ``limit`` characters, saying how much was left out."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text) - limit} more characters)"
    return escape_text(text)


def source_excerpt(line: str, column: int, width: int = MAX_SHOWN_SOURCE) -> tuple[str, int]:
    """Return the escaped part of ``line`` around ``column`` (from 1) and the caret's offset in it.

    A line longer than ``width`` is cut to a window that contains the column, with ``...``
    marking each cut end.
    """
    line = line.rstrip("\r\n").expandtabs(1)
    index = max(0, min(column - 1, len(line)))
    start = 0
    end = len(line)
    if len(line) > width:
        start = max(0, min(index - width // 2, len(line) - width))
        end = start + width
    before = ("..." if start > 0 else "") + escape_text(line[start:index])
    shown = before + escape_text(line[index:end]) + ("..." if end < len(line) else "")
    return shown, len(before)


def display_path(path: Path) -> str:
    """Return ``path`` relative to the current folder when it is under it, else as given."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True)
class SpecError:
    """One problem in a spec file; ``line`` and ``column`` count from 1 (0 when unknown)."""

    path: Path
    line: int
    column: int
    message: str
    hint: str | None = None
    source_line: str | None = None

    def format(self) -> str:
        """Render the error as ``path:line:col: message``, the source line, a caret and the hint.

        An error about the file as a whole (line 0: a missing folder, a rejected link)
        gives no position: ``path: message``.
        """
        where = escape_text(display_path(self.path))
        position = f":{self.line}:{self.column}" if self.line > 0 else ""
        parts = [f"{where}{position}: {shorten(self.message)}"]
        if self.source_line is not None:
            shown, caret_at = source_excerpt(self.source_line, self.column)
            parts.append(f"    {shown}")
            parts.append("    " + " " * caret_at + "^")
        if self.hint:
            parts.append(f"  hint: {shorten(self.hint)}")
        return "\n".join(parts)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.path), self.line, self.column, self.message)


class SpecErrors(Exception):
    """Every problem found while loading a specs folder, sorted by file and position."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors: list[SpecError] = sorted(errors, key=SpecError.sort_key)
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        super().__init__(f"{count} spec {noun}:\n{self.format()}")

    def format(self) -> str:
        """Render every error, separated by blank lines."""
        return "\n\n".join(error.format() for error in self.errors)

    def __str__(self) -> str:
        return self.format()
