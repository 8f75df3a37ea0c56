"""The in-flight journal: what each process is running, kept in a memory-mapped file.

The running marker that other processes read is written to the database a little
after a call starts (``ExecutionStore.marker_delay``), by a background thread, so that short
calls never pay for it. What covers the gap is this journal. Before the operation's
code runs, the call's record goes into a slot of a file that belongs to the process,
``DIR/HOST-PID-TOKEN.inflight``, through a shared memory mapping. Writing the slot is
a memory copy with no system call, and the kernel keeps the data when the process is
killed, because the pages belong to the file. The slot is freed once the final record
is stored.

A process that reads the log on the same host turns the used slots of a process that
no longer runs into ``abandoned`` records (:func:`collect_dead`), then deletes the file.
A call whose record does not fit in a slot, or that finds every slot taken, is not
journaled: :meth:`InflightJournal.enter` returns ``None`` and the caller writes its
marker to the database before the call runs instead.

NOTE: the journal survives the process, not the machine: a power cut can lose slots
the kernel had not written back, and with them the trace of a call killed by it.
"""

from __future__ import annotations

import atexit
import json
import logging
import mmap
import os
import secrets
import socket
import struct
import threading
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Bytes a slot takes: a used flag and a length, then the record as UTF-8 JSON.
SLOT_SIZE = 4096

#: Slots a journal file has, so the calls one process can run at once before the
#: markers of further calls go to the database synchronously.
SLOT_COUNT = 256

_HEADER = struct.Struct("<BI")
_USED = 1
_FREE = 0
_CAPACITY = SLOT_SIZE - _HEADER.size
_SUFFIX = ".inflight"

#: Record columns stored as ISO 8601 text in a slot and read back as datetimes.
_DATETIME_COLUMNS = ("created_at", "started_at", "progress_updated_at")

HOST = socket.gethostname()


class InflightJournal:
    """The journal file of this process in ``directory``; thread-safe.

    The file is created on the first :meth:`enter`. A forked child gets a file of its
    own on its first call, and never writes to its parent's mapping.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._map: mmap.mmap | None = None
        self._path: Path | None = None
        self._pid = 0
        self._free: list[int] = []
        self._broken = False
        _journals.add(self)

    @property
    def path(self) -> Path | None:
        """The file of this process, ``None`` before its first entry."""
        return self._path if self._pid == os.getpid() else None

    def enter(self, values: Mapping[str, Any]) -> int | None:
        """Store a running record in a free slot and return the slot, or ``None`` when it cannot."""
        # Columns left NULL are not stored: a record read back lacks them, which means NULL.
        # Converting datetimes here keeps json.dumps on its C path, without a callback.
        present = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in values.items()
            if value is not None
        }
        try:
            payload = json.dumps(present, separators=(",", ":")).encode()
        except (TypeError, ValueError):
            return None  # a value JSON cannot hold: the caller writes the marker instead
        if len(payload) > _CAPACITY:
            return None
        with self._lock:
            mapping = self._mapping()
            if mapping is None or not self._free:
                return None
            slot = self._free.pop()
        offset = slot * SLOT_SIZE
        # The flag goes last, so a process killed halfway leaves a slot readers skip.
        mapping[offset + _HEADER.size:offset + _HEADER.size + len(payload)] = payload
        _HEADER.pack_into(mapping, offset, _FREE, len(payload))
        mapping[offset] = _USED
        return slot

    def leave(self, slot: int) -> None:
        """Free a slot whose call has its final record stored."""
        with self._lock:
            if self._map is None or self._pid != os.getpid():
                return  # the slot belongs to the parent's file, which this child never wrote
            self._map[slot * SLOT_SIZE] = _FREE
            self._free.append(slot)

    def close(self) -> None:
        """Unmap the file and delete it when no slot is in use; a used slot stays for the sweep."""
        with self._lock:
            if self._map is None or self._pid != os.getpid():
                return
            in_use = len(self._free) < SLOT_COUNT
            self._map.close()
            self._map = None
            if not in_use and self._path is not None:
                self._path.unlink(missing_ok=True)
                _remove_if_empty(self.directory)
            self._path = None

    def _create(self, path: Path) -> int:
        """Create the journal file and its folder; return the open descriptor."""
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            return os.open(path, flags, 0o600)
        except FileNotFoundError:
            # Another process removed the folder as empty between mkdir and open.
            self.directory.mkdir(parents=True, exist_ok=True)
            return os.open(path, flags, 0o600)

    def _mapping(self) -> mmap.mmap | None:
        """Return this process's mapping, creating the file on first use; called holding the lock."""
        if self._map is not None and self._pid == os.getpid():
            return self._map
        if self._broken:
            return None
        self._map = None  # inherited from the parent: left alone, see the class docs
        path = self.directory / f"{HOST}-{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
        try:
            descriptor = self._create(path)
            try:
                os.ftruncate(descriptor, SLOT_SIZE * SLOT_COUNT)
                self._map = mmap.mmap(descriptor, SLOT_SIZE * SLOT_COUNT, mmap.MAP_SHARED)
            finally:
                os.close(descriptor)
        except OSError as exc:
            self._broken = True
            logger.warning("cannot keep the in-flight journal in %s (%s); running markers are written "
                           "before each call instead", self.directory, exc)
            return None
        self._path, self._pid = path, os.getpid()
        self._free = list(range(SLOT_COUNT - 1, -1, -1))
        return self._map


def _remove_if_empty(directory: Path) -> None:
    """Delete a journal folder that no process uses any more, so folders of dropped databases go."""
    try:
        directory.rmdir()
    except OSError:
        pass  # another process's file is in it, or it is gone already


def collect_dead(
    directory: Path, alive: Callable[[int], bool] | None = None
) -> list[tuple[Path, list[dict[str, Any]]]]:
    """Return the journal files of ended processes of this host, each with the records in use.

    ``alive(pid)`` returns whether a process runs, by default with a signal-0 probe. The
    caller stores the records, then deletes each file with :func:`discard`.
    """
    from opsgen.runtime.locks.abandoned import process_alive

    probe = alive or process_alive
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        owner = _owner(name)
        if owner is None or owner[0] != HOST or owner[1] == os.getpid() or probe(owner[1]):
            continue
        path = directory / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue  # another reader collected it first
        found.append((path, _records(data)))
    return found


def discard(path: Path) -> None:
    """Delete a collected journal file, and its folder when that was the last file."""
    path.unlink(missing_ok=True)
    _remove_if_empty(path.parent)


def _owner(name: str) -> tuple[str, int] | None:
    """Return the host and process id a journal file name carries, ``None`` for other files."""
    if not name.endswith(_SUFFIX):
        return None
    host, _, rest = name[: -len(_SUFFIX)].rpartition("-")[0].rpartition("-")
    try:
        return host, int(rest)
    except ValueError:
        return None


def _records(data: bytes) -> list[dict[str, Any]]:
    records = []
    for offset in range(0, len(data) - _HEADER.size + 1, SLOT_SIZE):
        used, length = _HEADER.unpack_from(data, offset)
        if used != _USED or not 0 < length <= _CAPACITY:
            continue
        try:
            record = json.loads(data[offset + _HEADER.size:offset + _HEADER.size + length])
        except ValueError:
            continue
        for column in _DATETIME_COLUMNS:
            if isinstance(record.get(column), str):
                record[column] = datetime.fromisoformat(record[column])
        records.append(record)
    return records


_journals: weakref.WeakSet[InflightJournal] = weakref.WeakSet()


def _reset_locks_after_fork() -> None:
    # A lock held by another thread at the fork would stay locked forever in the child.
    for journal in list(_journals):
        journal._lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_locks_after_fork)


def close_journals() -> None:
    """Close this process's journals, deleting each file that has no slot in use.

    A process that exits normally does this at exit. A server that ends the process with
    a signal after its graceful shutdown, as uvicorn 0.29 and later re-raise ``SIGTERM``,
    skips the exit handlers, so it must call this at its shutdown. A file left behind
    is deleted by the next process on the same host, and never when the host name
    changes between runs, as a container's does. A call made after this function
    returns gets a new file.
    """
    for journal in list(_journals):
        journal.close()


atexit.register(close_journals)
