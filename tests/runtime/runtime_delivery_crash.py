"""Commit ``shop.create_item`` with a durable effect, then end the process inside its delivery.

The handler calls ``os._exit`` during the first delivery attempt, after the commit, so
the outbox row stays claimed by this process, as after a process killed mid-delivery.
"""

from __future__ import annotations

import os
import sys

import runtime_fixture_ops as ops
from runtime_outbox_app import build

from opsgen.runtime.context import Context
from opsgen.runtime.effects import EffectCall

#: Exit status of the process, so the test can tell the crash from another failure.
CRASH_STATUS = 17


def end_process(call: EffectCall) -> None:
    """Stand in for a process killed while the receiver was being called."""
    os._exit(CRASH_STATUS)


if __name__ == "__main__":
    runtime = build()
    runtime.ensure_schema()
    runtime.register_effect_handler("publish", end_process)
    ops.create_item(Context(actor="crasher"), name=sys.argv[1], durable_to="queue")
    sys.exit("the delivery attempt returned instead of ending the process")
