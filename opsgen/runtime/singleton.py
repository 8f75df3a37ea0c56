"""Singleton claims: at most one execution of an operation (or of one key) at a time.

A singleton is a lock on ``singleton:<key>`` held for the whole execution, in the same
backend and with the same lease renewal as declared locks. The claim therefore holds
across processes and hosts, and a dead holder's claim ends with its lease. A claim by the
same owner (a task run again under its execution id after its worker died) takes the key
over at once, in every backend. When the key is held by another owner
the declaration's ``on_conflict`` decides:

- ``reject``: give up at once; the caller records the attempt as rejected;
- ``skip``: give up at once; the caller records the attempt as skipped;
- ``wait``: wait up to the declared timeout, then give up as rejected with
  ``timed_out`` set.

Every outcome other than a claim carries the holder's execution id (when the backend can
tell), so the execution log can say which execution the attempt met.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from opsgen.runtime.declarations import SingletonDeclaration
from opsgen.runtime.locks import HeldLocks, LockBackend, LockTimeout, WaitHook, render_lock_key

logger = logging.getLogger(__name__)

#: Prefix that keeps singleton keys apart from declared lock keys.
SINGLETON_PREFIX = "singleton:"

ClaimOutcome = Literal["claimed", "rejected", "skipped"]


@dataclass(frozen=True)
class SingletonClaim:
    """The result of claiming a singleton.

    ``held`` is set only when ``outcome`` is ``claimed``; release it when the execution
    ends. ``holder`` is the execution id that held the key on conflict, or ``None`` when
    it could not be read. ``timed_out`` is true for a ``wait`` that ran out of
    time and false for an immediate rejection.
    """

    key: str
    outcome: ClaimOutcome
    held: HeldLocks | None = None
    holder: str | None = None
    timed_out: bool = False
    waited: float = 0.0

    @property
    def claimed(self) -> bool:
        return self.outcome == "claimed"

    def message(self) -> str:
        """Return a sentence for the execution log that names the key and the holder."""
        if self.outcome == "claimed":
            return f"claimed singleton {self.key!r}"
        held_by = f"execution {self.holder}" if self.holder else "an execution that could not be identified"
        if self.timed_out:
            return f"singleton {self.key!r} still held by {held_by} after waiting {self.waited:.3g} s"
        return f"singleton {self.key!r} is held by {held_by}, so this call was {self.outcome}"


def singleton_key(declaration: SingletonDeclaration, values: Mapping[str, object]) -> str:
    """Return the full lock key of ``declaration`` with its template filled from ``values``."""
    return SINGLETON_PREFIX + render_lock_key(declaration.key, values)


def claim_singleton(
    backend: LockBackend,
    declaration: SingletonDeclaration,
    *,
    key: str,
    owner: str,
    on_wait: WaitHook | None = None,
) -> SingletonClaim:
    """Claim ``key`` (from :func:`singleton_key`) for execution ``owner``.

    Never raises on conflict. The result states whether the claim succeeded and, if not,
    which execution held the key. A backend that cannot be reached raises
    :class:`~opsgen.runtime.locks.LockUnavailable`.
    ``on_wait`` goes to :meth:`LockBackend.acquire_many`: with the ``wait`` policy it
    is called once the key turns out to be held.
    """
    started = time.monotonic()
    timeout = declaration.timeout if declaration.on_conflict == "wait" else 0.0

    try:
        held = backend.acquire_many([key], timeout=timeout, lease=declaration.lease, owner=owner, on_wait=on_wait)
    except LockTimeout as conflict:
        waited = time.monotonic() - started
        outcome: ClaimOutcome = "skipped" if declaration.on_conflict == "skip" else "rejected"
        claim = SingletonClaim(
            key=key,
            outcome=outcome,
            holder=conflict.holder,
            timed_out=declaration.on_conflict == "wait",
            waited=waited,
        )
        logger.info("execution %s: %s", owner, claim.message())
        return claim

    return SingletonClaim(key=key, outcome="claimed", held=held, waited=time.monotonic() - started)
