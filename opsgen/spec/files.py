"""Which paths of a specs folder are spec files, and how they are read safely.

Only regular files inside the specs folder are read. A spec path that is a symlink to a
file outside the folder, a dangling symlink, a FIFO, a device or a file whose size the
system does not know (such as a ``/proc`` file) is rejected without reading it. So a
spec folder cannot make opsgen read and echo files from elsewhere on the machine, or
block on a FIFO. The spec loader and the linter both read specs through
:func:`read_spec_bytes`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from opsgen.spec.yamlsafe import MAX_DOCUMENT_CHARS

SPEC_SUFFIXES = (".yaml", ".yml")


def spec_files(specs_dir: Path) -> list[Path]:
    """Return every spec path under ``specs_dir``, recursively, in sorted order.

    A spec path is any entry with a spec suffix that is not a folder, so symlinks, FIFOs
    and devices are listed too, for :func:`read_spec_bytes` to reject by name. Like ``rglob``,
    it does not descend into links to folders.
    """
    found = [path for path in specs_dir.rglob("*") if path.suffix in SPEC_SUFFIXES and not path.is_dir()]
    return sorted(found)


class RejectedSpecFile(Exception):
    """A spec path that is not read, with a message that explains why and a hint on what to do."""

    def __init__(self, message: str, hint: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: 1 when the problem is the file's content (its size), 0 when the file is not read at all.
        self.line = line


#: Largest spec file read, in bytes: UTF-8 needs at most 4 bytes a character.
_MAX_FILE_BYTES = MAX_DOCUMENT_CHARS * 4

_OUTSIDE_HINT = (
    "copy the spec into the specs folder, or point the symlink at a file inside it; "
    "opsgen reads no file outside the specs folder"
)


def read_spec_bytes(path: Path, root: Path, folders_inside: dict[Path, bool] | None = None) -> bytes:
    """Return the bytes of the spec file ``path``, or raise :class:`RejectedSpecFile`.

    ``root`` is the resolved specs folder. The path must resolve to a regular file
    inside it. ``folders_inside``, when given, caches for the folders of one run whether
    each resolves to a place inside ``root``, which saves resolving every file's path.
    The file is opened without following a final symlink and without blocking, and
    checked again on the open descriptor, so a file swapped for a FIFO or a symlink after
    the first check is rejected rather than read.
    """
    try:
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                raise RejectedSpecFile(
                    "the spec file is a symlink whose target does not exist",
                    "remove the symlink, or point it at a spec file inside the specs folder",
                ) from None
            if not target.is_relative_to(root):
                raise RejectedSpecFile(f"the spec file is a symlink to {target}, outside the specs folder", _OUTSIDE_HINT)
            if target.suffix in SPEC_SUFFIXES:
                # The target is a spec of the folder too: read twice, its types and
                # operations would clash with themselves.
                raise RejectedSpecFile(
                    f"the spec file is a symlink to {target.relative_to(root)}, which is read as a spec already",
                    "remove the symlink; every spec under the specs folder is read once",
                )
        else:
            target = path
            if folders_inside is None:
                inside = path.resolve().is_relative_to(root)
            else:
                # The file is no symlink, so it resolves to its name inside its resolved folder.
                cached = folders_inside.get(path.parent)
                if cached is None:
                    cached = folders_inside[path.parent] = path.parent.resolve().is_relative_to(root)
                inside = cached
            if not inside:
                raise RejectedSpecFile("the spec file lies outside the specs folder", _OUTSIDE_HINT)
        _check_regular(target.stat().st_mode)

        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(target, flags)
        with os.fdopen(descriptor, "rb") as stream:
            info = os.fstat(stream.fileno())
            _check_regular(info.st_mode)
            if info.st_size > _MAX_FILE_BYTES:
                raise RejectedSpecFile(
                    f"the file has {info.st_size} bytes, far above the limit of {MAX_DOCUMENT_CHARS} characters",
                    "split the spec: one operation a file, shared types in their own files",
                    line=1,
                )
            raw = stream.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RejectedSpecFile(f"cannot read the spec file: {exc.strerror or exc}", "check the file's permissions") from None

    if info.st_size == 0 and raw:
        raise RejectedSpecFile(
            "the spec file reports a size of 0 bytes but has content, as files under /proc do",
            "keep only regular spec files in the specs folder",
        )
    if len(raw) > _MAX_FILE_BYTES:
        raise RejectedSpecFile(
            f"the file has more than {_MAX_FILE_BYTES} bytes, far above the limit of {MAX_DOCUMENT_CHARS} characters",
            "split the spec: one operation a file, shared types in their own files",
            line=1,
        )
    return raw


def _check_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    )
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    raise RejectedSpecFile(
        f"the spec file is {kind}, not a regular file",
        "replace it with a regular YAML file, or rename it so it does not end in .yaml or .yml",
    )
