"""The runtime object: database, execution store, lock backend, effect handlers, hooks.

Most applications use one runtime, the default: :func:`configure` sets it and
:func:`get_runtime` returns it, building it from the settings (``[tool.opsgen]`` and
``OPSGEN_*`` variables, see :mod:`opsgen.runtime.config`) on first use when nothing
was configured. Tests and multi-database applications build their own
:class:`Runtime` and bind handles to it.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from opsgen.runtime.config import Settings, load_settings
from opsgen.runtime.database import create_runtime_engine
from opsgen.runtime.effects import EffectHandler
from opsgen.runtime.errors import ConfigurationError, EffectHandlerMissing
from opsgen.runtime.store import ExecutionStore

if TYPE_CHECKING:
    from opsgen.runtime.context import Context
    from opsgen.runtime.locks import LockBackend
    from opsgen.runtime.execution import ExecutionContext, ExecutionInfo
    from opsgen.runtime.handle import OperationHandle

logger = logging.getLogger(__name__)

#: Called at the start of each outermost transaction, before operation code runs.
TransactionBeginHook = Callable[[Connection, "ExecutionInfo"], None]

#: Sends an operation call to a queue: ``enqueuer(handle, ctx, inputs)``.
Enqueuer = Callable[["OperationHandle[Any, Any]", "Context | ExecutionContext | None", dict[str, Any]], Any]


class Runtime:
    """Everything the pipeline needs that is not in the operation's declaration.

    ``engine`` (or ``database_url``) is the database of both the application's
    transactions and the execution log: durable effects must be written in the same
    transaction as the operation's writes. Unset arguments come from ``settings``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        engine: Engine | None = None,
        database_url: str | None = None,
        log_enabled: bool | None = None,
        trace_modules: tuple[str, ...] | None = None,
        lock_backend: LockBackend | None = None,
        record_running: bool | None = None,
        migrate: bool = True,
    ) -> None:
        self.settings = settings or load_settings()
        self.engine = engine or create_runtime_engine(database_url or self.settings.database_url)
        self.session_factory: sessionmaker[Session] = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.store = ExecutionStore(self.engine)
        self.log_enabled = self.settings.log_enabled if log_enabled is None else log_enabled
        self.trace_modules = self.settings.trace_modules if trace_modules is None else tuple(trace_modules)
        self.lock_backend = lock_backend
        #: Write the record of an outermost transactional call before it runs, in a short
        #: transaction of its own, so it is visible while it runs. When false the record
        #: is written once, inside the operation's transaction (or after its rollback).
        self.record_running = self.settings.record_running if record_running is None else record_running
        self.effect_handlers: dict[str, EffectHandler] = {}
        self.on_transaction_begin: list[TransactionBeginHook] = []
        self.enqueuer: Enqueuer | None = None
        #: Runs effect delivery after the commit of a transaction the runtime does not
        #: own, such as Django's ``transaction.on_commit``; when unset, delivery runs at once.
        self.defer_delivery: Callable[[Callable[[], None]], None] | None = None
        #: Called by :meth:`dispose` before it closes the engine, so an integration can
        #: close what it opened, such as a second engine.
        self.on_dispose: list[Callable[[], None]] = []
        self._migrate = migrate
        self._schema_ready = not migrate
        self._prepared_pid = 0

    def register_effect_handler(self, name_or_kind: str, handler: EffectHandler) -> None:
        """Deliver effects named ``name_or_kind``, or of that kind, with ``handler``.

        A handler registered for an effect name wins over one registered for its kind.
        """
        self.effect_handlers[name_or_kind] = handler

    def resolve_effect_handler(self, name: str, kind: str) -> EffectHandler:
        """Return the handler for effect ``name`` of ``kind``.

        Raises :class:`EffectHandlerMissing` naming both keys when neither is registered.
        """
        handler = self.effect_handlers.get(name) or self.effect_handlers.get(kind)
        if handler is None:
            raise EffectHandlerMissing(
                f"no handler for effect {name!r} (kind {kind!r}); register one with "
                f"runtime.register_effect_handler({name!r}, fn) or "
                f"runtime.register_effect_handler({kind!r}, fn)"
            )
        return handler

    def get_lock_backend(self) -> LockBackend:
        """Return the lock backend, opening it on first use from ``lock-url`` or the database URL.

        Without ``lock-url``, a SQLite database keeps its locks in a file of their own
        (see :func:`~opsgen.runtime.locks.lock_url_for_database`).
        """
        if self.lock_backend is None:
            from opsgen.runtime.locks import lock_url_for_database, open_lock_backend

            database_url = self.engine.url.render_as_string(hide_password=False)
            url = self.settings.lock_url or lock_url_for_database(database_url)
            self.lock_backend = open_lock_backend(url)
        return self.lock_backend

    def ensure_schema(self) -> None:
        """Create or upgrade the execution log tables to the newest shipped migration."""
        from opsgen.runtime.migrate import upgrade

        upgrade(self.engine)
        self._schema_ready = True

    def prepare(self) -> None:
        """Upgrade the schema once, on the first call, unless built with ``migrate=False``.

        The first call in each process also records the calls that ended processes left
        in the in-flight journal as abandoned.
        """
        if not self._schema_ready:
            self.ensure_schema()
        if self._prepared_pid != os.getpid():
            self._prepared_pid = os.getpid()
            if self.log_enabled:
                try:
                    self.store.collect_abandoned()
                except SQLAlchemyError as exc:
                    logger.warning("in-flight journals of ended processes stay for the next reader: %s", exc)

    def dispose(self) -> None:
        """Store queued live state, then close the lock backend and the engine's pooled connections."""
        for hook in self.on_dispose:
            hook()
        self.store.close()
        if self.lock_backend is not None:
            self.lock_backend.close()
        self.engine.dispose()


_default: Runtime | None = None
_default_lock = threading.Lock()


def configure(runtime: Runtime | None = None, **kwargs: Any) -> Runtime:
    """Make ``runtime`` (or ``Runtime(**kwargs)``) the default runtime and return it."""
    global _default
    new = runtime if runtime is not None else Runtime(**kwargs)
    with _default_lock:
        _default = new
    return new


def get_runtime() -> Runtime:
    """Return the default runtime, building it from the settings on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Runtime()
    return _default


def reset_runtime() -> None:
    """Forget the default runtime, disposing its engine; the next use builds a new one."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.dispose()


def load_app(spec: str) -> Runtime:
    """Import ``module:object`` and return the runtime it gives.

    The object may be a :class:`Runtime`, or a function that returns one or
    configures the default runtime. Raises :class:`ConfigurationError` naming ``spec``
    when the import fails or the object is neither.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"app {spec!r} must have the form module:object")
    try:
        module = importlib.import_module(module_name)
        target = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"cannot load app {spec!r}: {exc}") from exc

    if isinstance(target, Runtime):
        return target
    if callable(target):
        made = target()
        return made if isinstance(made, Runtime) else get_runtime()
    raise ConfigurationError(f"app {spec!r} is a {type(target).__name__}, not a Runtime or a function")
