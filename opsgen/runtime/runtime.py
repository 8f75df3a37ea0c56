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
from inspect import signature as signature_of
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from opsgen.runtime.config import Settings, load_settings
from opsgen.runtime.database import create_runtime_engine
from opsgen.runtime.effect_keys import (
    check_key_shape,
    declared_effects,
    known_declarations,
    known_operations,
    lookup_keys,
    unmatched_keys,
    unserved_effects,
)
from opsgen.runtime.effects import EffectHandler
from opsgen.runtime.errors import ConfigurationError, EffectHandlerMissing
from opsgen.runtime.plural import counted
from opsgen.runtime.store import ExecutionStore
from opsgen.runtime.transaction import guard_sessions

if TYPE_CHECKING:
    from opsgen.runtime.context import Context
    from opsgen.runtime.locks import LockBackend
    from opsgen.runtime.outer_transaction import OuterTransaction
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
        if settings is not None and lock_backend is None:
            # load_settings checks the URLs it reads; settings built in code are checked here.
            from opsgen.runtime.locks import check_lock_url

            check_lock_url(settings.lock_url, "the lock_url of the Settings passed to Runtime")
        if engine is None and database_url is None and self.settings.database_url_fallback:
            _warn_fallback_database(self.settings)
        self.engine = engine or create_runtime_engine(database_url or self.settings.database_url)
        self.session_factory: sessionmaker[Session] = sessionmaker(bind=self.engine, expire_on_commit=False)
        guard_sessions(self.session_factory)
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
        #: A transaction that the application opens around calls, such as a Django
        #: ``atomic`` block: it keeps their locks and settles their records when it ends
        #: (see :mod:`opsgen.runtime.outer_transaction`).
        self.outer_transaction: OuterTransaction | None = None
        #: The engine that schema upgrades run on, when not ``engine``: an integration
        #: whose engine joins the application's transactions sets one of its own.
        self.schema_engine: Engine | None = None
        #: Called by :meth:`dispose` before it closes the engine, so an integration can
        #: close what it opened, such as a second engine.
        self.on_dispose: list[Callable[[], None]] = []
        self._migrate = migrate
        self._schema_ready = not migrate
        self._prepared_pid = 0

    def register_effect_handler(self, key: str, handler: EffectHandler) -> None:
        """Deliver the effects that ``key`` names with ``handler``.

        ``key`` is ``operation.effect`` (one operation's effect), an effect name as the
        spec declares it (that effect of every operation declaring it), or an effect kind. When several
        keys are registered for one effect, the most specific wins, in that order (see
        :mod:`opsgen.runtime.effect_keys`). Raises ``ValueError`` for a key that can never
        match an effect, such as ``orders.warehouse_notice``. A key of the right shape
        that no operation declares is reported by :meth:`check_effect_handlers`, and
        logged as a warning by the first call in the process.
        """
        check_key_shape(key)
        self.effect_handlers[key] = handler

    def resolve_effect_handler(self, name: str, kind: str, operation: str | None = None) -> EffectHandler:
        """Return the handler for effect ``name`` of ``kind`` that ``operation`` requested.

        Raises :class:`EffectHandlerMissing` naming every key that would serve the effect
        when none is registered.
        """
        keys = lookup_keys(name, kind, operation)
        for key in keys:
            handler = self.effect_handlers.get(key)
            if handler is not None:
                return handler
        requester = f" of operation {operation!r}" if operation else ""
        options = " or ".join(f"runtime.register_effect_handler({key!r}, fn)" for key in keys)
        raise EffectHandlerMissing(
            f"no handler for effect {name!r} (kind {kind!r}){requester}; register one with {options}"
        )

    def check_effect_handlers(self, registry: object | None = None, *, require_handlers: bool = True) -> None:
        """Raise :class:`ConfigurationError` listing the effect handler mistakes of this runtime.

        Those are each handler key that matches no declared effect and, with
        ``require_handlers``, each declared effect that no registered key serves (a call
        that requests it would fail). ``registry`` is the generated ``ops`` (or a mapping
        or list of handles). Without it, the check uses the operations whose handles
        this process created. Kind keys and ``opsgen.`` names are never reported. Call
        it at the start of the application, after registering handlers and setting up
        integrations, to fail before the first call instead of at a request. Pass
        ``require_handlers=False`` in a process that never delivers effects itself.
        """
        if registry is None:
            declarations = known_declarations()
            if not declarations:
                raise ConfigurationError(
                    "no operation handle exists in this process, so no effect is known; import the "
                    "generated registry first, or pass it: runtime.check_effect_handlers(ops)"
                )
        else:
            from opsgen.integrations.operations import index_operations

            declarations = [handle.declaration for handle in index_operations(registry).values()]
        problems = unmatched_keys(self.effect_handlers, declared_effects(declarations))
        if require_handlers:
            problems += unserved_effects(self.effect_handlers, declarations)
        if problems:
            raise ConfigurationError("; ".join(problems))

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

        upgrade(self.schema_engine or self.engine)
        self._schema_ready = True

    def require_schema(self) -> None:
        """Make sure the execution log tables exist, for a worker about to take messages.

        A runtime that migrates (the default) creates or upgrades them, as its first call
        would. One built with ``migrate=False`` raises :class:`ConfigurationError` naming
        the database when ``opsgen_executions`` is missing, because every message would
        fail on it and the broker would deliver it again and again.
        """
        if self._migrate:
            self.prepare()
            return
        if not inspect(self.schema_engine or self.engine).has_table("opsgen_executions"):
            raise ConfigurationError(
                f"the execution log table opsgen_executions is missing from the database "
                f"{self.engine.url.render_as_string(hide_password=True)}, and this runtime was built with "
                f"migrate=False; create the tables with runtime.ensure_schema() (or your deploy's migration "
                f"step), or check that database-url names the application's database"
            )
        self.prepare()

    def prepare(self) -> None:
        """Upgrade the schema once, on the first call, unless built with ``migrate=False``.

        The first call in each process also records the calls that ended processes left
        in the in-flight journal as abandoned, and logs a warning for each effect handler
        key that no operation known to the process declares: no operation of an
        imported generated registry, and no other operation whose handle exists.
        """
        if not self._schema_ready:
            self.ensure_schema()
        if self._prepared_pid != os.getpid():
            self._prepared_pid = os.getpid()
            self._warn_unmatched_handlers()
            if self.log_enabled:
                try:
                    self.store.collect_abandoned()
                except SQLAlchemyError as exc:
                    logger.warning("in-flight journals of ended processes stay for the next reader: %s", exc)

    def _warn_unmatched_handlers(self) -> None:
        known = known_operations()
        if not known:
            # No registry is imported and no handle exists yet, so the declared effects are unknown.
            return
        for problem in unmatched_keys(self.effect_handlers, known):
            logger.warning(
                "%s, among the %s of the generated registries and handles loaded in this process; check the key "
                "against the specs' side_effects, and regenerate a registry that an older opsgen wrote",
                problem, counted(len(known), "operation"),
            )

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

#: Whether this process has logged that its settings fell back to the default database.
_fallback_warned = False


def _warn_fallback_database(settings: Settings) -> None:
    """Log once per process that no settings named a database, so the default file is used.

    A worker started from the wrong folder otherwise runs every call against an empty
    SQLite file of its own, and no message explains why the application's records never change.
    """
    global _fallback_warned
    if _fallback_warned:
        return
    _fallback_warned = True
    logger.warning(
        "no pyproject.toml with a [tool.opsgen] table was found at or above %s, and OPSGEN_DATABASE_URL is "
        "not set, so the runtime uses the default database %s; set database-url in [tool.opsgen] or "
        "OPSGEN_DATABASE_URL, or start the process from the project folder",
        settings.root, settings.database_url,
    )


def configure(runtime: Runtime | None = None, **kwargs: Any) -> Runtime:
    """Make ``runtime`` (or ``Runtime(**kwargs)``) the default runtime and return it.

    Replacing a default runtime that integrations were set up on logs a warning naming
    what the new one lacks: the calls that need it would fail later, far from here.
    """
    global _default
    new = runtime if runtime is not None else Runtime(**kwargs)
    with _default_lock:
        old, _default = _default, new
    if old is not None and old is not new:
        lost = _lost_setup(old, new)
        if lost:
            logger.warning(
                "configure() replaced the default runtime, and the new one lacks the %s of the old one; "
                "call configure() once at start-up, before setting up integrations, or pass the "
                "existing runtime (get_runtime()) instead of building a new one",
                " and the ".join(lost),
            )
    return new


def _lost_setup(old: Runtime, new: Runtime) -> list[str]:
    """Name what was set up on ``old`` and is missing on ``new``."""
    lost = []
    if old.enqueuer is not None and new.enqueuer is None:
        lost.append("queue integration (enqueue)")
    missing_handlers = sorted(set(old.effect_handlers) - set(new.effect_handlers))
    if missing_handlers:
        lost.append(f"effect handlers {', '.join(missing_handlers)}")
    return lost


def get_runtime() -> Runtime:
    """Return the default runtime, building it from the settings on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Runtime()
    return _default


def configured_runtime() -> Runtime | None:
    """Return the default runtime if one is set, without building one from the settings."""
    return _default


def reset_runtime() -> None:
    """Forget the default runtime, disposing its engine; the next use builds a new one."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.dispose()


def _required_parameters(function: Callable[..., Any]) -> list[str]:
    """Return the names of the parameters ``function`` cannot be called without."""
    try:
        signature = signature_of(function)
    except (TypeError, ValueError):
        return []
    return [
        name for name, parameter in signature.parameters.items()
        if parameter.default is parameter.empty and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]


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
        needed = _required_parameters(target)
        if needed:
            raise ConfigurationError(
                f"app {spec!r} is a function that needs arguments ({', '.join(needed)}); name a Runtime, "
                "or a function without arguments that returns or configures one"
            )
        made = target()
        return made if isinstance(made, Runtime) else get_runtime()
    raise ConfigurationError(f"app {spec!r} is a {type(target).__name__}, not a Runtime or a function")
