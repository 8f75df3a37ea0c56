"""Run ``shop.create_item`` with a durable effect; with the hold hook set it stops after the commit."""

from __future__ import annotations

import sys

import runtime_fixture_ops as ops
from runtime_outbox_app import build

from opsgen.runtime.context import Context

if __name__ == "__main__":
    build().ensure_schema()
    result = ops.create_item(Context(actor="killer"), name=sys.argv[1], durable_to="queue")
    print(result)
