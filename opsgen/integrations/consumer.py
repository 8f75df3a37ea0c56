# kombu ships type hints for only part of its API.
# mypy: disable-error-code="no-untyped-call"
"""Broker messages as operation calls, on kombu (RabbitMQ, Redis and kombu's other transports).

A message names its operation in the ``opsgen-operation`` header, carries the input as
a JSON object in its body, and the caller's context in the ``opsgen-context`` header
(the dict of :meth:`Context.to_dict`, as a table or as the JSON text of that object).
:func:`publish_call` writes such a message.

:class:`OperationConsumer` runs each message through the pipeline, so every call gets
an execution record, and acknowledges it once the call has finished, whatever its
result. A message with a stable id (the ``message_id`` property or an
``opsgen-execution-id`` header) runs as the execution that id names, claimed as a
Celery worker claims a queued call, so a message delivered again after its call
finished is acknowledged without running it again.

A message that cannot become a call (its content type is not JSON, its body is
not valid JSON, the operation is unknown, the headers are malformed, or the input is
invalid, including a body that is JSON but not an object) is recorded as a failed
execution with the reason and goes to the dead-letter queue. RabbitMQ routes it there
itself when the consumer rejects it, through the queue's ``x-dead-letter-exchange``
argument. Redis has no dead-lettering, so the consumer publishes the message to the
dead-letter queue and then acknowledges it. The consumer never stops on a bad message.
"""

from __future__ import annotations

import json
import logging
import reprlib
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.exceptions import ContentDisallowed
from kombu.message import Message
from kombu.messaging import Consumer, Producer

from opsgen.integrations.background import DEFAULT_LEASE, QueuedCall, run_queued
from opsgen.integrations.operations import index_operations
from opsgen.runtime.context import Context
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.plural import counted
from opsgen.runtime.result import Result
from opsgen.runtime.runtime import Runtime, get_runtime
from opsgen.runtime.schema import ExecutionStatus
from opsgen.runtime.store import ExecutionRecord, utcnow

logger = logging.getLogger(__name__)

OPERATION_HEADER = "opsgen-operation"
CONTEXT_HEADER = "opsgen-context"
#: Header the consumer adds to a message it dead-letters itself.
ERROR_HEADER = "opsgen-error"
#: Header of a stable message id chosen by the publisher, read when the message has no
#: ``message_id`` property. The consumer also writes it, with the failed execution's id,
#: on a message it dead-letters itself.
EXECUTION_HEADER = "opsgen-execution-id"

#: Namespace of the execution ids derived from stable message ids. It must never change:
#: a message delivered again after an upgrade has to name the same execution.
MESSAGE_ID_NAMESPACE = uuid.UUID("6f1d4c3e-2b7a-5e08-9a51-0c8e4f7d2a96")

#: Failure codes that send a message to the dead-letter queue.
DEAD_LETTER_CODES = frozenset({"malformed_message", "unknown_operation", "invalid_input"})

#: Content types of the message bodies the consumer decodes; :func:`publish_call` sends JSON.
ACCEPTED_CONTENT_TYPES = ("application/json",)

#: Transports whose brokers dead-letter a rejected message themselves.
NATIVE_DEAD_LETTERING = frozenset({"amqp"})


@dataclass(frozen=True)
class OperationQueues:
    """The work queue and its dead-letter queue, declared alike on every transport."""

    work: Queue
    dead_letter: Queue


def operation_queues(name: str, *, native_dead_lettering: bool) -> OperationQueues:
    """Return the queue ``name`` and its dead-letter queue ``<name>.dead``.

    With ``native_dead_lettering`` the work queue carries the RabbitMQ arguments that
    route rejected messages to the dead-letter queue.
    """
    dead_exchange = Exchange(f"{name}.dlx", type="direct", durable=True)
    dead_letter = Queue(f"{name}.dead", dead_exchange, routing_key=f"{name}.dead", durable=True)
    arguments = (
        {"x-dead-letter-exchange": dead_exchange.name, "x-dead-letter-routing-key": f"{name}.dead"}
        if native_dead_lettering
        else None
    )
    work = Queue(name, Exchange(name, type="direct", durable=True), routing_key=name, durable=True,
                 queue_arguments=arguments)
    return OperationQueues(work, dead_letter)


def publish_call(
    connection: Connection,
    queue: str,
    operation: str,
    inputs: Mapping[str, Any],
    ctx: Context | None = None,
    *,
    message_id: str | None = None,
) -> str:
    """Publish one operation call to ``queue`` (declared with its dead-letter queue); return its message id.

    ``message_id`` defaults to a new random id. The consumer derives the call's
    execution id from it, so a message that the broker delivers again after the call
    finished does not run it again. Pass an id of your own, such as an order number,
    to make a repeated publication of the same call run once too.
    """
    queues = operation_queues(queue, native_dead_lettering=_native(connection))
    message_id = message_id or str(uuid.uuid4())
    with connection.Producer() as producer:
        producer.publish(
            json.dumps(dict(inputs), default=str),
            exchange=queues.work.exchange,
            routing_key=queue,
            content_type="application/json",
            content_encoding="utf-8",
            headers={OPERATION_HEADER: operation, CONTEXT_HEADER: (ctx or Context()).to_dict()},
            declare=[queues.work, queues.dead_letter],
            retry=True,
            delivery_mode=2,
            message_id=message_id,
        )
    return message_id


class MessageRejected(Exception):
    """A message that cannot become an operation call; ``code`` names why."""

    def __init__(self, code: str, message: str, operation: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.operation = operation


class OperationConsumer:
    """Consumes one queue and runs each message as a call of the operation it names."""

    def __init__(
        self,
        connection: Connection,
        queue: str,
        registry: object,
        *,
        runtime: Runtime | None = None,
        lease: float = DEFAULT_LEASE,
    ) -> None:
        self.connection = connection
        self.runtime = runtime or get_runtime()
        self.handles = index_operations(registry, self.runtime)
        self.native_dead_lettering = _native(connection)
        self.queues = operation_queues(queue, native_dead_lettering=self.native_dead_lettering)
        #: Seconds a claim on a message's execution lasts without renewal (see :func:`run_queued`).
        self.lease = lease
        self.handled = 0
        self.dead_lettered = 0

    def run(
        self,
        *,
        limit: int | None = None,
        idle_timeout: float | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> int:
        """Consume until ``should_stop()``, ``limit`` messages, or ``idle_timeout`` seconds without one.

        Returns the number of messages handled. Connection errors propagate, and so does
        the :class:`~opsgen.runtime.errors.ConfigurationError` of a runtime built with
        ``migrate=False`` on a database without the execution log tables.
        """
        self.runtime.require_schema()
        self.connection.ensure_connection(max_retries=3)
        channel = self.connection.default_channel
        for queue in (self.queues.work, self.queues.dead_letter):
            queue(channel).declare()
        consumer = Consumer(
            channel,
            queues=[self.queues.work],
            callbacks=[self.on_message],
            on_decode_error=self.on_decode_error,
            accept=list(ACCEPTED_CONTENT_TYPES),
            prefetch_count=1,
        )
        logger.info("consuming operation calls from queue %s", self.queues.work.name)
        last_message = time.monotonic()
        seen = self.handled
        with consumer:
            while not should_stop() and (limit is None or self.handled < limit):
                try:
                    self.connection.drain_events(timeout=1.0)
                except socket.timeout:
                    pass
                if self.handled != seen:
                    seen, last_message = self.handled, time.monotonic()
                elif idle_timeout is not None and time.monotonic() - last_message > idle_timeout:
                    break
        logger.info("stopped consuming %s after %s", self.queues.work.name, counted(self.handled, "message"))
        return self.handled

    def on_message(self, body: Any, message: Message) -> None:
        """Run the call a decoded message carries, then acknowledge or dead-letter it."""
        try:
            handle, inputs, ctx = self.parse(body, message)
        except MessageRejected as exc:
            execution_id = self.record_rejection(exc, message)
            self.dead_letter(message, exc.code, exc.message, execution_id)
            return

        execution_id = self.execution_id_for(message, handle.declaration.name)
        if execution_id is not None and isinstance(inputs, Mapping) and self.runtime.log_enabled:
            result = self.run_once(handle, ctx, inputs, execution_id, message)
        else:
            # Without a stable id every delivery is a new execution: at least once.
            # call_with hands the decoded body to the pipeline's validation, so a missing
            # or extra key, or a body that is not an object, is a recorded invalid_input
            # failure. Spreading it into the generated keyword-only signature would raise
            # TypeError before anything is recorded.
            result = handle.call_with(ctx, inputs)
        if result is None and execution_id is not None and self.dead_letter_again(message, execution_id):
            return
        if result is not None and not result.ok and result.code in DEAD_LETTER_CODES:
            self.dead_letter(message, result.code, result.message, result.execution_id)
            return
        message.ack()
        self.handled += 1

    def dead_letter_again(self, message: Message, execution_id: str) -> bool:
        """Dead-letter a delivery of a message whose execution already failed for a bad message.

        Returns False when the execution ended otherwise. A consumer that recorded the
        failure may have died before it dead-lettered the message, so the broker delivers
        it again. Acknowledging that delivery would lose the message.
        """
        finished = self.runtime.store.find_execution(execution_id)
        if finished is None or finished["status"] != "failed" or finished["error_code"] not in DEAD_LETTER_CODES:
            return False
        self.dead_letter(message, finished["error_code"], finished["error_message"] or "", execution_id)
        return True

    def execution_id_for(self, message: Message, operation: str) -> str | None:
        """Return the execution id that a message's stable id gives; ``None`` when it has none.

        The stable id is the AMQP ``message_id`` property, else the ``opsgen-execution-id``
        header. The id is a UUID derived from the queue, the operation and that id, so
        the same message always names the same execution, and equal ids on other queues
        or of other operations never collide.
        """
        stable = (message.properties or {}).get("message_id") or _header(message, EXECUTION_HEADER)
        if stable is None or stable == "":
            return None
        return self.execution_id_for_stable_id(str(stable), operation)

    def execution_id_for_stable_id(self, stable_id: str, operation: str) -> str:
        """Return the execution id of a message of ``operation`` with ``stable_id`` on this consumer's queue."""
        return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, f"{self.queues.work.name}\n{operation}\n{stable_id}"))

    def run_once(
        self,
        handle: OperationHandle[Any, Any],
        ctx: Context,
        inputs: Mapping[str, Any],
        execution_id: str,
        message: Message,
    ) -> Result[Any] | None:
        """Run the call as execution ``execution_id`` unless that execution has finished; return its result.

        Returns ``None`` for a message delivered again after its execution finished:
        :func:`run_queued` logs that it is not run. The call is claimed as a Celery
        worker claims a queued call, so a consumer that died midway is taken over once
        its lease expires (at once when it ran on this host). A failure that the spec's
        retry policy retries, and a call that another consumer runs under a live lease,
        are tried again here after the delay, which holds this consumer meanwhile.
        """
        call = QueuedCall(
            operation=handle.declaration.name,
            execution_id=execution_id,
            input=dict(inputs),
            context=ctx.to_dict(),
            queue=self.queues.work.name,
        )
        while True:
            outcome = run_queued(
                {call.operation: handle}, self.runtime, call,
                lease=self.lease, delivery=str(message.delivery_tag), warn_rebuilt=False,
            )
            if outcome.retry_in is None:
                return outcome.result
            time.sleep(outcome.retry_in)

    def on_decode_error(self, message: Message, error: Exception) -> None:
        """Record and dead-letter a message whose body kombu could not decode."""
        if isinstance(error, ContentDisallowed):
            reason = _content_type_rejection(message.content_type)
        else:
            reason = f"the message body is not valid JSON ({type(error).__name__}: {error})"
        rejection = MessageRejected("malformed_message", reason, _header(message, OPERATION_HEADER))
        execution_id = self.record_rejection(rejection, message)
        self.dead_letter(message, rejection.code, rejection.message, execution_id)

    def parse(self, body: Any, message: Message) -> tuple[OperationHandle[Any, Any], Any, Context]:
        """Return the handle, input and context a message names; raise :class:`MessageRejected`.

        The input is the decoded body as it is: the pipeline rejects one that is not a
        JSON object as invalid input, with the operation's record.
        """
        name = _header(message, OPERATION_HEADER)
        if not isinstance(name, str) or not name:
            raise MessageRejected("malformed_message", f"the message has no {OPERATION_HEADER} header")
        handle = self.handles.get(name)
        if handle is None:
            known = ", ".join(sorted(self.handles)) or "none"
            raise MessageRejected("unknown_operation", f"unknown operation {name!r}; this consumer has: {known}", name)
        if message.content_type not in ACCEPTED_CONTENT_TYPES:
            # kombu passes the bodies of the content types it trusts (none given,
            # application/data, application/text) through undecoded.
            raise MessageRejected("malformed_message", _content_type_rejection(message.content_type), name)
        try:
            ctx = context_from_header(_header(message, CONTEXT_HEADER))
        except (TypeError, ValueError) as exc:
            raise MessageRejected("malformed_message", f"invalid {CONTEXT_HEADER} header: {exc}", name) from exc
        return handle, body, ctx

    def record_rejection(self, rejection: MessageRejected, message: Message) -> str | None:
        """Write a failed execution record with the reason the message was not run."""
        if not self.runtime.log_enabled:
            return None
        self.runtime.prepare()
        try:
            ctx = context_from_header(_header(message, CONTEXT_HEADER))
        except (TypeError, ValueError):
            ctx = Context()
        # A message with a stable id names the same failed execution at each delivery, so
        # a redelivered rejection is recorded once.
        stable = self.execution_id_for(message, rejection.operation or "")
        if stable is not None and self.runtime.store.find_execution(stable) is not None:
            return stable
        execution_id = stable or str(uuid.uuid4())
        now = utcnow()
        handle = self.handles.get(rejection.operation or "")
        record = ExecutionRecord(
            id=execution_id,
            operation=rejection.operation or "(unnamed message)",
            operation_version=handle.declaration.version if handle else 0,
            status=ExecutionStatus.failed.value,
            parent_id=None,
            root_id=execution_id,
            actor=ctx.actor,
            organization=ctx.organization,
            request_id=ctx.request_id,
            correlation_id=ctx.correlation_id,
            context_extra=dict(ctx.extra) or None,
            input=None,
            created_at=now,
            started_at=now,
            finished_at=now,
            duration_ms=0.0,
            error_code=rejection.code,
            error_message=rejection.message,
            error_details={"queue": self.queues.work.name, "delivery_tag": str(message.delivery_tag)},
        )
        self.runtime.store.write(record)
        return execution_id

    def dead_letter(self, message: Message, code: str, reason: str, execution_id: str | None) -> None:
        """Send ``message`` to the dead-letter queue: reject it on RabbitMQ, republish it elsewhere."""
        logger.error("dead-lettering a message from %s: %s: %s (execution %s)",
                     self.queues.work.name, code, reason, execution_id,
                     extra={"queued_execution_id": execution_id})
        if self.native_dead_lettering:
            message.reject(requeue=False)
        else:
            headers = dict(message.headers or {})
            headers.update({ERROR_HEADER: f"{code}: {reason}", EXECUTION_HEADER: execution_id})
            producer = Producer(self.connection.default_channel)
            producer.publish(
                message.body,
                exchange=self.queues.dead_letter.exchange,
                routing_key=self.queues.dead_letter.routing_key,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                headers=headers,
                declare=[self.queues.dead_letter],
                delivery_mode=2,
            )
            message.ack()
        self.handled += 1
        self.dead_lettered += 1


def context_from_header(value: Any) -> Context:
    """Return the context an ``opsgen-context`` header value carries; no header gives an empty one.

    The value is a mapping of context keys, as :meth:`Context.to_dict` writes it, or
    the JSON text of such an object, for publishers that can send only string header
    values. Raises ``ValueError`` saying what is wrong and showing the value otherwise.
    """
    if value is None:
        return Context()
    expected = "the header must be a JSON object (a mapping) of context keys, or the JSON text of one"
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"{expected}, but it is str {_shown(value)}, which is not valid JSON: {exc}") from None
        if not isinstance(decoded, Mapping):
            raise ValueError(
                f"{expected}, but it is str {_shown(value)}, whose JSON is {type(decoded).__name__} {_shown(decoded)}"
            )
        value = decoded
    if not isinstance(value, Mapping):
        raise ValueError(f"{expected}, but it is {type(value).__name__} {_shown(value)}")
    extra = value.get("extra")
    if extra is not None and not isinstance(extra, Mapping):
        raise ValueError(
            f"its 'extra' key must be a JSON object (a mapping) of names to values, but it is "
            f"{type(extra).__name__} {_shown(extra)}"
        )
    return Context.from_dict(value)


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = 80
_SHORT_REPR.maxother = 80


def _shown(value: Any) -> str:
    """Return ``repr(value)`` cut to a length that fits in an error message."""
    return _SHORT_REPR.repr(value)


def _content_type_rejection(content_type: str | None) -> str:
    accepted = " or ".join(ACCEPTED_CONTENT_TYPES)
    problem = f"the message content type {content_type!r} is not accepted" if content_type else "the message has no content type"
    return f"{problem}; this consumer accepts only {accepted}, so publish the JSON body with that content type (publish_call does)"


def _native(connection: Connection) -> bool:
    return str(connection.transport.driver_type) in NATIVE_DEAD_LETTERING


def _header(message: Message, name: str) -> Any:
    headers = message.headers or {}
    return headers.get(name)
