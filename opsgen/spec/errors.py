"""Spec errors: one problem at a file position, and the exception that carries all of them.

The loader collects every problem of every spec file before it raises, so one run shows
the author everything to fix. Each error is rendered the way compilers print them:
``path:line:col: message``, the offending source line, a caret under the column and a
hint saying what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


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
        """Render the error as ``path:line:col: message``, the source line, a caret and the hint."""
        parts = [f"{display_path(self.path)}:{self.line}:{self.column}: {self.message}"]
        if self.source_line is not None:
            shown = self.source_line.rstrip("\r\n").expandtabs(1)
            parts.append(f"    {shown}")
            caret_at = max(0, min(self.column - 1, len(shown)))
            parts.append("    " + " " * caret_at + "^")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
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
