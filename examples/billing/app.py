"""The example application's runtime: one SQLite database, effect handlers, audit.

``opsgen`` commands find it through ``app = "examples.billing.app:build"`` in
``[tool.opsgen]``, so ``opsgen outbox drain`` delivers with the same handlers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from opsgen.runtime.effects import EffectCall
from opsgen.runtime.runtime import Runtime, configure

from examples.billing.models import Base, SentMessage

logger = logging.getLogger("examples.billing")


def _record_message(engine: Engine, channel: str, call: EffectCall, recipient: str) -> None:
    """Store one delivered message, once per idempotency key, as a real receiver would."""
    with engine.begin() as connection:
        seen = connection.execute(
            select(SentMessage.id).where(SentMessage.idempotency_key == call.idempotency_key)
        ).first()
        if seen is not None:
            logger.info("discarded repeated %s %s", channel, call.idempotency_key)
            return
        body = json.dumps(call.payload, sort_keys=True, default=str)
        connection.execute(
            insert(SentMessage).values(
                channel=channel, recipient=recipient, body=body, idempotency_key=call.idempotency_key
            )
        )
    logger.info("sent %s to %s for execution %s", channel, recipient, call.execution_id)


def build(database_url: str | None = None) -> Runtime:
    """Configure the default runtime for the example and return it."""
    runtime = configure(database_url=database_url)
    Base.metadata.create_all(runtime.engine)
    engine = runtime.engine

    def send_email(call: EffectCall) -> None:
        _record_message(engine, "email", call, str(call.payload["to"]))

    def call_mailing_service(call: EffectCall) -> None:
        _record_message(engine, "http", call, str(call.payload.get("list_name", "")))

    runtime.register_effect_handler("email", send_email)
    runtime.register_effect_handler("http", call_mailing_service)
    _install_audit(runtime)
    return runtime


def _install_audit(runtime: Runtime) -> None:
    """Capture every change to the audited entities of ``[tool.opsgen.audit]`` with triggers.

    Installing triggers is a schema change, so a real application does it in a migration
    (``opsgen.audit.alembic.refresh_audit_triggers``). The example creates its tables at
    start, so it installs the triggers there too.
    """
    from opsgen.audit.config import load_config
    from opsgen.audit.hook import install

    config = load_config(Path(__file__).resolve().parents[2] / "pyproject.toml")
    install(runtime, config, install_triggers=True)
