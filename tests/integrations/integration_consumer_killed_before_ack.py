"""A consumer process that dies by SIGKILL when it acknowledges its first message.

Run as ``python integration_consumer_killed_before_ack.py BROKER QUEUE DATABASE_URL``.
The call has committed by then, so the broker delivers the message again to the next
consumer: the case a stable message id must make safe.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from integration_ops import ops
from kombu import Connection
from kombu.message import Message

from opsgen.integrations.consumer import OperationConsumer
from opsgen.runtime.config import Settings
from opsgen.runtime.runtime import Runtime

#: Short Redis visibility timeout, so that the killed consumer's message comes back within a test.
TRANSPORT_OPTIONS = {"visibility_timeout": 2, "unacked_restore_interval": 1}


def _die(self: Message, *args: Any, **kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    broker, queue, database_url = sys.argv[1:4]
    Message.ack = _die  # type: ignore[method-assign]
    runtime = Runtime(Settings(root=Path.cwd(), database_url=database_url))
    with Connection(broker, transport_options=TRANSPORT_OPTIONS) as connection:
        OperationConsumer(connection, queue, ops, runtime=runtime).run(limit=1, idle_timeout=20)


if __name__ == "__main__":
    main()
