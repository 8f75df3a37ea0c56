"""An application module for the outbox tests, loaded by ``opsgen outbox drain --app``.

``OPSGEN_DATABASE_URL`` names the database and ``RECEIVER_FILE`` the file where the
receiver appends one line per delivery: the idempotency key, then the payload's item.
``FAIL_FIRST`` makes the receiver fail that many times before accepting, and
``RECEIVE_DELAY`` makes it sleep that many seconds before each delivery.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from opsgen.runtime.effects import EffectCall
from opsgen.runtime.runtime import Runtime, configure

_failures = {"left": int(os.environ.get("FAIL_FIRST", "0"))}
_delay = float(os.environ.get("RECEIVE_DELAY", "0"))


def receive(call: EffectCall) -> None:
    """Append the delivery to the receiver file, after the configured number of failures."""
    if _failures["left"] > 0:
        _failures["left"] -= 1
        raise ConnectionError("receiver unavailable")
    time.sleep(_delay)
    with Path(os.environ["RECEIVER_FILE"]).open("a", encoding="utf-8") as receiver:
        receiver.write(f"{call.idempotency_key} {call.payload['item']}\n")


def build() -> Runtime:
    """Configure the default runtime with the receiver as the handler of every effect kind used."""
    runtime = configure(database_url=os.environ["OPSGEN_DATABASE_URL"])
    runtime.register_effect_handler("publish", receive)
    runtime.register_effect_handler("email", lambda call: None)
    return runtime
