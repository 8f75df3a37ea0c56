"""Tell whether the process that holds a lock still exists.

A lock row can name the process that took it: the machine's boot id, the inode of the
process id namespace, and the process id. A contender whose own boot id and namespace
match can then ask the kernel whether that process exists, and take over the lock of
a killed holder without waiting for its lease. Where either part is unknown (no
``/proc``, as on macOS), a lock row names no process and only its lease frees it.

The namespace matters: two containers can share a lock file and a host name while
their process ids mean different processes. Only a row from the same boot and the same
namespace is ever judged by its process id. A process id reused by another process
after the holder died hides the death, which errs on the safe side: the contender
waits for the lease.
"""

from __future__ import annotations

import os
from functools import lru_cache

from opsgen.runtime.locks.abandoned import process_alive


@lru_cache(maxsize=1)
def _machine() -> str | None:
    """Return ``BOOT_ID:PID_NAMESPACE`` of this process, or ``None`` where either is unknown."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as boot:
            boot_id = boot.read().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return f"{boot_id}:{namespace}" if boot_id else None


def process_identity() -> str | None:
    """Return the identity a lock row stores for the calling process, or ``None``."""
    machine = _machine()
    return None if machine is None else f"{machine}:{os.getpid()}"


def holder_ended(identity: str | None) -> bool:
    """Return whether ``identity`` (from :func:`process_identity`) names a process of this machine that has ended.

    ``False`` for a process of another machine or namespace, or an identity that is
    missing or malformed: such a holder is left to its lease.
    """
    machine = _machine()
    if identity is None or machine is None:
        return False
    prefix, _, pid = identity.rpartition(":")
    if prefix != machine or not pid.isdigit():
        return False
    return int(pid) > 0 and not process_alive(int(pid))
