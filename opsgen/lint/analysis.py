"""Interprocedural facts over the project index: transactions, side effects, call chains.

Three questions drive the OPS1xx rules:

* Where does a call run inside a transaction? Lexically inside ``atomic()`` or
  ``session.begin()``, or between a session write and its ``commit()``. Also anywhere in a
  function whose whole body runs in one: ``@atomic``, an ``ATOMIC_REQUESTS`` view, a Django
  admin save hook, a delete or m2m signal receiver, a SQLAlchemy ``before_commit``
  listener, or an opsgen operation whose spec says ``transaction: true``.
* Which calls reach a side effect, and through which chain? A function reaches one when a
  call that it makes outside its own transactions is a side effect or reaches one. Calls
  resolve through imports, ``self`` methods, ``save()`` overrides and the model signal
  receivers a write fires. Code inside a function's own transaction is reported there,
  so it does not travel up to the callers a second time.
* Does any caller hold a transaction? Used by the forgotten-transaction rule.

An inner ``atomic()`` under an outer one is a savepoint: a call after the inner block is
still inside the outer block, which the lexical stack of blocks in the summary records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from dataclasses import dataclass, replace
from pathlib import Path

from opsgen.lint import knowledge
from opsgen.lint.batch_loops import one_write_per_pass
from opsgen.lint.configured_files import configured_file_effect
from opsgen.lint.deferral_decorators import defers_decorated_function
from opsgen.lint.index import ProjectIndex
from opsgen.lint.knowledge import Effect
from opsgen.lint.name_patterns import matches
from opsgen.lint.operation_helpers import Helper, find_operation_helpers
from opsgen.lint.openers import CONTEXT_MANAGER_DECORATORS, ProjectOpeners
from opsgen.lint.operations import OperationInfo, load_operations
from opsgen.lint.relations import RelatedManagers
from opsgen.lint.summary import NON_ATOMIC_KEY, CallSite, FunctionSummary, ModuleSummary, TransactionBlock

#: Method names too common to link to a project method when the receiver's type is unknown.
GENERIC_METHODS = frozenset(
    {
        "save", "delete", "get", "set", "update", "create", "add", "remove", "clear", "run", "send",
        "close", "open", "read", "write", "call", "execute", "process", "handle", "start", "stop",
        "validate", "clean", "full_clean", "refresh_from_db", "all", "filter", "first", "items",
        "keys", "values", "append", "extend", "pop", "copy", "format", "join", "split", "strip",
        "encode", "decode", "lower", "upper", "__init__", "__call__", "dispatch", "render",
    }
)  # fmt: skip

#: Method names of Python's built-in types, Django's ORM, forms and views, and SQLAlchemy's
#: session. A project method of such a name is not linked by its name alone, because the
#: unknown receiver is as likely a library object as the project's one class.
LIBRARY_METHOD_NAMES = (
    GENERIC_METHODS
    | frozenset(name for kind in (str, bytes, list, dict, set, tuple, int, float) for name in dir(kind))
    | knowledge.QUERYSET_STEPS
    | frozenset(knowledge.MANAGER_WRITES)
    | knowledge.MANAGER_RETURNS_INSTANCE
    | knowledge.RELATED_MANAGER_WRITES
    | frozenset(knowledge.DJANGO_ASYNC_METHODS)
    | knowledge.SESSION_METHODS
    | knowledge.SESSION_ENDS
    | knowledge.SESSION_READS
    | knowledge.HTTP_VERBS
    | frozenset(
        {
            "exists", "count", "latest", "earliest", "in_bulk", "iterator", "aggregate", "values_list",
            "get_absolute_url", "save_base", "clean_fields", "validate_unique", "serializable_value",
            "is_valid", "save_m2m", "get_object", "get_queryset", "get_context_data", "get_form",
            "form_valid", "form_invalid", "get_serializer", "to_representation", "to_internal_value",
            "perform_create", "perform_update", "perform_destroy", "refresh", "expire", "expunge",
            "notify", "emit", "publish", "submit", "schedule", "cancel", "retry", "reset", "sync",
        }
    )
)  # fmt: skip

MODEL_BASES = ("django.db.models.Model", "django.db.models.base.Model")

#: Methods of a class-based view that do not run inside its ``dispatch()``: Django calls
#: ``as_view()``, ``__init__()`` and ``setup()`` before it, and ``dispatch()`` itself is
#: checked where its own blocks are.
OUTSIDE_DISPATCH = frozenset({"dispatch", "as_view", "setup", "__init__", "__new__", "__init_subclass__"})

#: Deepest call chain followed. Deeper chains are cut, which keeps the recursion far from
#: Python's limit; a side effect more than this many calls down is not reported.
MAX_CHAIN_DEPTH = 60

#: Writes that each commit on their own in Django's autocommit mode.
AUTOCOMMIT_WRITES = frozenset({"save", "create", "delete", "update", "bulk"})
#: Writes that send Django's ``pre_save``/``post_save`` or ``pre_delete``/``post_delete``.
SIGNALLING_WRITES = frozenset({"save", "create", "delete"})
#: Packages of ORMs whose model classes write themselves: ``User.create(...)``.
CLASS_WRITE_ORMS = frozenset({"peewee", "playhouse", "tortoise"})
#: peewee statements that a model class builds and ``execute()`` runs: ``User.insert(...)``.
CLASS_STATEMENT_WRITES = frozenset({"insert", "insert_many", "insert_from", "replace", "replace_many", "update", "delete"})

#: Keywords of Django's ``Model.save()`` and ``FieldFile.save()``; a ``save()`` with any
#: other keyword writes elsewhere, such as an image to a stream.
MODEL_SAVE_KEYWORDS = frozenset({"force_insert", "force_update", "using", "update_fields", "save"})

#: Packages whose import marks a module as SQLAlchemy code.
SQLALCHEMY_PACKAGES = frozenset({"sqlalchemy", "flask_sqlalchemy", "sqlmodel"})

#: Serializer methods Django REST framework runs from ``serializer.save()``, and ``save``
#: itself when a serializer overrides it.
SERIALIZER_HOOKS = frozenset({"create", "update", "save"})


@dataclass(frozen=True)
class Hop:
    """One step of a call chain: the call (or receiver) at ``path:line``."""

    path: str
    line: int
    column: int
    name: str
    #: For the hop into a Django model signal receiver, the receiver's qualified name.
    receiver: str = ""


@dataclass(frozen=True)
class Reach:
    """A chain to a side effect: the hops from a function's own call down to the effect."""

    effect: Effect
    hops: tuple[Hop, ...]
    functions: frozenset[str]


@dataclass(frozen=True)
class Transaction:
    """The transaction code runs in: the reason to show, and what a fix there needs."""

    reason: str  # "the atomic() block at line 12"
    line: int
    style: str  # "django", "sqlalchemy", "opsgen" or "other"
    #: Database alias: literal, ``"=expression"`` for an alias held in a variable, or
    #: ``UNKNOWN_ALIAS`` when the code under the transaction cannot name it.
    using: str | None = None
    end_line: int | None = None  # last line of the block, when it is a block
    possible: bool = False  # True when only a caller's transaction would make it so


@dataclass(frozen=True)
class Link:
    """A project function a call may run, with the hop that names how."""

    qualname: str
    entry: Hop | None = None  # a receiver reached through a signal, not a direct call
    #: Linked by method name only: the receiver's type is unknown, or the function is a
    #: subclass's override of the method called, which runs only for some receivers. Such
    #: a link carries side effects to the call, but no write that must happen.
    guessed: bool = False
    #: Run by the ``save()`` that the call makes: the model's ``save()`` override or a
    #: ``post_save`` receiver, which the save's ``created`` value applies to.
    on_save: bool = False


#: ``Transaction.using`` of a transaction whose database alias is an expression that the
#: code under it may not see, such as a decorator's ``atomic(using=alias)``.
UNKNOWN_ALIAS = "?"


def _decorator_alias(value: str | None, function: FunctionSummary) -> str | None:
    """Return the ``Transaction.using`` of an ``@atomic(...)`` decorator's recorded alias.

    ``"'other'"`` gives ``"other"``. An ``"=expression"`` stays as it is when the function
    body sees the same name, that is, for a function outside a class whose parameters do
    not shadow the expression's first name; otherwise the alias is ``UNKNOWN_ALIAS``.
    """
    if not value:
        return None
    if not value.startswith("="):
        return value.strip("'\"") or None
    root = value[1:].partition(".")[0]
    if function.class_name is not None or function.nested or root in function.params or root == function.keywords_param:
        return UNKNOWN_ALIAS
    return value


def _exclusive(first: str, second: str) -> bool:
    """Return True when two branch paths ("line:arm/...") take different arms of one ``if``,
    or different handlers (or a handler and the ``else``) of one ``try``."""
    if not first or not second:
        return False
    arms = dict(part.split(":") for part in first.split("/"))
    for part in second.split("/"):
        line, _, arm = part.partition(":")
        if arms.get(line, arm) != arm:
            return True
    return False


def _first_session_commit(function: FunctionSummary) -> int:
    """Return the line of the function's first session ``commit()``, which ends a transaction
    that the framework would otherwise commit after the function returns, or its last line."""
    commits = [call.line for call in function.calls if call.text.endswith("session.commit")]
    return min(commits, default=function.end_line)


def _driver_write_at(function: FunctionSummary, line: int) -> bool:
    """Return True when the write at ``line`` is SQL text run on a DB-API connection, or on
    one of its cursors, that keeps an implicit transaction open until ``commit()``."""
    prefixes = tuple(knowledge.IMPLICIT_TRANSACTION_CONNECTIONS)
    return any(call.line == line and (call.target or "").startswith(prefixes) for call in function.calls)


def _runs_later(function: FunctionSummary, call: CallSite) -> bool:
    """Return True when ``call`` builds a statement that a chained ``execute()`` runs."""
    prefix = f"{call.text}()."
    return any(other.line == call.line and other.text.startswith(prefix) and other.text.endswith(".execute") for other in function.calls)


def _from_models_module(klass: str) -> bool:
    """Return True for a class name imported from a ``models`` module or package:
    ``models.Invoice`` for ``from .models import Invoice``, or ``shop.models.orders.Order``."""
    module, _, name = klass.rpartition(".")
    return name[:1].isupper() and "models" in module.split(".")


@lru_cache(maxsize=8192)
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _name_keys(receiver: str) -> list[str]:
    """Return the snake-case class names a variable name may refer to: ``new_page`` -> ``new_page``, ``page``."""
    receiver = receiver.strip("_")
    parts = receiver.split("_")
    return ["_".join(parts[index:]) for index in range(len(parts))]


class Analysis:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._canonical: dict[str, str] = {}
        self._resolved: dict[str, str] = {}
        self._mro: dict[str, list[str]] = {}
        self._session_events: dict[str, list[tuple[int, str]]] = {}
        self._session_depth = 0
        #: Names of class attributes that hold an instance or name a function, in any project class.
        self.class_attributes = frozenset(
            name for _, klass in index.classes.values() for name in [*klass.attribute_classes, *klass.name_attributes]
        )
        #: Whether any project function ends with an uncommitted session write.
        self.sessions_left_open = any(
            self.ends_in_session_write(module, function) for module in index.modules.values() for function in module.functions.values()
        )
        config = index.config
        self.extra_effects = config.side_effect_kinds()
        self.deferral_wrappers = frozenset(config.deferral_wrappers)
        self.safe_task_bases = frozenset(config.safe_task_bases)
        self.openers = frozenset(config.transaction_openers)
        #: The databases whose ATOMIC_REQUESTS wraps each view in a transaction. The
        #: ``atomic-requests`` setting, when given, stands for the default database.
        if config.atomic_requests is None:
            self.atomic_request_databases = frozenset(alias for m in index.modules.values() for alias in m.atomic_requests)
        else:
            self.atomic_request_databases = frozenset({"default"} if config.atomic_requests else ())
        self.atomic_requests = bool(self.atomic_request_databases)
        specs_dir = Path(config.root) / (config.specs or "specs")
        self.operations: dict[str, OperationInfo] = load_operations(specs_dir) if config.specs else {}

        #: Dispatch tables of every module, by qualified name.
        self.tables: dict[str, list[str]] = {}
        self.receivers: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        self.events: dict[str, list[str]] = defaultdict(list)
        self.methods_by_name: dict[str, list[str]] = defaultdict(list)
        #: Functions run inside a transaction by the method given: MongoDB's with_transaction().
        self.transaction_callbacks: dict[str, str] = {}
        #: The package that opens a transaction around each Pyramid view, if the app includes one.
        self.request_transaction: str | None = None
        #: Functions that config.add_view() makes Pyramid views.
        self.pyramid_views: set[str] = set()
        #: What commits the session after each Flask view returns: the setting, or a hook.
        self.flask_request_commit: str | None = None
        #: Dotted paths listed in Django's ``MIDDLEWARE`` setting.
        self.middleware_paths: list[str] = []
        self._middleware_transaction: Transaction | None = None
        self._middleware_searched = False
        self._flask_hook_searched = False
        self._pyramid_project: bool | None = None
        for module in index.modules.values():
            self.tables.update(module.tables)
            for function in module.functions.values():
                for signal, sender in function.receives:
                    if signal:
                        self.receivers[self.signal_key(signal)].append((function.qualname, sender and self.canonical(sender)))
                for event in function.listens:
                    self.events[function.qualname].append(event)
                if function.class_name and not function.nested:
                    self.methods_by_name[function.name].append(function.qualname)
            for connection in module.connections:
                handler = self.canonical(connection.handler)
                if connection.kind == "signal":
                    sender = connection.sender and self.canonical(connection.sender)
                    self.receivers[self.signal_key(connection.source)].append((handler, sender))
                elif connection.kind == "include":
                    self.request_transaction = connection.source
                elif connection.kind == "middleware":
                    self.middleware_paths.append(connection.source)
                elif connection.kind == "request-commit":
                    self.flask_request_commit = connection.source
                elif connection.kind == "view":
                    view = self.factory(handler)
                    self.pyramid_views.add(view.qualname if view else handler)
                elif connection.kind == "transaction":
                    callback = self.factory(handler)  # a bound method: app.Checkout()._write
                    self.transaction_callbacks[callback.qualname if callback else handler] = connection.source
                else:
                    self.events[handler].append(connection.source)

        self.add_registered_handlers()
        self.add_subscribed_handlers()

        self.signals_of: dict[str, list[str]] = defaultdict(list)  # receiver -> signals it is connected to
        for signal, handlers in self.receivers.items():
            for handler, _sender in handlers:
                self.signals_of[handler].append(signal)

        self._reach: dict[str, Reach | None] = {}
        #: project decorator -> whether its wrapper hands the function to on_commit()
        self._deferring_decorators: dict[str, bool] = {}
        self._signal_reach: dict[str, Reach | None] = {}
        self._save_reach: dict[tuple[str, bool], Reach | None] = {}
        self._in_progress: set[str] = set()
        self._context: dict[str, Transaction | None] = {}
        self._callers: dict[str, list[tuple[str, bool]]] | None = None
        self._somewhere: dict[tuple[str, bool], bool] = {}
        self._reached: set[str] | None = None
        self._reached_by_path: dict[str, frozenset[str]] = {}
        self._writes: dict[str, int] = {}
        self._links: dict[int, list[Link]] = {}  # by id() of a CallSite the index keeps alive
        self._effects: dict[int, Effect | None] = {}  # by id() of a CallSite, as _links
        self._blocks: dict[int, Transaction | None] = {}  # by id() of a CallSite, as _links
        self._django_modules: dict[str, bool] = {}
        self._class_write_orm_modules: dict[str, bool] = {}
        self._classes_by_snake: dict[str, list[str]] | None = None
        self._subclasses: dict[str, list[str]] | None = None
        self._derived: dict[str, list[str]] = {}  # class -> every project subclass, direct or not
        self._overrides: dict[tuple[str, str], list[str]] = {}
        self._wrappers: dict[str, list[str]] = {}  # function -> wrappers its project decorators add
        self._dispatch: dict[str, Transaction | None] = {}
        self._guesses: dict[tuple[str, str], list[str]] = {}
        self._serializer_saves: list[tuple[str, bool]] | None = None
        self._helpers: dict[str, Helper] | None = None
        self._views_by_serializer: dict[str, list[str]] | None = None
        self.related_managers = RelatedManagers(self)
        self.project_openers = ProjectOpeners(self)

    def share_declarations(self, other: Analysis) -> None:
        """Reuse ``other``'s look-ups that read only the project's declarations.

        Both indexes must declare the same names, signatures, classes and receivers, as
        when they differ only in function bodies. Facts read from bodies stay apart.
        """
        self._canonical = other._canonical
        self._resolved = other._resolved
        self._mro = other._mro
        self._guesses = other._guesses
        self.related_managers = other.related_managers

    # -- names ------------------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """Follow re-exports: ``pkg.helper`` imported into ``pkg/__init__.py`` from ``pkg.impl``."""
        cached = self._canonical.get(name)
        if cached is not None:
            return cached
        result = name
        for _ in range(5):
            if result in self.index.functions or result in self.index.classes:
                break
            parts = result.split(".")
            rewritten = None
            for cut in range(len(parts) - 1, 0, -1):
                module = self.index.by_module.get(".".join(parts[:cut]))
                if module is not None:
                    imported = module.imports.get(parts[cut].partition("(")[0])
                    if imported:
                        suffix = parts[cut][len(parts[cut].partition("(")[0]) :]
                        rewritten = ".".join([imported + suffix, *parts[cut + 1 :]])
                    break
            if rewritten is None or rewritten == result:
                break
            result = rewritten
        self._canonical[name] = result
        return result

    def signal_key(self, name: str) -> str:
        """Return the name receivers of signal ``name`` are kept under.

        That is the canonical name, unless it resolves to an instance type: every
        ``periodic_task = GlobalSignal()`` canonicalises to ``GlobalSignal()``, and keying by
        that would make a ``send()`` of any such signal reach the receivers of all of them.
        """
        canonical = self.canonical(name)
        return name if canonical.endswith("()") else canonical

    def mro(self, class_name: str) -> list[str]:
        """Return the class and its project ancestors, nearest first, then external bases."""
        cached = self._mro.get(class_name)
        if cached is None:
            cached = self._mro[class_name] = self._compute_mro(class_name)
        return list(cached)

    def _compute_mro(self, class_name: str) -> list[str]:
        order: list[str] = []
        pending = [class_name]
        while pending and len(order) < 50:
            current = self.canonical(pending.pop(0))
            if current in order:
                continue
            order.append(current)
            entry = self.index.classes.get(current)
            if entry is not None:
                pending.extend(entry[1].bases)
        return order

    def method(self, class_name: str, name: str) -> str | None:
        for klass in self.mro(class_name):
            candidate = f"{klass}.{name}"
            if candidate in self.index.functions:
                return candidate
        return None

    def is_model(self, class_name: str | None) -> bool:
        if not class_name:
            return False
        for klass in self.mro(class_name)[1:]:
            if klass in MODEL_BASES or klass.endswith((".models.Model", "Model")) and klass not in self.index.classes:
                return True
            if klass in knowledge.USER_MODEL_BASES or klass in knowledge.DJANGO_RELATIONS:
                return True  # a custom user model, class User(AbstractUser)
        return False

    def class_matches(self, class_name: str, bases: frozenset[str], suffixes: tuple[str, ...] = ()) -> bool:
        for klass in self.mro(class_name)[1:]:
            if klass in bases or (suffixes and klass.endswith(suffixes)):
                return True
        return False

    # -- calls ------------------------------------------------------------------------------

    def resolve_target(self, target: str) -> str:
        """Return the canonical name of a callee, with calls of project factories and class
        attributes replaced by the instances they give.

        After ``def sms(): return Client(...)``, ``app.sms().messages.create`` is
        ``twilio.rest.Client().messages.create``; after ``class Hooks: http = requests.Session()``,
        ``app.Hooks().http.post`` is ``requests.Session().post``.
        """
        cached = self._resolved.get(target)
        if cached is not None:
            return cached
        resolved = self.canonical(target)
        for _ in range(4):
            replaced = self._resolve_first_factory(resolved) or self._resolve_first_attribute(resolved)
            if replaced is None:
                break
            resolved = self.canonical(replaced)
        self._resolved[target] = resolved
        return resolved

    def _resolve_first_factory(self, target: str) -> str | None:
        """Replace the first ``f()`` of ``target`` whose project function returns one instance type."""
        start = 0
        while True:
            position = target.find("()", start)
            if position < 0:
                return None
            prefix, rest = target[:position], target[position + 2 :]
            function = self.factory(prefix)
            if function is not None and len(function.returns) == 1 and function.returns[0] != prefix + "()":
                return function.returns[0] + rest
            start = position + 2

    def _resolve_first_attribute(self, target: str) -> str | None:
        """Replace the first ``Cls().attr`` or ``Cls.attr`` of ``target`` whose class declares
        ``attr = Other(...)`` with ``Other()``, or ``attr = other.name`` with ``other.name``."""
        parts = target.split(".")
        for index in range(1, len(parts)):
            if parts[index] not in self.class_attributes:
                continue
            owner = ".".join(parts[:index])
            klass = self.canonical(owner.removesuffix("()"))
            if klass not in self.index.classes:
                continue
            for ancestor in self.mro(klass):
                entry = self.index.classes.get(ancestor)
                classes = entry[1].attribute_classes.get(parts[index], []) if entry is not None else []
                if classes and index == len(parts) - 1:
                    break  # the attribute itself is called: Cls().client(), not a method of it
                if len(classes) == 1:
                    return ".".join([f"{classes[0]}()", *parts[index + 1 :]])
                if classes:
                    break
                referenced = entry[1].name_attributes.get(parts[index]) if entry is not None else None
                if referenced:
                    return ".".join([referenced, *parts[index + 1 :]])
        return None

    def factory(self, name: str) -> FunctionSummary | None:
        """Return the project function or method that a dotted callee name runs, if any."""
        entry = self.index.functions.get(name)
        if entry is None:
            owner, _, method = name.rpartition(".")
            if owner.endswith("()") and self.canonical(owner[:-2]) in self.index.classes:
                qualname = self.method(self.canonical(owner[:-2]), method)
                entry = self.index.functions.get(qualname) if qualname else None
        return entry[1] if entry is not None else None

    def effect(self, call: CallSite) -> Effect | None:
        """Return the side effect the call makes itself, or None (deferrals included)."""
        key = id(call)
        if key in self._effects:
            return self._effects[key]
        found = self._effects[key] = self._compute_effect(call)
        return found

    def _compute_effect(self, call: CallSite) -> Effect | None:
        if call.assigned:
            return None  # an attribute store runs only project code, a property setter
        target = self.resolve_target(call.target) if call.target else None
        if target and (target in knowledge.DEFERRALS or target in self.deferral_wrappers):
            return None
        attribute = call.text.rpartition(".")[2]
        found = knowledge.classify_side_effect(target, call.text, self.extra_effects)
        if found is not None and attribute in knowledge.NAME_MATCHED_METHODS and target and self.factory(target) is not None:
            # A project class's own enqueue_job() or send(): its body decides, through the call chain.
            return None
        if found is None and knowledge.remote_open_write(target, call.string_args):
            return Effect("remote storage write", target or call.text)
        if found is None and target in self.index.functions:
            decorators = self.index.functions[target][1].decorators
            if any(knowledge.enqueues_on_call(self.canonical(d.removesuffix("()"))) for d in decorators):
                return Effect("task enqueue", target)
            return None
        receiver = target.rpartition(".")[0] if target else None
        if found is None and attribute == "send" and receiver in self.index.functions:
            decorators = self.index.functions[receiver][1].decorators
            if any(self.canonical(d) in knowledge.DRAMATIQ_ACTORS for d in decorators):
                return Effect("task enqueue", target or call.text)
        if found is None and attribute in knowledge.HUEY_TASK_ENQUEUES and receiver in self.index.functions:
            decorators = self.index.functions[receiver][1].decorators
            if any(knowledge.enqueues_on_call(self.canonical(d.removesuffix("()"))) for d in decorators):
                return Effect("task enqueue", target or call.text)
        if found is not None and found.kind == "task enqueue" and receiver and self.is_safe_task(receiver):
            return None
        if found is None and target and self.is_search_document_write(target):
            return Effect("search index write", target)
        if found is None and target and self.is_file_storage_write(target):
            return Effect("file storage write", target)
        folder = configured_file_effect(target) if found is None and target and "@" in target else None
        if folder is not None:
            return Effect("write to a configured folder", folder)
        return found

    def is_file_storage_write(self, target: str) -> bool:
        """Return True for ``save()`` or ``delete()`` on an instance of a project class
        derived from a Django file storage: ``PrivateMediaStorage().save(name, content)``."""
        receiver, _, method = target.rpartition(".")
        if method not in knowledge.FILE_STORAGE_WRITES or not receiver.endswith("()"):
            return False
        klass = self.canonical(receiver.removesuffix("()"))
        if klass not in self.index.classes:
            return False
        return any(knowledge.file_storage_write(f"{base}().{method}") for base in self.mro(klass)[1:])

    def is_search_document_write(self, target: str) -> bool:
        """Return True for a method that writes to a search index, called on an instance of
        a search library's class or of a project class derived from one.

        Examples are ``save()`` of elasticsearch-dsl's ``Document``, ``update_object()`` of
        django-haystack's ``SearchIndex`` and ``handle_save()`` of its signal processors.
        """
        receiver, _, method = target.rpartition(".")
        if method not in knowledge.SEARCH_CLASS_WRITE_METHODS or not receiver.endswith("()"):
            return False
        return any(method in knowledge.SEARCH_CLASS_WRITES.get(base, ()) for base in self.mro(receiver.removesuffix("()")))

    def is_safe_task(self, task: str) -> bool:
        """Return True when ``task``'s base class is commit-aware: configured, or deferring in the project."""
        safe = self.safe_task_bases | {name.rpartition(".")[2] for name in self.safe_task_bases}
        entry = self.index.functions.get(task)
        if entry is not None:
            base = entry[1].decorator_keywords.get("base")
            if base is None:
                return False
            canonical = self.canonical(base)
            return canonical in safe or base.rpartition(".")[2] in safe or self.defers_to_commit(canonical)
        if task.endswith("()"):
            task = task[:-2]
        ancestors = self.mro(task)[1:]
        return any(k in safe or k.rpartition(".")[2] in safe or self.defers_to_commit(k) for k in ancestors)

    def defers_to_commit(self, task_base: str) -> bool:
        """Return True when the project class overrides ``apply_async`` or ``delay`` to call ``on_commit``.

        pretix's ``TransactionAwareTask`` is this shape: its ``apply_async`` wraps the real
        one in ``transaction.on_commit(...)``, so enqueueing inside ``atomic()`` is safe.
        """
        for name in ("apply_async", "delay"):
            method = self.method(task_base, name)
            entry = self.index.functions.get(method) if method else None
            if entry is None:
                continue
            for call in entry[1].calls:
                if call.target and self.canonical(call.target) in knowledge.DEFERRALS | self.deferral_wrappers:
                    return True
        return False

    def links(self, function: FunctionSummary, call: CallSite) -> list[Link]:
        """Return the project functions the call may run."""
        key = id(call)
        cached = self._links.get(key)
        if cached is None:
            cached = self._links[key] = self._compute_links(function, call)
        return cached

    def _compute_links(self, function: FunctionSummary, call: CallSite) -> list[Link]:
        if call.assigned:
            setter = self.property_setter(call)
            return [Link(setter)] if setter is not None else []
        found: list[Link] = []
        target = self.resolve_target(call.target) if call.target else None
        attribute = call.text.rpartition(".")[2]
        if target and (target in self.deferral_wrappers or target in knowledge.DEFERRALS):
            return found

        if target and "*" in target:
            found.extend(self.pattern_links(target))
        elif target and target.endswith("[]"):
            found.extend(self.table_links(target[:-2]))
        elif target:
            if target in self.index.functions:
                found.append(Link(target))
            else:
                owner, _, name = target.rpartition(".")
                owner_class = owner[:-2] if owner.endswith("()") else owner
                owner_class = self.canonical(owner_class)
                if owner_class in self.index.classes:
                    method = self.method(owner_class, name)
                    if method:
                        found.append(Link(method))
                    on_self = call.text.count(".") == 1 and call.text.startswith(("self.", "cls."))
                    if on_self or (method is not None and self.is_stub(method)):
                        found.extend(
                            Link(override, guessed=True) for override in self.overrides(owner_class, name) if override != method
                        )
                elif target.endswith("()") and self.canonical(target[:-2]) in self.index.classes:
                    init = self.method(self.canonical(target[:-2]), "__init__")
                    if init:
                        found.append(Link(init))
                else:
                    found.extend(Link(method) for method in self.attribute_methods(owner, name))
                    found.extend(Link(method) for method in self.queryset_chain_methods(owner, name))
                    if not found and self.through_project_object(owner):
                        found.extend(Link(q, guessed=True) for q in self.distinctive_methods(name))
        elif "." in call.text and not call.text.startswith(("super()", "?")):
            found.extend(Link(q, guessed=True) for q in self.guess_methods(call.text, attribute))

        if target and function.transactions:
            found.extend(Link(method) for method in self.context_manager_methods(function, call, target))
        if found:
            found.extend([Link(wrapper) for link in found if not link.guessed for wrapper in self.decorator_wrappers(link.qualname)])
        if call.write == "save" and found:
            # The model's save() override that the call resolves to runs for this save.
            found = [replace(link, on_save=True) if link.qualname.endswith(".save") and not link.guessed else link for link in found]
        if call.write in ("save", "create", "delete"):
            found.extend(self.write_links(function, call))
        if attribute == "save" and "." in call.text:
            found.extend(Link(hook) for hook in self.serializer_hooks(function, call, target))
            found.extend(Link(hook) for hook in self.form_hooks(function, call))
        if attribute in knowledge.RELATED_MANAGER_WRITES and call.text.count(".") >= 2:
            found.extend(self.m2m_links(call))
        if target and call.target and attribute in ("send", "send_robust"):
            signal = self.signal_key(call.target.rpartition(".")[0])
            for handler, _sender in self.receivers.get(signal, ()):
                found.append(self.receiver_link(handler, signal))
        return found

    def property_setter(self, call: CallSite) -> str | None:
        """Return the property setter that an attribute store (``ticket.state = value``)
        runs, or None when the receiver's class defines no setter of that name."""
        owner, _, name = (call.target or "").rpartition(".")
        klass = self.canonical(owner.removesuffix("()"))
        if klass not in self.index.classes:
            return None
        method = self.method(klass, name)
        if method is None:
            return None
        decorators = self.index.functions[method][1].decorators
        return method if any(decorator.endswith(f"{name}.setter") for decorator in decorators) else None

    def decorator_wrappers(self, qualname: str) -> list[str]:
        """Return the wrappers that the project decorators of a function put around it.

        A call of a function under ``@announce("#releases")`` runs the nested wrapper of
        ``announce`` that calls the function it was given, and the wrapper's own calls run
        there too, before or after the function's body.
        """
        cached = self._wrappers.get(qualname)
        if cached is not None:
            return cached
        found: list[str] = []
        entry = self.index.functions.get(qualname)
        for decorator in entry[1].decorators if entry is not None else ():
            function = self.factory(self.resolve_target(decorator.removesuffix("()")))
            if function is not None and not function.nested:
                wrappers = (wrapper.qualname for wrapper, _ in self.project_openers.wrapped_calls(function))
                found.extend(w for w in dict.fromkeys(wrappers) if not self.project_openers.returns_given_function(w))
        self._wrappers[qualname] = found
        return found

    def context_manager_methods(self, function: FunctionSummary, call: CallSite, target: str) -> list[str]:
        """Return the ``__enter__`` and ``__exit__`` methods (or their async forms) that a
        ``with`` statement runs when ``call`` builds its context manager.

        ``with AuditScope(...):`` builds a project class's instance, and ``with
        self.audit(...):`` gets one from a project function that returns it. Both methods
        run where the ``with`` statement sits: ``__exit__`` at the end of its block, which
        is still inside any transaction around the whole statement.
        """
        if not any(block.line == call.line and block.kind == "with" and block.name == call.target for block in function.transactions):
            return []
        klass = self.canonical(target)
        if klass not in self.index.classes:
            built = self.factory(target)
            if built is None or len(built.returns) != 1:
                return []
            klass = self.canonical(built.returns[0].removesuffix("()"))
        methods = (self.method(klass, name) for name in ("__enter__", "__exit__", "__aenter__", "__aexit__"))
        return [method for method in methods if method is not None]

    def add_registered_handlers(self) -> None:
        """Add each function that a registering decorator stores in a container to that
        container's dispatch table.

        After ``@register("paid")``, whose decorator runs ``HANDLERS[kind] = handler`` and
        returns ``handler``, a call of ``HANDLERS[...]`` may run the decorated function. A
        decorator called with arguments registers through the functions nested in it, the
        decorator it returns; a bare one (``@register``) registers itself.

        NOTE: a container kept on ``self`` is keyed by its class, so two instances of one
        registry class share their handlers here.
        """
        registrars = {f.qualname: f for _, f in self.index.functions.values() if f.registers}
        if not registrars:
            return
        for _, function in self.index.functions.values():
            for decorator in function.decorators:
                for registrar in self.registrars_of(decorator, registrars):
                    for container in registrar.registers:
                        key = self.canonical(container)
                        if "()" in key:
                            key = container  # HANDLERS = defaultdict(list): keep the name, not its type
                        if function.qualname not in self.tables.get(key, ()):
                            self.tables[key] = [*self.tables.get(key, ()), function.qualname]

    def add_subscribed_handlers(self) -> None:
        """Add each function handed to a subscribing call to the container it is stored in.

        ``book.subscribe(drop_cache)``, whose method runs ``self._listeners.append(listener)``,
        makes ``drop_cache`` a value of ``PriceBook._listeners``, so ``for listener in
        self._listeners: listener(...)`` may run it. The argument is matched to the parameter
        by position, after ``self`` or ``cls`` for a method, or by keyword.

        NOTE: as for registering decorators, a container kept on ``self`` is keyed by its
        class, so every instance of the class shares the handlers subscribed to any of them.
        """
        storing: dict[str, FunctionSummary] = {f.qualname: f for _, f in self.index.functions.values() if f.stores}
        if not storing:
            return
        for module in self.index.modules.values():
            for function in module.functions.values():
                for call in function.calls:
                    if not call.handed or call.target is None:
                        continue
                    callee = self.factory(self.resolve_target(call.target))
                    if callee is None or callee.qualname not in storing:
                        continue
                    self.subscribe_handed(callee, call)

    def subscribe_handed(self, callee: FunctionSummary, call: CallSite) -> None:
        """Add the project functions that ``call`` hands to ``callee`` to the containers in
        which ``callee`` stores the parameters they are bound to."""
        containers = dict(entry.split("=", 1) for entry in callee.stores)
        skip = 1 if callee.class_name and callee.params[:1] in (["self"], ["cls"]) else 0
        for entry in call.handed:
            key, _, name = entry.partition("=")
            position = skip + int(key) if key.isdigit() else -1
            param = callee.params[position] if 0 <= position < len(callee.params) else key
            handler = self.factory(self.resolve_target(name))
            if param not in containers or handler is None:
                continue
            container = self.canonical(containers[param])
            if "()" in container:
                container = containers[param]
            if handler.qualname not in self.tables.get(container, ()):
                self.tables[container] = [*self.tables.get(container, ()), handler.qualname]

    def registrars_of(self, decorator: str, registrars: Mapping[str, FunctionSummary]) -> list[FunctionSummary]:
        """Return the registering functions that the decorator hands the decorated function
        to. ``decorator`` is a qualified name, as ``FunctionSummary.decorators`` stores it."""
        called = decorator.endswith("()")
        function = self.factory(self.resolve_target(decorator.removesuffix("()")))
        if function is None:
            return []
        if not called:
            return [function] if function.qualname in registrars else []
        prefix = f"{function.qualname}.<locals>."
        return [r for name, r in registrars.items() if name.startswith(prefix) and "." not in name[len(prefix) :]]

    def table_links(self, table: str) -> list[Link]:
        """Return the functions, or the ``__init__`` of the classes, in a dispatch table:
        any of them may run where an item of the table is called. A table that is a
        class attribute (``self.HANDLERS``) may sit on a base class."""
        values = self.tables.get(self.canonical(table))
        if values is None:
            values = self.tables.get(table)  # a container of a registering decorator
        owner, _, attribute = table.rpartition(".")
        klass = self.canonical(owner.removesuffix("()"))
        if values is None and klass in self.index.classes:
            values = next((self.tables[key] for key in (f"{a}.{attribute}" for a in self.mro(klass)) if key in self.tables), None)
        found: list[Link] = []
        for value in values or ():
            name = self.canonical(value)
            if name in self.index.functions:
                found.append(Link(name))
            elif name in self.index.classes:
                init = self.method(name, "__init__")
                if init:
                    found.append(Link(init))
        return found

    def pattern_links(self, target: str) -> list[Link]:
        """Return the methods of a class, or the functions of a module, whose names fit the
        pattern that a ``getattr()`` call builds: ``pkg.mod.Processor().handle_*`` may run
        any ``handle_...`` method of ``Processor``, its ancestors and its subclasses."""
        owner, _, pattern = target.rpartition(".")
        klass = self.canonical(owner.removesuffix("()"))
        found: list[Link] = []
        if klass in self.index.classes:
            names: set[str] = set()
            for candidate in [*self.mro(klass), *self.subclasses(klass)]:
                entry = self.index.classes.get(candidate)
                if entry is not None:
                    names.update(name for name in entry[1].methods if matches(pattern, name) and not name.startswith("__"))
            for name in sorted(names):
                method = self.method(klass, name)
                methods = [method] if method else []
                methods += [override for override in self.overrides(klass, name) if override != method]
                found.extend(Link(qualname, guessed=True) for qualname in methods)
            return found
        module = self.index.by_module.get(self.canonical(owner))
        if module is None:
            return found
        for function in module.functions.values():
            if function.class_name is None and function.qualname == f"{module.module}.{function.name}" and matches(pattern, function.name):
                found.append(Link(function.qualname, guessed=True))
        return found

    def subclasses(self, class_name: str) -> list[str]:
        """Return the project classes derived from ``class_name``, directly or not."""
        if self._subclasses is None:
            direct: dict[str, list[str]] = defaultdict(list)
            for qualname, (_, klass) in self.index.classes.items():
                for base in klass.bases:
                    direct[self.canonical(base)].append(qualname)
            self._subclasses = direct
        cached = self._derived.get(class_name)
        if cached is not None:
            return cached
        found: dict[str, None] = {}  # ordered, with set look-ups: hierarchies run to hundreds
        pending = list(self._subclasses.get(class_name, ()))
        while pending and len(found) < 500:
            current = pending.pop()
            if current not in found:
                found[current] = None
                pending.extend(self._subclasses.get(current, ()))
        cached = self._derived[class_name] = list(found)
        return cached

    def overrides(self, class_name: str, name: str) -> list[str]:
        """Return the methods ``name`` that instances of the project subclasses of
        ``class_name`` run: a call on ``self`` in a base class runs the subclass's override."""
        key = (class_name, name)
        cached = self._overrides.get(key)
        if cached is None:
            cached = []
            for subclass in self.subclasses(class_name):
                method = self.method(subclass, name)
                if method is not None and method not in cached:
                    cached.append(method)
            self._overrides[key] = cached
        return cached

    def is_stub(self, qualname: str) -> bool:
        """Return True for a method that calls nothing but ``NotImplementedError``: a hook
        that subclasses override, so a call of it runs one of the overrides."""
        entry = self.index.functions.get(qualname)
        return entry is not None and all(call.text == "NotImplementedError" for call in entry[1].calls)

    def attribute_methods(self, owner: str, name: str) -> list[str]:
        """Return the project methods ``name`` of a class attribute's value.

        ``Invoice.objects.issue`` runs ``InvoiceManager.issue`` when the model declares
        ``objects = InvoiceManager()``; the attribute may sit on a base class.
        """
        klass, _, attribute = owner.rpartition(".")
        if not klass or not attribute:
            return []
        klass = self.canonical(klass.removesuffix("()"))
        if klass not in self.index.classes:
            return []
        found = []
        for value_class in self.attribute_classes(klass, attribute):
            method = self.method(self.canonical(value_class), name)
            if method:
                found.append(method)
        return found

    def queryset_chain_methods(self, owner: str, name: str) -> list[str]:
        """Return the project queryset methods ``name`` that a chain of queryset steps reaches.

        ``Shipment.objects.filter(ready=True).mark_dispatched()`` runs
        ``ShipmentQuerySet.mark_dispatched`` when the model declares
        ``objects = ShipmentQuerySet.as_manager()``. Each step must be a Django queryset
        method that returns a queryset, or a method of the queryset class itself
        (``Shipment.objects.ready().mark_dispatched()``). Only classes that derive from a
        ``QuerySet`` keep their methods across a step: a plain manager's ``filter()``
        returns Django's own queryset.
        """
        parts = owner.split(".")
        steps: list[str] = []
        while len(parts) > 1 and parts[-1].endswith("()") and not self._names_class(parts):
            steps.append(parts.pop()[:-2])
        if not steps:
            return []
        if self._names_class(parts):
            candidates = [".".join(parts)[:-2]]  # resolved through the manager: ShipmentQuerySet().filter()
        else:
            klass = self.canonical(".".join(parts[:-1]).removesuffix("()"))
            candidates = self.attribute_classes(klass, parts[-1]) if klass in self.index.classes else []
        found = []
        for candidate in candidates:
            queryset = self.canonical(candidate)
            if not any(base.endswith("QuerySet") for base in self.mro(queryset)):
                continue
            if all(step in knowledge.QUERYSET_STEPS or self.method(queryset, step) for step in steps):
                method = self.method(queryset, name)
                if method:
                    found.append(method)
        return found

    def _names_class(self, parts: list[str]) -> bool:
        """Return True when the dotted parts end in an instance of a project class: ``pkg.Cls()``."""
        return parts[-1].endswith("()") and self.canonical(".".join(parts)[:-2]) in self.index.classes

    def attribute_classes(self, klass: str, attribute: str) -> list[str]:
        """Return the classes of the instance a class attribute holds, from the nearest class that sets it."""
        for ancestor in self.mro(klass):
            entry = self.index.classes.get(ancestor)
            if entry is not None and attribute in entry[1].attribute_classes:
                return list(entry[1].attribute_classes[attribute])
        return []

    def guess_methods(self, text: str, attribute: str) -> list[str]:
        """Link ``thing.method()`` with an unknown receiver to project methods of that name."""
        candidates = self.methods_by_name.get(attribute, [])
        if not candidates:
            return []
        receiver = text.rpartition(".")[0].rpartition(".")[2].lower()
        key = (receiver, attribute)
        if key not in self._guesses:
            self._guesses[key] = self._guess_methods(receiver, attribute, candidates)
        return self._guesses[key]

    def _guess_methods(self, receiver: str, attribute: str, candidates: list[str]) -> list[str]:
        named = set(self.classes_named(receiver))
        matching = [c for c in candidates if c.rpartition(".")[0] in named]
        if matching:
            return matching
        if attribute in GENERIC_METHODS or attribute.startswith("__") or len(candidates) > 3:
            return []
        return list(candidates)

    def through_project_object(self, owner: str) -> bool:
        """Return True when ``owner`` is a value reached from a project class whose type is
        unknown: ``app.views.IncidentView().object`` or ``app.views.IncidentView().get_object()``."""
        parts = owner.split(".")
        for index in range(1, len(parts)):
            if self.canonical(".".join(parts[:index]).removesuffix("()")) in self.index.classes:
                return True
        return False

    def distinctive_methods(self, name: str) -> list[str]:
        """Return the project methods an untyped receiver's ``name()`` runs, when the name
        settles it. No library API may use the name. One project class defines it, or
        several do and each reaches a side effect, so that any of them would be reported."""
        candidates = self.methods_by_name.get(name, [])
        if not candidates or name.startswith("_") or name in LIBRARY_METHOD_NAMES:
            return []
        if len(candidates) == 1 or all(self.reach(candidate) is not None for candidate in candidates):
            return list(candidates)
        return []

    def classes_named(self, receiver: str) -> list[str]:
        """Return the project classes a variable name such as ``new_page`` names."""
        if self._classes_by_snake is None:
            by_snake: dict[str, list[str]] = defaultdict(list)
            for qualname in self.index.classes:
                snake = _snake(qualname.rpartition(".")[2])
                by_snake[snake].append(qualname)
                if "_" in snake:
                    by_snake[snake.replace("_", "")].append(qualname)
            self._classes_by_snake = by_snake
        found: list[str] = []
        for key in _name_keys(receiver):
            found.extend(self._classes_by_snake.get(key, ()))
        return found

    def receiver_names_class(self, receiver: str, class_name: str) -> bool:
        """Return True when a variable name such as ``new_page`` names class ``Page``."""
        snake = _snake(class_name.rpartition(".")[2])
        if not receiver or not snake:
            return False
        receiver = receiver.strip("_")
        return receiver == snake or receiver.endswith("_" + snake) or receiver == snake.replace("_", "")

    def write_links(self, function: FunctionSummary, call: CallSite) -> list[Link]:
        """Return ``save()``/``delete()`` overrides and signal receivers a model write runs."""
        found: list[Link] = []
        models: list[str] = []
        if call.model:
            models = [self.canonical(call.model)]
        elif "." in call.text:
            receiver = call.text.rpartition(".")[0].rpartition(".")[2].lower()
            models = [q for q in self.classes_named(receiver) if self.is_model(q)]
            if not models:
                models = self.declared_model(function, call.text.rpartition(".")[0])
        is_super = call.text.startswith("super()")

        saves = call.write != "delete"
        if not is_super and not call.target:
            method_name = "save" if saves else "delete"
            for model in models:
                method = self.method(model, method_name)
                if method and method != function.qualname:
                    found.append(Link(method, on_save=saves))
        elif call.write == "create" and call.model:
            method = self.method(self.canonical(call.model), "save")
            if method:
                found.append(Link(method, on_save=True))

        signals = knowledge.SAVE_SIGNALS if saves else knowledge.DELETE_SIGNALS
        if call.write == "create" and not call.model and not models:
            return found
        for signal in signals:
            for handler, sender in self.receivers.get(signal, ()):
                if sender is None or sender in models or self.write_names_sender(call, sender, models):
                    found.append(self.receiver_link(handler, signal, on_save=signal == knowledge.POST_SAVE))
        return found

    def m2m_links(self, call: CallSite) -> list[Link]:
        """Return the ``m2m_changed`` receivers that ``team.members.add(user)`` runs.

        A receiver connected with ``sender=Team.members.through`` runs when the field's
        manager is changed on a row of its model, whose class is known by type or named by
        the variable. One connected without a sender runs for every related-manager write.

        NOTE: a write through the reverse accessor (``user.teams.add(team)``) sends the
        signal with the same sender, and is linked only to receivers without one.
        """
        owner, _, field = call.text.rpartition(".")[0].rpartition(".")
        if not owner or not field.isidentifier():
            return []
        found: list[Link] = []
        models: list[str] | None = None
        for signal in knowledge.M2M_SIGNALS:
            for handler, sender in self.receivers.get(signal, ()):
                if sender is None:
                    if self.related_managers.is_write(call):
                        found.append(self.receiver_link(handler, signal))
                    continue
                model, _, through = sender.rpartition(f".{field}.")
                if through != "through" or not model:
                    continue
                if models is None:
                    models = self.related_managers.owner_models(call, owner)
                named = self.receiver_names_class(owner.rpartition(".")[2].lower(), model)
                if named or any(candidate.rpartition(".")[2] == model.rpartition(".")[2] for candidate in models):
                    found.append(self.receiver_link(handler, signal))
        return found

    def declared_model(self, function: FunctionSummary, receiver: str) -> list[str]:
        """Return the model that a framework class declares for the instance it hands to its
        methods, when ``receiver`` is that instance. A serializer or model form declares
        ``Meta.model`` for ``instance`` and ``self.instance``. A generic view or an inline
        admin declares ``model`` for ``self.object`` and ``obj``. A ``ModelAdmin`` names its
        model in ``@admin.register(Model)``, which the summary does not keep."""
        if receiver not in self.DECLARED_INSTANCES or not function.class_name:
            return []
        for klass in self.mro(self.canonical(function.class_name)):
            for owner in (f"{klass}.Meta", klass):
                entry = self.index.classes.get(owner)
                model = entry[1].name_attributes.get("model") if entry is not None else None
                if model:
                    return [self.canonical(model)]
        return []

    #: How the methods of serializers, model forms, generic views and inline admins name
    #: the instance of the model their class declares.
    DECLARED_INSTANCES = frozenset({"instance", "self.instance", "self.object", "obj"})

    def write_names_sender(self, call: CallSite, sender: str, models: list[str]) -> bool:
        """Return True when the written model is the receiver's sender, by type or by name."""
        short = sender.rpartition(".")[2]
        if any(model.rpartition(".")[2] == short for model in models):
            return True
        if models or call.model or "." not in call.text:
            return False
        receiver = call.text.rpartition(".")[0].rpartition(".")[2].lower()
        return self.receiver_names_class(receiver, sender)

    def receiver_link(self, handler: str, signal: str, on_save: bool = False) -> Link:
        entry = self.index.functions.get(handler)
        if entry is None:
            return Link(handler, on_save=on_save)
        module, function = entry
        name = f"{signal.rpartition('.')[2]} receiver {handler}"
        receiver = handler if signal in knowledge.MODEL_SIGNALS else ""
        return Link(handler, Hop(module.path, function.line, function.column, name, receiver), on_save=on_save)

    def write_inserts(self, call: CallSite) -> bool | None:
        """Return whether a model write inserts its row (``CallSite.inserts``), or None when
        unknown. An instance built by calling a class counts as new only for a class that
        is a model, because a model form built with ``instance=row`` updates that row."""
        if call.inserts is True and call.write == "save":
            model = self.canonical(call.model) if call.model else None
            if model is None or not (self.is_model(model) or _from_models_module(model)):
                return None
        return call.inserts

    # -- transactions -------------------------------------------------------------------------

    def transaction_at(self, function: FunctionSummary, call: CallSite) -> Transaction | None:
        """Return the transaction the call runs in, from this function alone, or None."""
        key = id(call)
        if key in self._blocks:
            found = self._blocks[key]
        else:
            found = self._blocks[key] = self.block_transaction(function, call)
        if found is not None:
            return found
        if self.sessions_left_open:
            opened = self.session_opened_before(function, call)
            if opened is not None:
                helper, helper_line = opened
                reason = f"the session transaction that {helper}() at line {helper_line} began with a write, not yet committed"
                return Transaction(reason, helper_line, "sqlalchemy")
        return self.context(function)

    def block_transaction(self, function: FunctionSummary, call: CallSite) -> Transaction | None:
        """Return the transaction the call runs in from the function's own blocks and
        session writes, or from the operation whose ``run()`` it is, or None.

        Unlike :meth:`transaction_at`, this leaves out the helpers called before that left
        a session write open, and the transaction of the whole function.
        """
        block = self.open_block(function, call.transaction)
        operation = self.operation_context(function)
        if operation is not None and (block is None or block.kind == "savepoint"):
            # The runtime begins the operation's transaction before run() starts, so neither
            # a session write nor a savepoint inside run() begins the transaction that matters.
            return operation
        if block is not None:
            if block.kind == "atomic":
                reason = f"the atomic() block at line {block.line}"
                style = "django"
            elif block.kind in ("session", "savepoint"):
                reason = f"the session transaction block at line {block.line}"
                style = "sqlalchemy"
            else:
                name = self.canonical(block.name or "")
                inner = self.project_openers.opened_block(name)
                if inner is not None:
                    where = f"{'loop' if block.loop else 'block'} at line {block.line}"
                    return self.opener_transaction(name, inner, where, block.line, block.end_line)
                shown = name.rpartition(".")[2] if knowledge.is_library_transaction(name) and name not in self.openers else block.name
                reason = f"the {shown}() block at line {block.line}"
                style = "other"
                if name in knowledge.TRANSACTION_MANAGER_OBJECTS:
                    reason = f"the {name} block at line {block.line}"
                    style = "zope"
                elif knowledge.is_transaction_connection(name):
                    reason = f"the connection's with block at line {block.line}, which commits when it ends"
                    style = "driver"
            return Transaction(reason, block.line, style, block.using, block.end_line)
        if call.session_write and self.in_zope_context(function):
            return None  # zope.sqlalchemy joins the session to the view's request transaction
        if call.session_write and not self.committed_by_opener(function, call):
            session, _, line = call.session_write.rpartition(":")
            reason = f"the {session} transaction begun by the write at line {line}, not yet committed"
            return Transaction(reason, int(line), "driver" if _driver_write_at(function, int(line)) else "sqlalchemy")
        return None

    def committed_by_opener(self, function: FunctionSummary, call: CallSite) -> bool:
        """Return True when the session write that ``call`` follows sat in a closed ``with``
        block of a context manager that opens a transaction around its caller's code, or
        that commits or closes the session itself. The helper of ``async with
        unit_of_work() as session:`` that yields inside ``session.begin()`` commits the
        write when the block ends.

        NOTE: the summary keeps the first uncommitted write of a session only, so a second
        write after such a block, still uncommitted, is not seen either.
        """
        line = int(call.session_write.rpartition(":")[2]) if call.session_write else 0
        for block in function.transactions:
            if block.kind != "with" or not block.name or not block.line <= line <= block.end_line:
                continue
            if block.end_line < call.line and (self.opens_transaction(block.name) or self.ends_session(block.name)):
                return True
        return False

    def ends_session(self, name: str) -> bool:
        """Return True for a project context manager that commits or closes a session
        itself, as ``session_scope()`` does after its ``yield`` and a unit-of-work class
        does in its ``__exit__``: the writes made in its caller's block are committed, or
        rolled back, when that block ends."""
        canonical = self.canonical(name)
        if self.project_openers.ends_transaction_on_exit(canonical):
            return True
        entry = self.index.functions.get(canonical)
        if entry is None:
            return False
        function = entry[1]
        decorators = {self.canonical(d.removesuffix("()")) for d in function.decorators}
        if not decorators & CONTEXT_MANAGER_DECORATORS or not function.yields:
            return False
        return any(call.text.rpartition(".")[2] in ("commit", "close") and "." in call.text for call in function.calls)

    def session_opened_before(self, function: FunctionSummary, call: CallSite) -> tuple[str, int] | None:
        """Return the helper call, and its line, that left a session write uncommitted before ``call``.

        ``user = create_user(email)`` whose body ends after ``db.session.add(user)`` leaves the
        session's transaction open in the caller until the caller commits.
        """
        opened: tuple[str, int] | None = None
        for line, helper in self.session_events(function):
            if line >= call.line:
                break
            opened = (helper, line) if helper else None
        return opened

    def session_events(self, function: FunctionSummary) -> list[tuple[int, str]]:
        """Return, in line order, the calls that leave a session write open (with the callee's
        name) and the session commits, rollbacks and closes (with an empty name)."""
        if not self.sessions_left_open:
            return []  # no helper leaves a session write open, so no call can carry one
        cached = self._session_events.get(function.qualname)
        if cached is not None:
            return cached
        if self._session_depth >= MAX_CHAIN_DEPTH:
            return []  # too deep to follow, like a side effect more than MAX_CHAIN_DEPTH calls down

        self._session_events[function.qualname] = []  # a recursive call gets no events
        self._session_depth += 1
        events: list[tuple[int, str]] = []
        for call in function.calls:
            receiver, _, attribute = call.text.rpartition(".")
            owner = receiver.rpartition(".")[2]
            if knowledge.is_http_session(receiver):
                continue
            if attribute in knowledge.SESSION_ENDS and (owner in knowledge.SESSION_NAMES or owner.lower().endswith("session")):
                events.append((call.line, ""))
                continue
            if call.session_write or self.open_block(function, call.transaction) is not None:
                continue  # already inside a transaction that this function shows
            for link in self.links(function, call):
                if link.guessed or link.entry is not None or link.qualname == function.qualname:
                    continue
                if self.leaves_session_open(link.qualname):
                    events.append((call.line, call.text))
                    break

        self._session_depth -= 1
        events.sort(key=lambda event: event[0])
        self._session_events[function.qualname] = events
        return events

    @staticmethod
    def ends_in_session_write(module: ModuleSummary, function: FunctionSummary) -> bool:
        """Return True when the function's own body ends with an uncommitted SQLAlchemy write.

        The session is recognised by name alone, so this asks for more before the write
        counts in callers: Flask-SQLAlchemy's ``db.session``, or a module that imports
        SQLAlchemy. In a Django module a ``session`` is usually the HTTP session or a model.
        """
        if not function.open_session:
            return False
        session = function.open_session.rpartition(":")[0]
        if session == "db.session" or session.endswith(".db.session"):
            return True
        return any(name.partition(".")[0] in SQLALCHEMY_PACKAGES for name in module.imports.values())

    def writes_in_own_transaction(self, function: FunctionSummary) -> bool:
        """Return True when the function writes, and only inside a transaction it opens itself.

        That is an ``@atomic`` decorator (or another opener used as one), or ``with`` blocks
        at its top level around every write. Called where no transaction is open, each call
        commits on its own.
        """
        writes = [call for call in function.calls if call.write is not None]
        if not writes:
            return False
        for decorator in function.decorators:
            name = self.canonical(decorator.removesuffix("()"))
            if name in knowledge.ATOMIC_OPENERS or name in self.openers or knowledge.is_library_transaction(name):
                return True
            if self.project_openers.opened_block(name) is not None:
                return True
        if self.context(function) is not None:
            return False  # a request or admin transaction around the body, not one of its own
        return all(self.open_block(function, call.transaction) is not None for call in writes)

    def leaves_session_open(self, qualname: str) -> bool:
        """Return True when the function ends with a session write that nothing committed,
        made in its own body or by a helper it calls."""
        entry = self.index.functions.get(qualname)
        if entry is None:
            return False
        module, function = entry
        if self.ends_in_session_write(module, function):
            return True
        events = self.session_events(function)
        return bool(events) and bool(events[-1][1])

    def open_block(self, function: FunctionSummary, index: int) -> TransactionBlock | None:
        """Return the innermost block from ``index`` outwards that opens a transaction."""
        while index >= 0:
            block = function.transactions[index]
            if block.loop:
                # Only a project generator opens a transaction around the body of a loop over it.
                if block.name and self.project_openers.opened_block(self.canonical(block.name)) is not None:
                    return block
            elif block.kind != "with" or (block.name and self.opens_transaction(block.name)):
                return block
            index = block.parent
        return None

    def opens_transaction(self, name: str) -> bool:
        """Return True when the context manager ``name`` opens a transaction: a configured
        opener, or a project one that wraps a transaction block."""
        canonical = self.canonical(name)
        if canonical in self.openers or knowledge.is_library_transaction(canonical):
            return True
        return self.project_openers.opened_block(canonical) is not None

    def opener_transaction(self, name: str, inner: TransactionBlock, where: str, line: int, end: int) -> Transaction:
        """Return the transaction that the project opener ``name`` runs its caller's code in.

        ``where`` places the caller's code: ``"block at line 12"`` for a ``with`` block,
        ``"loop at line 12"`` for a ``for`` loop over a generator, ``"around place() (line
        30)"`` for a decorated function.
        """
        short = name.rpartition(".")[2]
        # An instance, as in ``with self.uow:``, is named by its class: "pkg.UnitOfWork()".
        opener = f"with block on a {short[:-2]}" if short.endswith("()") else f"{short}() block"
        using = inner.using
        if inner.kind == "atomic":
            kind, style = "atomic() block", "django"
        elif inner.kind in ("session", "savepoint"):
            kind, style = "session transaction", "sqlalchemy"
        else:
            kind, style = "transaction", "other"
        if using and using.startswith("="):
            style, using = "other", None  # the alias is a variable of the opener, unknown here
        if where.startswith("loop"):
            reason = f"the {kind} of {short}(), still open when it yields to the {where}"
        elif where.startswith("block"):
            article = "an" if kind[0] in "aeiou" else "a"
            reason = f"the {opener}{where.removeprefix('block')}, which opens {article} {kind}"
        else:
            reason = f"the {kind} that @{short}() opens {where}"
        return Transaction(reason, line, style, using, end)

    def operation_context(self, function: FunctionSummary) -> Transaction | None:
        """Return the transaction of the opsgen operation whose ``run`` this is, or which
        runs this helper method only from inside that transaction, or None."""
        context = self.context(function)
        return context if context is not None and context.style == "opsgen" else None

    def context(self, function: FunctionSummary) -> Transaction | None:
        """Return the transaction the whole body of ``function`` runs in, or None."""
        if function.qualname in self._context:
            return self._context[function.qualname]
        found = self._compute_context(function)
        self._context[function.qualname] = found
        return found

    def decorated_transaction(self, function: FunctionSummary) -> Transaction | None:
        """Return the transaction that a decorator of the function opens around its body:
        ``@atomic``, another library's or a configured opener, or a project one."""
        end = function.end_line
        decorators = [self.canonical(d.removesuffix("()")) for d in function.decorators]
        if any(d in knowledge.ATOMIC_OPENERS for d in decorators):
            using = _decorator_alias(function.decorator_keywords.get("using"), function)
            return Transaction(f"the @atomic function {function.name}() (line {function.line})", function.line, "django", using, end)
        if any(d in self.openers or knowledge.is_library_transaction(d) for d in decorators):
            return Transaction(f"the transaction of {function.name}() (line {function.line})", function.line, "other", None, end)
        for decorator in decorators:
            inner = self.project_openers.opened_block(decorator)
            if inner is not None:
                return self.opener_transaction(decorator, inner, f"around {function.name}() (line {function.line})", function.line, end)
        return None

    def _compute_context(self, function: FunctionSummary) -> Transaction | None:
        end = function.end_line
        decorators = [self.canonical(d.removesuffix("()")) for d in function.decorators]
        decorated = self.decorated_transaction(function)
        if decorated is not None:
            return decorated
        klass = function.class_name
        class_atomic = self.class_decorated_atomic(klass, function) if klass else None
        if class_atomic is not None:
            using = UNKNOWN_ALIAS if class_atomic.startswith("=") else class_atomic or None
            return Transaction(f"the @atomic method {function.name}() (line {function.line})", function.line, "django", using, end)
        if klass and function.name not in OUTSIDE_DISPATCH and function.params[:1] == ["self"]:
            dispatch = self.dispatch_transaction(klass)
            if dispatch is not None:
                reason = f"{dispatch.reason}, which runs the view's {function.name}()"
                return Transaction(reason, function.line, dispatch.style, dispatch.using, end)
        if klass and function.name in knowledge.ADMIN_HOOKS and self.class_matches(klass, knowledge.ADMIN_BASES, ("ModelAdmin",)):
            reason = f"the Django admin's atomic block around {function.name}()"
            return Transaction(reason, function.line, "django", None, end)
        if self.is_admin_action(function):
            reason = f"the transaction of the admin action {function.name}()"
            return Transaction(reason, function.line, "django", None, end)
        for event in self.events.get(function.qualname, ()):
            if event in knowledge.EVENTS_IN_TRANSACTION:
                return Transaction(f"the SQLAlchemy {event} event", function.line, "sqlalchemy", None, end)
        for dependency in function.depends:
            block = self.project_openers.dependency_block(self.canonical(dependency))
            if block is not None:
                short = dependency.rpartition(".")[2]
                reason = f"the transaction of the dependency {short}(), which commits only after {function.name}() returns"
                style = "django" if block.kind == "atomic" else "sqlalchemy"
                return Transaction(reason, function.line, style, None, _first_session_commit(function))
        runner = self.transaction_callbacks.get(function.qualname)
        if runner is not None:
            return Transaction(f"the transaction that {runner}() runs {function.name}() in", function.line, "other", None, end)
        sent = self.write_signal_context(function)
        if sent is not None:
            return sent
        for signal in self.signals_of.get(function.qualname, ()):
            if signal in knowledge.FLASK_SQLALCHEMY_SIGNALS_IN_TRANSACTION:
                return Transaction("the session transaction (before_models_committed)", function.line, "sqlalchemy", None, end)
        operation = self.operation_of(function)
        if operation is not None and operation.transaction:
            context_name = function.params[1] if len(function.params) > 1 else "ctx"
            reason = f"the transaction of operation {operation.name} (its spec says transaction: true)"
            return Transaction(reason, function.line, "opsgen", context_name, end)
        helper = self.operation_helpers().get(function.qualname) if klass else None
        if helper is not None:
            run = self.index.functions[helper.run][1]
            run_context = self.context(run)
            if run_context is not None:
                return Transaction(run_context.reason, function.line, "opsgen", self.helper_context_name(function, run), end)
        flask_request = self.flask_request_transaction(function, decorators)
        if flask_request is not None:
            return flask_request
        if self.is_pyramid_project() or function.params[:1] == ["request"]:
            pyramid = self.pyramid_transaction(function, decorators)
            if pyramid is not None:
                return pyramid
        if self.atomic_requests and self.is_view(function):
            request = self.atomic_request_transaction(function, end)
            if request is not None:
                return request
        if self.atomic_requests and self.is_serializer_hook(function):
            view = self.view_saving_through_framework(function)
            if view is not None:
                reason = f"the request transaction of {view.rpartition('.')[2]} (ATOMIC_REQUESTS is on), whose serializer.save() runs {function.name}()"
                return Transaction(reason, function.line, "django", self.request_alias(self.atomic_request_databases), end)
        if self.middleware_paths and self.is_view(function):
            middleware = self.middleware_transaction()
            if middleware is not None:
                reason = f"{middleware.reason}, which runs the view {function.name}()"
                return Transaction(reason, function.line, middleware.style, middleware.using, end)
        return None

    def middleware_transaction(self) -> Transaction | None:
        """Return the transaction that a project middleware listed in ``MIDDLEWARE`` opens
        around the rest of the request, or None.

        Such a middleware calls ``get_response(request)`` inside ``atomic()`` or another
        transaction block: in ``__call__`` of a class, or in the function that a
        middleware factory returns. Every view then runs inside that transaction.
        """
        if not self._middleware_searched:
            self._middleware_searched = True
            found = (self.wraps_response_in_transaction(name) for path in self.middleware_paths for name in self.project_objects_named(path))
            self._middleware_transaction = next(filter(None, found), None)
        return self._middleware_transaction

    def project_objects_named(self, path: str) -> list[str]:
        """Return the project classes or functions that a dotted path in the settings names.

        The path names the module as the application imports it, which may differ from the
        module name relative to the project root (``shop.middleware.X`` for a project whose
        root is the ``shop`` folder), so a name ending in the same module and object counts.
        """
        if path in self.index.classes or path in self.index.functions:
            return [path]
        suffix = "." + ".".join(path.split(".")[-2:])
        return [name for name in (*self.index.classes, *self.index.functions) if name.endswith(suffix)]

    def wraps_response_in_transaction(self, qualname: str) -> Transaction | None:
        """Return the block in which a middleware calls ``get_response``, or None."""
        if qualname in self.index.classes:
            handlers = [self.method(qualname, name) for name in ("__call__", "__acall__")]
        else:
            prefix = f"{qualname}.<locals>."
            handlers = [name for name in self.index.functions if name.startswith(prefix)]
        for handler in filter(None, handlers):
            function = self.index.functions[handler][1]
            for call in function.calls:
                if call.text.rpartition(".")[2] != "get_response":
                    continue
                block = self.block_transaction(function, call)
                if block is not None:
                    short = qualname.rpartition(".")[2]
                    return Transaction(f"{block.reason} of the middleware {short}", block.line, block.style, block.using)
        return None

    def atomic_request_transaction(self, function: FunctionSummary, end: int | None) -> Transaction | None:
        """Return the transaction ATOMIC_REQUESTS wraps a view in, or None when
        ``@non_atomic_requests`` exempts it from every database that has the setting.

        Django wraps the view in ``atomic(using=alias)`` for each database with
        ``ATOMIC_REQUESTS``, except those the decorator names: ``@non_atomic_requests``
        exempts only "default", and ``@non_atomic_requests(using="analytics")`` only
        "analytics". An alias given by an expression exempts the view from all of them,
        since the linter cannot tell which it is.
        """
        exempt = [alias for alias in function.decorator_keywords.get(NON_ATOMIC_KEY, "").split(",") if alias]
        if any(alias.startswith("=") for alias in exempt):
            return None
        wrapped = self.atomic_request_databases - set(exempt)
        if not wrapped:
            return None
        if not exempt and wrapped == {"default"}:
            return Transaction("the request transaction (ATOMIC_REQUESTS is on)", function.line, "django", None, end)
        names = " and ".join(repr(alias) for alias in sorted(wrapped))
        reason = f"the request transaction of the {names} database{'s' if len(wrapped) > 1 else ''} (ATOMIC_REQUESTS is on)"
        if exempt:
            exempted = ", ".join(repr(alias) for alias in exempt)
            reason += f", since @non_atomic_requests exempts the view from {exempted} only"
        return Transaction(reason, function.line, "django", self.request_alias(wrapped), end)

    @staticmethod
    def request_alias(databases: frozenset[str] | set[str]) -> str | None:
        """Return the alias of the request transaction an ``on_commit()`` fix names: None for
        the default database, else the first alias with ATOMIC_REQUESTS."""
        return None if "default" in databases or not databases else sorted(databases)[0]

    def flask_request_transaction(self, function: FunctionSummary, decorators: list[str]) -> Transaction | None:
        """Return the session transaction that a Flask view runs in when the app commits the
        session after the view: ``SQLALCHEMY_COMMIT_ON_TEARDOWN`` (Flask-SQLAlchemy 2.x) or a
        ``teardown_request``, ``teardown_appcontext`` or ``after_request`` hook that commits.
        Only a view that writes through a session counts, since a commit with nothing to
        write is harmless."""
        if not any(self.is_flask_route(decorator) for decorator in decorators):
            return None
        if not any(call.write in ("session", "flush") or call.session_write for call in function.calls):
            return None
        source = self.request_commit_source()
        if source is None:
            return None
        reason = f"the request's session transaction, which {source} commits after {function.name}() returns"
        return Transaction(reason, function.line, "sqlalchemy", None, _first_session_commit(function))

    @staticmethod
    def is_flask_route(decorator: str) -> bool:
        router, _, method = decorator.removesuffix("()").rpartition(".")
        return method in knowledge.FLASK_ROUTE_METHODS and router in knowledge.FLASK_ROUTERS

    def request_commit_source(self) -> str | None:
        """Return what commits the session after each Flask view, or None."""
        if self.flask_request_commit is None and not self._flask_hook_searched:
            self._flask_hook_searched = True
            for module in self.index.modules.values():
                for hook in module.functions.values():
                    hooked = [d for d in hook.decorators if d.removesuffix("()").rpartition(".")[2] in knowledge.FLASK_AFTER_VIEW_HOOKS]
                    if hooked and any(call.text.endswith("session.commit") for call in hook.calls):
                        self.flask_request_commit = f"the {hooked[0].removesuffix('()').rpartition('.')[2]} hook {hook.name}()"
        return self.flask_request_commit

    def in_zope_context(self, function: FunctionSummary) -> bool:
        """Return True when the whole function runs in a zope transaction, as a view under pyramid_tm."""
        context = self.context(function)
        return context is not None and context.style == "zope"

    def is_pyramid_project(self) -> bool:
        """Return True when a module of the project imports Pyramid or pyramid_tm."""
        if self._pyramid_project is None:
            self._pyramid_project = any(
                name.startswith(("pyramid.", "pyramid_tm")) or name == "pyramid"
                for module in self.index.modules.values()
                for name in module.imports.values()
            )
        return self._pyramid_project

    def pyramid_transaction(self, function: FunctionSummary, decorators: list[str]) -> Transaction | None:
        """Return the request transaction that pyramid_tm runs a Pyramid view in, or None.

        A view is a function or method decorated with ``@view_config`` or added with
        ``config.add_view()``, in an app that includes pyramid_tm. A function that calls a
        method of ``request.tm`` runs in a request that pyramid_tm manages, whatever the
        app's configuration the linter reads. ``with request.tm:`` alone is a block of its
        own, as in pyramid_tm's explicit mode. The transaction ends at the view's first
        ``request.tm.commit()`` or ``transaction.commit()``, since the code after it runs
        once the view's writes are committed.
        """
        commit_line = None
        uses_manager = False
        for call in function.calls:
            manager = call.text.startswith(("request.tm.", "self.request.tm."))
            uses_manager = uses_manager or manager
            is_commit = (manager and call.text.endswith(".commit")) or (call.target is not None and call.target in knowledge.ZOPE_COMMITS)
            if is_commit and commit_line is None:
                commit_line = call.line
        is_view = function.qualname in self.pyramid_views or any(d in knowledge.PYRAMID_VIEW_DECORATORS for d in decorators)
        if not uses_manager and not (is_view and self.request_transaction):
            return None
        end = commit_line if commit_line is not None else function.end_line
        reason = f"the request transaction that pyramid_tm opens around {function.name}()"
        return Transaction(reason, function.line, "zope", None, end)

    def write_signal_context(self, function: FunctionSummary) -> Transaction | None:
        """Return the transaction a delete or ``m2m_changed`` receiver runs in: Django sends
        these signals inside the atomic block that its ``delete()`` and related-manager
        writes open, whether or not the caller holds a transaction."""
        for signal in self.signals_of.get(function.qualname, ()):
            if signal in knowledge.DELETE_SIGNALS or signal in knowledge.M2M_SIGNALS:
                name = signal.rpartition(".")[2]
                using = self.receiver_alias(function)
                return Transaction(f"the write's atomic block, which sends {name}", function.line, "django", using, function.end_line)
        return None

    def reported_at_sender(self, function: FunctionSummary) -> bool:
        """Return True when the function runs inside its signal's atomic block and a write
        inside a transaction of the project sends that signal. Its effects are reported at
        that write, with the chain through the receiver, and not in the receiver itself."""
        context = self.context(function)
        if context is None or context != self.write_signal_context(function):
            return False
        return function.qualname in self.reached_from_transaction()

    def view_saving_through_framework(self, hook: FunctionSummary) -> str | None:
        """Return a view whose ``serializer_class`` is the hook's serializer and which leaves
        ``serializer.save()`` to Django REST framework's own ``perform_create`` or
        ``perform_update``, or None.

        A view that overrides them makes the call itself, where the linter follows it.
        """
        assert hook.class_name is not None
        own = {"create": ("perform_create",), "update": ("perform_update",)}.get(hook.name, ("perform_create", "perform_update"))
        for view in self.views_by_serializer().get(self.canonical(hook.class_name), ()):
            if any(self.method(view, name) is None for name in own):
                return view
        return None

    def views_by_serializer(self) -> dict[str, list[str]]:
        """Return the project's view classes by the serializer their ``serializer_class`` names."""
        if self._views_by_serializer is None:
            found: dict[str, list[str]] = defaultdict(list)
            for qualname, (_, klass) in self.index.classes.items():
                serializer = klass.name_attributes.get("serializer_class")
                if serializer and self.class_matches(qualname, frozenset(), knowledge.VIEW_BASE_HINTS):
                    found[self.canonical(serializer)].append(qualname)
            self._views_by_serializer = found
        return self._views_by_serializer

    def operation_helpers(self) -> dict[str, Helper]:
        """Return the methods that run only inside a transactional operation's ``run()``."""
        if self._helpers is None:
            self._helpers = find_operation_helpers(self)
        return self._helpers

    @staticmethod
    def helper_context_name(helper: FunctionSummary, run: FunctionSummary) -> str | None:
        """Return how ``helper`` reaches the execution context that ``run`` receives, or None.

        That is a parameter of the helper named like run()'s context parameter, or an
        attribute of ``self`` that run() sets to it (``self.ctx = ctx`` gives ``self.ctx``).
        """
        name = run.params[1] if len(run.params) > 1 else "ctx"
        if name in helper.params[1:]:
            return name
        for attribute, parameter in run.parameter_attributes.items():
            if parameter == name:
                return f"self.{attribute}"
        return None

    def class_decorated_atomic(self, class_name: str, function: FunctionSummary) -> str | None:
        """Return the database alias of the ``atomic()`` that ``@method_decorator(atomic, name=...)``
        on its class wraps the method in (``""`` for the default database), or None when no
        such decorator wraps it. A view handler counts as wrapped when the method is ``dispatch``."""
        for klass in self.mro(class_name):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            for decorator in entry[1].decorators:
                wrapped, _, method = decorator.partition("@")
                if not method or self.canonical(wrapped) not in knowledge.ATOMIC_OPENERS:
                    continue
                handler = method == "dispatch" and (function.name in knowledge.VIEW_METHODS or function.params[1:2] == ["request"])
                if method == function.name or handler:
                    return entry[1].decorator_using.get(method, "")
        return None

    def dispatch_transaction(self, class_name: str) -> Transaction | None:
        """Return the transaction that a class-based view's ``dispatch()`` runs the view in,
        or None. Django calls every handler of the view (``post()``, then ``form_valid()``
        and the other hooks) from ``dispatch()``, so a transaction around it covers them all.

        ``dispatch()`` is atomic when the view or a mixin or base class of the project
        decorates it (``@method_decorator(atomic)``, on the method or with ``name="dispatch"``
        on the class), or calls ``super().dispatch()`` inside a transaction block. The
        ``dispatch()`` nearest in the method order comes first, and one that does not call
        ``super().dispatch()`` ends the search.
        """
        if class_name in self._dispatch:
            return self._dispatch[class_name]
        found = None
        if self.class_matches(class_name, frozenset(), knowledge.VIEW_BASE_HINTS):
            found = self._dispatch_transaction(class_name)
        self._dispatch[class_name] = found
        return found

    def _dispatch_transaction(self, class_name: str) -> Transaction | None:
        for klass in self.mro(class_name):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            owner = entry[1].name
            for decorator in entry[1].decorators:
                wrapped, _, method = decorator.partition("@")
                if method == "dispatch" and self.canonical(wrapped) in knowledge.ATOMIC_OPENERS:
                    using = entry[1].decorator_using.get(method) or None
                    reason = f"the atomic() block that @method_decorator on {owner} (line {entry[1].line}) wraps dispatch() in"
                    return Transaction(reason, entry[1].line, "django", UNKNOWN_ALIAS if using and using.startswith("=") else using)
            method_entry = self.index.functions.get(f"{klass}.dispatch")
            if method_entry is None:
                continue
            dispatch = method_entry[1]
            decorated = self.decorated_transaction(dispatch)
            if decorated is not None:
                kind = "atomic() block" if decorated.style == "django" else "transaction"
                reason = f"the {kind} around {owner}.dispatch() (line {dispatch.line})"
                return Transaction(reason, dispatch.line, decorated.style, decorated.using)
            inherited = [call for call in dispatch.calls if call.text == "super().dispatch"]
            for call in inherited:
                block = self.block_transaction(dispatch, call)
                if block is not None:
                    reason = f"{block.reason} of {owner}.dispatch()"
                    return Transaction(reason, block.line, block.style, block.using)
            if not inherited:
                return None  # this dispatch() does not run the one it overrides
        return None

    def receiver_alias(self, function: FunctionSummary) -> str | None:
        """Return how a model signal receiver reads the alias of the database written,
        which Django sends as the ``using`` argument: ``"=using"`` from its parameter, or
        ``'=kwargs.get("using")'`` from its ``**kwargs``.

        None when it takes neither, or when it also receives a signal that sends no ``using``.
        """
        if not set(self.signals_of.get(function.qualname, ())) <= knowledge.MODEL_SIGNALS:
            return None
        if "using" in function.params:
            return "=using"
        if function.keywords_param is not None:
            return f'={function.keywords_param}.get("using")'
        return None

    def possible_context(self, function: FunctionSummary) -> Transaction | None:
        """Return the caller's transaction a save receiver or a ``save()`` override may run in."""
        for signal in self.signals_of.get(function.qualname, ()):
            if signal in knowledge.SAVE_SIGNALS:
                reason = f"the caller's transaction, since {signal.rpartition('.')[2]} fires inside the caller's save()"
                using = self.receiver_alias(function)
                return Transaction(reason, function.line, "django", using, function.end_line, possible=True)
        if function.name in ("save", "delete") and self.is_model(function.class_name):
            reason = f"the caller's transaction, since {function.name}() runs wherever a caller holds one"
            return Transaction(reason, function.line, "django", None, function.end_line, possible=True)
        return None

    def is_view(self, function: FunctionSummary) -> bool:
        if function.nested or function.name == "<module>":
            return False
        if function.class_name is None:
            return bool(function.params) and function.params[0] == "request"
        if len(function.params) > 1 and function.params[1] == "request":
            return self.class_matches(function.class_name, frozenset(), knowledge.VIEW_BASE_HINTS)
        if function.name in knowledge.VIEW_METHODS:
            return self.class_matches(function.class_name, frozenset(), knowledge.VIEW_BASE_HINTS)
        return False

    def is_admin_action(self, function: FunctionSummary) -> bool:
        decorators = {self.canonical(d.removesuffix("()")) for d in function.decorators}
        if decorators & knowledge.ADMIN_ACTION_DECORATORS:
            return True
        params = function.params
        klass = function.class_name
        if klass and params[:3] == ["self", "request", "queryset"]:
            return self.class_matches(klass, knowledge.ADMIN_BASES, ("ModelAdmin",))
        if not klass and params[:3] == ["modeladmin", "request", "queryset"]:
            return True
        return False

    # -- reach ------------------------------------------------------------------------------

    def call_hop(self, module: ModuleSummary, call: CallSite, name: str) -> Hop:
        return Hop(module.path, call.line, call.column, name)

    def reach(self, qualname: str) -> Reach | None:
        """Return the shortest chain from a call that ``qualname`` makes outside its own
        transactions to a side effect, or None."""
        if qualname in self._reach:
            return self._reach[qualname]
        if qualname in self._in_progress or len(self._in_progress) >= MAX_CHAIN_DEPTH:
            return None
        entry = self.index.functions.get(qualname)
        if entry is None:
            return None
        module, function = entry
        decorators = {self.canonical(d.removesuffix("()")) for d in function.decorators}
        if self.deferred_by_decorator(decorators) or self.context(function) is not None:
            self._reach[qualname] = None
            return None

        best = self.shortest_reach(module, function, own_blocks_only=False)
        self._reach[qualname] = best
        return best

    def save_reach(self, qualname: str, inserts: bool) -> Reach | None:
        """Return :meth:`reach` for a ``post_save`` receiver or ``save()`` override run by a
        save that inserts (``inserts``) or updates a row. Calls that run only for the other
        value of ``created`` are left out, and a ``super().save()`` in an override passes
        the value on to the receivers it runs."""
        entry = self.index.functions.get(qualname)
        if entry is None or not self.reads_save_kind(entry[1]):
            return self.reach(qualname)
        key = (qualname, inserts)
        if key in self._save_reach:
            return self._save_reach[key]
        if qualname in self._in_progress or len(self._in_progress) >= MAX_CHAIN_DEPTH:
            return None
        module, function = entry
        decorators = {self.canonical(d.removesuffix("()")) for d in function.decorators}
        if self.deferred_by_decorator(decorators) or self.context(function) is not None:
            self._save_reach[key] = None
            return None
        best = self._save_reach[key] = self.shortest_reach(module, function, own_blocks_only=False, inserts=inserts)
        return best

    @staticmethod
    def reads_save_kind(function: FunctionSummary) -> bool:
        """Return True when some call of the function runs for one value of ``created``
        only, or is a ``super().save()`` that passes the value on."""
        return any(call.when_created is not None or (call.write == "save" and call.text.startswith("super()")) for call in function.calls)

    def deferred_by_decorator(self, decorators: set[str]) -> bool:
        """Return True when one of a function's decorators (canonical names) runs it after
        commit: a configured deferral wrapper, or a project decorator whose wrapper hands
        the function to ``on_commit()`` (:mod:`opsgen.lint.deferral_decorators`)."""
        if decorators & self.deferral_wrappers:
            return True
        for decorator in decorators:
            found = self._deferring_decorators.get(decorator)
            if found is None:
                found = self._deferring_decorators[decorator] = defers_decorated_function(self.index, decorator, self.canonical)
            if found:
                return True
        return False

    def signal_reach(self, qualname: str) -> Reach | None:
        """Return the shortest chain to a side effect from a delete or ``m2m_changed``
        receiver, whose whole body runs in the atomic block of the write that sends the
        signal. The chain leaves out the calls inside the receiver's own transaction blocks
        only, so that the write that sends the signal can carry it."""
        if qualname in self._signal_reach:
            return self._signal_reach[qualname]
        if qualname in self._in_progress or len(self._in_progress) >= MAX_CHAIN_DEPTH:
            return None
        entry = self.index.functions.get(qualname)
        if entry is None:
            return None
        module, function = entry
        decorators = {self.canonical(d.removesuffix("()")) for d in function.decorators}
        context = self.context(function)
        if self.deferred_by_decorator(decorators) or context is None or context != self.write_signal_context(function):
            self._signal_reach[qualname] = None
            return None
        best = self._signal_reach[qualname] = self.shortest_reach(module, function, own_blocks_only=True)
        return best

    def shortest_reach(
        self, module: ModuleSummary, function: FunctionSummary, own_blocks_only: bool, inserts: bool | None = None
    ) -> Reach | None:
        """Return the shortest chain from the function's calls outside its transactions to a
        side effect. With ``own_blocks_only``, a transaction that holds the whole body does
        not count. With ``inserts``, the function runs for a save that inserts (True) or
        updates (False) a row, as in :meth:`save_reach`."""
        qualname = function.qualname
        self._in_progress.add(qualname)
        best: Reach | None = None
        for call in function.calls:
            if inserts is not None and call.when_created is not None and call.when_created != inserts:
                continue
            inside = self.block_transaction(function, call) if own_blocks_only else self.transaction_at(function, call)
            if inside is not None:
                continue
            candidate = self.call_reach(module, function, call, inserts)
            if candidate is not None and (best is None or len(candidate.hops) < len(best.hops)):
                best = candidate
                if len(best.hops) == 1:
                    break
        self._in_progress.discard(qualname)
        if best is not None:
            best = Reach(best.effect, best.hops, best.functions | {qualname})
        return best

    def call_reach(self, module: ModuleSummary, function: FunctionSummary, call: CallSite, inserts: bool | None = None) -> Reach | None:
        """Return the chain that starts at this call: the call itself when it is a side effect.

        ``inserts`` is what :meth:`shortest_reach` takes, for a call in a ``save()``
        override: its ``super().save()`` inserts or updates as the override's caller does.
        """
        effect = self.effect(call)
        if effect is not None:
            if self.deferred_in_other_arm(function, call):
                return None
            return Reach(effect, (self.call_hop(module, call, effect.name),), frozenset())
        best: Reach | None = None
        saves = self.write_inserts(call) if call.write == "save" or call.write == "create" else None
        if saves is None and call.write == "save" and call.text.startswith("super()"):
            saves = inserts
        for link in self.links(function, call):
            if link.qualname == function.qualname:
                continue
            sub = self.reach(link.qualname) if saves is None or not link.on_save else self.save_reach(link.qualname, saves)
            if sub is None and link.entry is not None:
                sub = self.signal_reach(link.qualname)
            if sub is None:
                continue
            entry = (link.entry,) if link.entry else ()
            name = link.qualname if link.entry is None else call.text
            hops = (self.call_hop(module, call, name), *entry, *sub.hops)
            candidate = Reach(sub.effect, hops, sub.functions)
            if best is None or len(candidate.hops) < len(best.hops):
                best = candidate
        return best

    def deferred_in_other_arm(self, function: FunctionSummary, call: CallSite) -> bool:
        """Return True when the call sits in one arm of an ``if`` whose other arm defers to commit.

        ``if <setting>: send() else: on_commit(send)`` is a choice the author made on purpose:
        the direct arm serves a configuration where commit hooks never fire (a test run
        inside a transaction that is rolled back), and the deferred arm is what runs
        otherwise. Reporting the direct arm would describe a fault the deferred arm exists
        to avoid.
        """
        if not call.branch:
            return False
        arms = dict(part.split(":") for part in call.branch.split("/"))
        deferrals = knowledge.DEFERRALS | self.deferral_wrappers
        for other in function.calls:
            if not other.branch or other is call:
                continue
            target = self.canonical(other.target) if other.target else None
            if target not in deferrals and other.text.rpartition(".")[2] not in knowledge.DEFERRED_METHODS:
                continue
            for part in other.branch.split("/"):
                line, _, arm = part.partition(":")
                if line in arms and arms[line] != arm and {arm, arms[line]} == {"0", "1"}:
                    return True
        return False

    def reached_from_transaction(self) -> set[str]:
        """Functions on some chain that starts inside a transaction."""
        if self._reached is None:
            reached: set[str] = set()
            for module in self.index.modules.values():
                reached |= self.reached_from_module(module)
            self._reached = reached
        return self._reached

    def reached_from_module(self, module: ModuleSummary) -> frozenset[str]:
        """Return the functions on the chains that start at the module's calls inside a transaction."""
        found = self._reached_by_path.get(module.path)
        if found is None:
            found = self._reached_by_path[module.path] = self._compute_reached(module)
        return found

    def use_reached(self, kept: Mapping[str, Iterable[str]]) -> None:
        """Take kept :meth:`reached_from_module` results, by path, of modules whose chains
        are known not to have changed since."""
        for path, names in kept.items():
            self._reached_by_path[path] = frozenset(names)

    def _compute_reached(self, module: ModuleSummary) -> frozenset[str]:
        reached: set[str] = set()
        for function in module.functions.values():
            for call in function.calls:
                if call.target is None and "." not in call.text:
                    continue
                if self.transaction_at(function, call) is None:
                    continue
                chain = self.call_reach(module, function, call)
                if chain is not None:
                    reached |= chain.functions
        return frozenset(reached)

    # -- callers ------------------------------------------------------------------------------

    def callers(self) -> dict[str, list[tuple[str, bool]]]:
        """Map each project function to its callers and whether the call sits in a transaction."""
        if self._callers is None:
            self.use_edges(self.call_edges(module) for module in self.index.modules.values())
            assert self._callers is not None
        return self._callers

    def call_edges(self, module: ModuleSummary) -> list[tuple[str, str, bool]]:
        """Return (caller, callee, whether the call sits in a transaction) for the module's calls.

        The links depend on the other modules' declarations only (names, classes, decorators,
        receivers), never on their function bodies, so the engine may keep them per file.
        """
        edges: list[tuple[str, str, bool]] = []
        for function in module.functions.values():
            for call in function.calls:
                if call.target is None and "." not in call.text:
                    continue
                links = self.links(function, call)
                if not links:
                    continue
                in_transaction = self.transaction_at(function, call) is not None
                edges.extend((function.qualname, link.qualname, in_transaction) for link in links)
        return edges

    def use_edges(self, edges: Iterable[Iterable[tuple[str, str, bool]]]) -> None:
        """Build the callers map from each module's :meth:`call_edges`, computed now or kept."""
        callers: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        for group in edges:
            for caller, callee, in_transaction in group:
                callers[callee].append((caller, in_transaction))
        self._callers = callers

    def in_transaction_somewhere(self, qualname: str, _seen: frozenset[str] = frozenset(), possible: bool = True) -> bool:
        """Return True when the function, or any caller up the chain, has a transaction open.

        With ``possible=False`` a save receiver or a ``save()`` override counts only when a
        linked caller has a transaction open, not for the one any caller might have.
        """
        key = (qualname, possible)
        if key in self._somewhere:
            return self._somewhere[key]
        entry = self.index.functions.get(qualname)
        if entry is None or qualname in _seen or len(_seen) >= MAX_CHAIN_DEPTH:
            return False
        function = entry[1]
        if self.context(function) is not None or (possible and self.possible_context(function) is not None):
            self._somewhere[key] = True
            return True
        result = False
        callers = list(self.callers().get(qualname, ()))
        if self.is_serializer_hook(function):
            callers += self.serializer_saves()
        for caller, in_transaction in callers:
            if in_transaction or self.in_transaction_somewhere(caller, _seen | {qualname}, possible):
                result = True
                break
        self._somewhere[key] = result
        return result

    def is_serializer_hook(self, function: FunctionSummary) -> bool:
        """Return True for a serializer's ``create()``, ``update()`` or ``save()``, which the framework runs.

        Django REST framework calls them from ``serializer.save()``, on an instance whose
        class the call site does not name, so no call in the project links to them.
        """
        if function.name not in SERIALIZER_HOOKS or not function.class_name or function.nested:
            return False
        return self.class_matches(function.class_name, frozenset(), ("Serializer",))

    def serializer_hooks(self, function: FunctionSummary, call: CallSite, target: str | None) -> list[str]:
        """Return the serializer methods that ``serializer.save()`` runs, when the serializer's class is known.

        The class is the call's inferred type (``OrderSerializer(data=...)``), or the
        ``serializer_class`` of the view whose ``perform_create(self, serializer)`` makes the
        call. Django REST framework's ``save()`` runs ``create()`` for a new row and
        ``update()`` for an existing one, so ``perform_create`` runs the first,
        ``perform_update`` the second, and other callers either.
        """
        serializer: str | None = None
        if target and target.endswith("().save"):
            serializer = self.canonical(target.removesuffix("().save"))
        elif "serializer" in call.text.rpartition(".")[0].lower() and function.class_name:
            for klass in self.mro(function.class_name):
                entry = self.index.classes.get(klass)
                if entry is not None and "serializer_class" in entry[1].name_attributes:
                    serializer = self.canonical(entry[1].name_attributes["serializer_class"])
                    break
        if serializer is None or serializer not in self.index.classes:
            return []
        if not self.class_matches(serializer, frozenset(), ("Serializer",)):
            return []
        names = {"perform_create": ("create",), "perform_update": ("update",)}.get(function.name, ("create", "update"))
        hooks = [self.method(serializer, name) for name in (*names, "save")]
        return [hook for hook in hooks if hook is not None and hook != function.qualname]

    def form_hooks(self, function: FunctionSummary, call: CallSite) -> list[str]:
        """Return the ``save()`` override of a view's ``form_class`` that ``form.save()`` runs.

        Django's editing views pass the bound form to their methods (``form_valid(self,
        form)``), so a ``save()`` called on a receiver named for a form in a method of a view
        class with ``form_class = EnquiryForm`` runs ``EnquiryForm.save``.
        """
        receiver = call.text.rpartition(".")[0].rpartition(".")[2]
        if "form" not in receiver.lower() or not function.class_name:
            return []
        for klass in self.mro(function.class_name):
            entry = self.index.classes.get(klass)
            if entry is not None and "form_class" in entry[1].name_attributes:
                hook = self.method(self.canonical(entry[1].name_attributes["form_class"]), "save")
                return [hook] if hook is not None and hook != function.qualname else []
        return []

    def serializer_saves(self) -> list[tuple[str, bool]]:
        """Return the functions that call ``<serializer>.save()``, and whether the call sits in a transaction."""
        if self._serializer_saves is None:
            found: list[tuple[str, bool]] = []
            for module in self.index.modules.values():
                for function in module.functions.values():
                    for call in function.calls:
                        receiver, _, attribute = call.text.rpartition(".")
                        if attribute == "save" and "serializer" in receiver.lower():
                            found.append((function.qualname, self.transaction_at(function, call) is not None))
            self._serializer_saves = found
        return self._serializer_saves

    def independent_items(self, sites: list[tuple[CallSite, int]]) -> bool:
        """Return True when each write is the only one of its loop's iteration and is a
        ``delete()`` or a call of a project function that writes.

        ``for row in expired: row.delete()`` removes one row per iteration; a failure midway
        leaves each item either gone or untouched, and the next run finishes the job. A
        helper called once per item (one mail per recipient) is a unit of work of its own,
        checked inside the helper. A ``save()`` of every row of a set still counts: the rows
        changed together (the invoices of a closed month) are one change, and so are two
        writes in one iteration or a write before the loop that the items belong to.
        """
        if not sites or any(call.write not in (None, "delete") or self.related_managers.is_write(call) for call, _ in sites):
            return False
        return one_write_per_pass(sites)

    def free_writes(self, function: FunctionSummary) -> list[CallSite]:
        """Return the ORM writes the function makes outside any transaction of its own."""
        return [call for call in function.calls if call.write in AUTOCOMMIT_WRITES and self.transaction_at(function, call) is None]

    def write_sites(self, function: FunctionSummary) -> list[tuple[CallSite, int]]:
        """Return the calls that write outside the function's own transactions, with a weight:
        2 for a write inside a loop (it runs many times), 1 otherwise.

        A call of a project function that writes outside its own transactions is one site.
        """
        sites: list[tuple[CallSite, int]] = []
        entry = self.index.functions.get(function.qualname)
        uses_django = entry is not None and self.uses_django(entry[0])
        # peewee and Tortoise rows save and delete themselves as Django's do.
        other_orm = entry is not None and self.uses_class_write_orm(entry[0])
        for call in function.calls:
            if self.transaction_at(function, call) is not None and self.other_database(function, call) is None:
                continue
            if call.write == "save" and set(call.keywords) - MODEL_SAVE_KEYWORDS and "serializer" not in call.text.lower():
                # An image or file written to a stream: ``image.save(fp=buffer, format="PNG")``.
                # A serializer's ``save(author=user)`` adds fields to the row it writes, so it stays.
                continue
            if call.fresh or (call.row_from and self.saves_returned_row(function, call)):
                continue  # a row created here and saved again: a failure between leaves it as created
            if call.write in AUTOCOMMIT_WRITES and self.effect(call) is not None:
                continue  # a remote API's create(), such as an SMS client built by a project factory
            if call.write == "delete" and _runs_later(function, call):
                continue  # peewee's Tweet.delete() builds a statement; its execute() is the write
            if call.write in AUTOCOMMIT_WRITES:
                if uses_django or other_orm or self.is_django_write(call):
                    several = call.in_loop or self.writing_receiver(function, call) is not None
                    sites.append((call, 2 if several else 1))
                continue
            if call.write is not None:
                continue
            if self.class_write(call, other_orm) or (other_orm and call.text.endswith(".delete_instance")):
                sites.append((call, 2 if call.in_loop else 1))
                continue
            if self.related_managers.is_write(call):
                sites.append((call, 2 if call.in_loop else 1))  # team.members.add(user)
                continue
            for link in self.links(function, call):
                if link.guessed or link.entry is not None:
                    continue
                if link.qualname != function.qualname and self.write_count(link.qualname) > 0:
                    sites.append((call, 2 if call.in_loop else 1))
                    break
        return sites

    def other_database(self, function: FunctionSummary, call: CallSite) -> str | None:
        """Return the database a Django write goes to when the ``atomic()`` blocks around it
        in the function all open their transactions on other databases, or None.

        ``with atomic():`` opens a transaction on "default" only, so
        ``Entry.objects.using("ledger").create(...)`` inside it commits on its own. An alias
        given by an expression the linter cannot read, on the write or on a block, or a
        transaction around the whole function other than an ``@atomic`` decorator, counts
        as covering the write.
        """
        alias = call.using
        if call.write not in AUTOCOMMIT_WRITES or alias is None or alias.startswith("="):
            return None
        covered_by: list[str] = []
        context = self.context(function)
        if context is not None:
            # Only an @atomic decorator names its database; a caller's or a request's may not.
            if context.style != "django" or context != self.decorated_transaction(function):
                return None
            covered_by.append(context.using or "default")
        index = call.transaction
        while index >= 0:
            block = function.transactions[index]
            if block.kind == "atomic":
                covered_by.append(block.using or "default")
            elif block.kind != "with" or block.loop or (block.name and self.opens_transaction(block.name)):
                return None  # another library's block, or a project opener whose database is not read here
            index = block.parent
        if not covered_by or alias in covered_by or any(using.startswith("=") or using == UNKNOWN_ALIAS for using in covered_by):
            return None
        return alias

    def writing_receiver(self, function: FunctionSummary, call: CallSite) -> str | None:
        """Return a model signal receiver that the write sends to and that writes rows of its
        own, or None: ``User.objects.create_user(...)`` whose ``post_save`` receiver creates
        the profile. Django's ``save()`` opens no transaction, so in autocommit the
        receiver's write commits apart from the row that sent the signal."""
        if call.write not in SIGNALLING_WRITES:
            return None
        for link in self.write_links(function, call):
            if link.guessed or link.qualname not in self.signals_of or link.qualname == function.qualname:
                continue
            if self.write_count(link.qualname) > 0:
                return link.qualname
        return None

    def saves_returned_row(self, function: FunctionSummary, save: CallSite) -> bool:
        """Return True when ``save`` saves the row that a project function created and
        returned, with no other write of its own (``profile = get_profile(user)``, whose body
        is ``Profile.objects.get_or_create(user=user)``). The call of that function is the
        write, as a ``get_or_create()`` in place would be."""
        source = next((call for call in function.calls if f"{call.line}:{call.column}" == save.row_from), None)
        if source is None:
            return False
        for link in self.links(function, source):
            if link.guessed or link.entry is not None or link.qualname == function.qualname:
                continue
            entry = self.index.functions.get(link.qualname)
            if entry is not None and entry[1].returns_created and self.write_count(link.qualname) <= 1:
                return True
        return False

    def separate_commits(self, function: FunctionSummary) -> list[CallSite]:
        """Return the session ``commit()`` calls that each end their own group of writes.

        Two or more mean the function's writes land in separate transactions.
        """
        return [
            call
            for call in function.calls
            if call.session_write and call.text.endswith(".commit") and call.transaction < 0
        ]

    def uses_class_write_orm(self, module: ModuleSummary) -> bool:
        """Return True when the module imports peewee or Tortoise, whose rows save and delete themselves."""
        found = self._class_write_orm_modules.get(module.path)
        if found is None:
            found = any(name.partition(".")[0] in CLASS_WRITE_ORMS for name in module.imports.values())
            self._class_write_orm_modules[module.path] = found
        return found

    def uses_django(self, module: ModuleSummary) -> bool:
        """Return True when the module imports Django, or a class from a ``models`` module."""
        found = self._django_modules.get(module.path)
        if found is None:
            found = self._django_modules[module.path] = self._imports_django(module)
        return found

    @staticmethod
    def _imports_django(module: ModuleSummary) -> bool:
        for name in module.imports.values():
            module_name, _, imported = name.rpartition(".")
            if name.startswith("django.") or (module_name.rpartition(".")[2] == "models" and imported[:1].isupper()):
                return True
        return False

    def class_write(self, call: CallSite, other_orm: bool = False) -> bool:
        """Return True for a write that a model class makes itself, as peewee and Tortoise ORM
        do: ``User.create(...)``, ``Order.bulk_create([...])`` or
        ``Tweet.delete().where(...).execute()``.

        The class must be a model by its bases, and must not define the method itself: a
        project classmethod is followed as a call instead. A class the project does not
        define counts when it comes from a ``models`` module, or, with ``other_orm`` (the
        module imports peewee or Tortoise), from any module but a remote API's.
        """
        if not call.target or ".objects" in call.target:
            return False
        owner, _, method = call.target.rpartition(".")
        if method == "execute" and owner.endswith(")"):
            klass, _, method = owner.partition("()")[0].rpartition(".")
            if method not in CLASS_STATEMENT_WRITES:
                return False
        elif method in knowledge.MANAGER_WRITES and not owner.endswith(")"):
            klass = owner
        else:
            return False
        klass = self.canonical(klass)
        if klass not in self.index.classes and klass.rpartition(".")[2][:1].isupper():
            if _from_models_module(klass) or (other_orm and not knowledge.is_external_api(call.target)):
                return True  # a model of a module outside the project, or not linted with this one
        return self.is_model(klass) and self.method(klass, method) is None

    def is_django_write(self, call: CallSite) -> bool:
        """Return True when the write goes through a manager or to a known Django model."""
        if ".objects" in f".{call.text}":
            return True
        return call.model is not None and self.is_model(self.canonical(call.model))

    def one_path(self, sites: list[tuple[CallSite, int]]) -> list[tuple[CallSite, int]]:
        """Return the heaviest group of write sites that can all run in one call.

        Writes in different arms of one ``if`` exclude each other. The group is built
        greedily from each site in turn, which is exact for the usual nesting of branches.
        """
        best: list[tuple[CallSite, int]] = []
        for seed in sites:
            group = [seed]
            for site in sites:
                if site is not seed and not any(_exclusive(site[0].branch, other[0].branch) for other in group):
                    group.append(site)
            if sum(w for _, w in group) > sum(w for _, w in best):
                best = group
        return sorted(best, key=lambda site: (site[0].line, site[0].column))

    def write_count(self, qualname: str) -> int:
        """Return the weighted number of writes a function makes outside its own transactions."""
        if qualname in self._writes:
            return self._writes[qualname]
        entry = self.index.functions.get(qualname)
        if entry is None or qualname in self._in_progress or len(self._in_progress) >= MAX_CHAIN_DEPTH:
            return 0
        if self.context(entry[1]) is not None:
            self._writes[qualname] = 0
            return 0
        self._in_progress.add(qualname)
        count = sum(weight for _, weight in self.write_sites(entry[1]))
        self._in_progress.discard(qualname)
        self._writes[qualname] = count
        return count

    def operation_of(self, function: FunctionSummary) -> OperationInfo | None:
        """Return the operation whose ``run`` this is, when its class extends a generated base."""
        if function.name != "run" or not function.class_name:
            return None
        for base in self.mro(function.class_name)[1:]:
            operation = self.operations.get(base.rpartition(".")[2])
            if operation is not None:
                return operation
        return None
