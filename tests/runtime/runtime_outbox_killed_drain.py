"""Run one ``drain()`` with the receiver of :mod:`runtime_outbox_app`, for tests that kill it or make it crash.

``CLAIM_LEASE`` sets the claim lease in seconds. ``UNKNOWN_PROCESS=1`` stores no process
identity with the claims, as on a machine without ``/proc``, so after the process dies
only the lease frees its rows. ``CRASH_ON_ITEM`` ends the process with status
:data:`runtime_delivery_crash.CRASH_STATUS` when the receiver is called for that payload
item, as a handler that kills its process would.
"""

from __future__ import annotations

import os

from runtime_delivery_crash import end_process
from runtime_outbox_app import build, receive

from opsgen.runtime import outbox
from opsgen.runtime.effects import EffectCall


def receive_or_crash(call: EffectCall) -> None:
    """Receive the call, unless its item is the one that ``CRASH_ON_ITEM`` names."""
    if call.payload.get("item") == os.environ.get("CRASH_ON_ITEM"):
        end_process(call)
    receive(call)


if __name__ == "__main__":
    if "CLAIM_LEASE" in os.environ:
        outbox.CLAIM_LEASE = float(os.environ["CLAIM_LEASE"])
    if os.environ.get("UNKNOWN_PROCESS") == "1":
        outbox.process_identity = lambda: None
    runtime = build()
    runtime.register_effect_handler("publish", receive_or_crash)
    outbox.drain(runtime)
