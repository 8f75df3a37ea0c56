"""Read files that the generator does not own, such as implementations, without trusting their type.

A path where opsgen expects a file can hold a folder, a FIFO, a device or a broken
symbolic link. Opening a FIFO for reading blocks until a writer appears, so every file
here is opened with ``O_NONBLOCK`` and read only after ``fstat`` shows a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from opsgen.codegen.errors import PathError
from opsgen.runtime.config import invalid_utf8_message

_CHUNK = 1 << 16


def read_regular_file(path: Path) -> bytes:
    """Return the bytes of ``path``, following symbolic links.

    Raises :class:`PathError` naming ``path`` when it is missing, a broken or looping
    link, a folder or any other file that is not a regular file, or cannot be read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise PathError(f"{path} {open_problem(path, exc)}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO, socket or device"
            raise PathError(f"{path} is {kind}, where opsgen expects a regular file; move it away")
        chunks = []
        while chunk := os.read(descriptor, _CHUNK):
            chunks.append(chunk)
    except OSError as exc:
        raise PathError(f"{path} cannot be read: {exc.strerror}") from None
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def open_problem(path: Path, error: OSError) -> str:
    """Describe why opening ``path`` failed, naming the target of a broken or looping link."""
    if os.path.islink(path):
        if error.errno == errno.ELOOP:
            return f"is a symbolic link that loops ({os.readlink(path)}); remove or fix it"
        if error.errno == errno.ENOENT:
            return f"is a symbolic link to {os.readlink(path)}, which does not exist; remove or fix it"
    return f"cannot be read: {error.strerror}"


def read_user_text(path: Path) -> str | None:
    """Return the UTF-8 text of the user's file at ``path``, or None when no entry of that name exists.

    A broken symbolic link counts as an entry, because a file created there would
    write through the link. Raises :class:`PathError` as :func:`read_regular_file`
    does, and with the line and column of the first byte that is not UTF-8.
    """
    if not os.path.lexists(path):
        return None
    return decode_utf8(read_regular_file(path), path)


def decode_utf8(data: bytes, path: Path) -> str:
    """Decode ``data`` as UTF-8; raise :class:`PathError` at the line and column of an invalid byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PathError(f"{invalid_utf8_message(path, data, exc)}; save the file as UTF-8") from None
