"""Library facts for the linter: transaction openers, side effects, deferrals, writes.

Names here are qualified, as the summary produces them: ``requests.post`` for a module
function, ``httpx.Client().post`` for a method of an instance. The configuration adds
to these sets (``side-effects``, ``deferral-wrappers``, ``safe-task-bases``); nothing in
the configuration removes a built-in entry.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- transactions -----------------------------------------------------------------------

ATOMIC_OPENERS = frozenset(
    {
        "django.db.transaction.atomic",
        "django.db.transaction.Atomic",
    }
)

NON_ATOMIC_REQUESTS = frozenset({"django.db.transaction.non_atomic_requests"})

#: Methods that open a transaction in other database libraries, as a context manager or a
#: decorator: peewee's ``db.atomic()`` and ``db.transaction()``, asyncpg's, psycopg 3's and
#: encode/databases' ``conn.transaction()``, Firestore's ``client.transaction()``.
LIBRARY_TRANSACTION_METHODS = frozenset({"atomic", "transaction"})
#: Functions of other database libraries that open a transaction.
LIBRARY_TRANSACTION_FUNCTIONS = frozenset(
    {
        "tortoise.transactions.in_transaction",
        "tortoise.transactions.atomic",
        "pony.orm.db_session",
    }
)


#: MongoDB's ``with session.start_transaction():`` (PyMongo and Motor), matched on any
#: receiver except the tracing libraries whose ``start_transaction()`` starts a trace.
SESSION_TRANSACTION_METHODS = frozenset({"start_transaction"})
TRACING_PACKAGES = ("sentry_sdk.", "ddtrace.", "opentelemetry.", "elasticapm.", "newrelic.", "scout_apm.")

#: Methods that run the callable given first inside a transaction they begin and commit:
#: PyMongo's and Motor's ``session.with_transaction(callback)``, which also retries it.
TRANSACTION_CALLBACK_METHODS = frozenset({"with_transaction"})

#: Objects that are a transaction when used as a context manager themselves: zope's
#: ``with transaction.manager:`` (Pyramid with pyramid_tm) begins a transaction and
#: commits it when the block ends, or aborts it on an exception.
TRANSACTION_MANAGER_OBJECTS = frozenset(
    {"transaction.manager", "transaction.TransactionManager()", "transaction.ThreadTransactionManager()", "request.tm"}
)
#: pyramid_tm, which a Pyramid app turns on with ``config.include("pyramid_tm")``: it
#: begins a zope transaction before each view runs and commits it after the view
#: returns, and hands its manager to the view as ``request.tm``.
REQUEST_TRANSACTION_PACKAGES = frozenset({"pyramid_tm"})
#: Decorators that make a function or method a Pyramid view.
PYRAMID_VIEW_DECORATORS = frozenset({"pyramid.view.view_config", "pyramid.view.view_defaults"})
#: Calls that commit the zope transaction that pyramid_tm began, before the view returns.
ZOPE_COMMITS = frozenset({"transaction.commit", "transaction.manager.commit"})
#: DB-API connections whose ``with conn:`` block is one transaction: it commits when the
#: block ends and rolls back on an exception (psycopg2, sqlite3), without closing the
#: connection. psycopg 3 and aiosqlite are left out, because their block closes the
#: connection and psycopg 3's commits only when autocommit is off.
CONNECTION_TRANSACTION_TYPES = frozenset(
    {
        "psycopg2.connect()",
        "psycopg2.extensions.connection()",
        "psycopg2.pool.SimpleConnectionPool().getconn()",
        "psycopg2.pool.ThreadedConnectionPool().getconn()",
        "sqlite3.connect()",
        "sqlite3.Connection()",
    }
)


#: DB-API connections that begin a transaction before the first ``INSERT``, ``UPDATE``,
#: ``DELETE`` or ``REPLACE`` and keep it open until ``commit()``, unless autocommit is
#: on: sqlite3 and aiosqlite (which runs sqlite3 in a thread), psycopg2, psycopg 3,
#: PyMySQL, mysqlclient and aiomysql.
IMPLICIT_TRANSACTION_CONNECTIONS = frozenset(
    {
        "sqlite3.connect()",
        "sqlite3.Connection()",
        "aiosqlite.connect()",
        "aiosqlite.Connection()",
        "psycopg2.connect()",
        "psycopg2.extensions.connection()",
        "psycopg.connect()",
        "psycopg.Connection()",
        "psycopg.Connection.connect()",
        "psycopg.AsyncConnection()",
        "psycopg.AsyncConnection.connect()",
        "pymysql.connect()",
        "pymysql.connections.Connection()",
        "MySQLdb.connect()",
        "aiomysql.connect()",
    }
)
#: Connection methods that switch autocommit on when given True: psycopg 3's
#: ``set_autocommit(True)`` and the ``autocommit(True)`` of PyMySQL and mysqlclient.
AUTOCOMMIT_METHODS = frozenset({"set_autocommit", "autocommit"})
#: Their methods that run SQL text given as the first argument.
SQL_TEXT_METHODS = frozenset({"execute", "executemany"})
SQL_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def is_transaction_connection(name: str) -> bool:
    """Return True for a connection whose ``with`` block is a transaction, given as its type
    (``with conn:``) or as the call that makes it (``with sqlite3.connect(path) as conn:``)."""
    return name in CONNECTION_TRANSACTION_TYPES or name + "()" in CONNECTION_TRANSACTION_TYPES


def is_library_transaction(name: str) -> bool:
    """Return True when a context manager or decorator of another database library opens a
    transaction: one of the functions above, an ``atomic``/``transaction`` method of an
    object (Django's ``transaction.atomic`` is an opener of its own), MongoDB's
    ``start_transaction()``, zope's ``transaction.manager`` or a psycopg2 or sqlite3
    connection used as a context manager."""
    if name in LIBRARY_TRANSACTION_FUNCTIONS or name in TRANSACTION_MANAGER_OBJECTS or is_transaction_connection(name):
        return True
    receiver, _, method = name.rpartition(".")
    if not receiver:
        return False
    if method in SESSION_TRANSACTION_METHODS:
        return not receiver.startswith(TRACING_PACKAGES) and receiver not in ("sentry_sdk", "ddtrace")
    return method in LIBRARY_TRANSACTION_METHODS and not receiver.startswith("django.")

METHOD_DECORATOR = frozenset({"django.utils.decorators.method_decorator"})

#: The signal whose receivers get ``created``: True after an insert, False after an update.
POST_SAVE = "django.db.models.signals.post_save"
#: Django model signals, each group in the order Django sends them. The delete and m2m
#: signals fire inside Django's own atomic block. The groups are tuples, so that the
#: receivers linked to a write come in the same order whatever the string hash seed.
SAVE_SIGNALS = ("django.db.models.signals.pre_save", POST_SAVE)
DELETE_SIGNALS = ("django.db.models.signals.pre_delete", "django.db.models.signals.post_delete")
M2M_SIGNALS = ("django.db.models.signals.m2m_changed",)
MODEL_SIGNALS = frozenset((*SAVE_SIGNALS, *DELETE_SIGNALS, *M2M_SIGNALS))
RECEIVER_DECORATORS = frozenset({"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"})

#: SQLAlchemy session and mapper events whose listeners run inside the open transaction.
EVENTS_IN_TRANSACTION = frozenset(
    {
        "before_commit",
        "before_flush",
        "after_flush",
        "after_flush_postexec",
        "after_begin",
        "after_attach",
        "before_insert",
        "after_insert",
        "before_update",
        "after_update",
        "before_delete",
        "after_delete",
        "after_bulk_update",
        "after_bulk_delete",
        "persistent_to_deleted",
        "pending_to_persistent",
    }
)
#: Events whose listeners run once the transaction is over: they are deferrals.
EVENTS_AFTER_TRANSACTION = frozenset({"after_commit", "after_rollback", "after_soft_rollback", "after_transaction_end"})

#: The Flask-SQLAlchemy 2.x setting that commits the session when the app context ends.
COMMIT_ON_TEARDOWN = "SQLALCHEMY_COMMIT_ON_TEARDOWN"
#: Django settings that list the middleware run around every view (the second before Django 1.10).
MIDDLEWARE_SETTINGS = frozenset({"MIDDLEWARE", "MIDDLEWARE_CLASSES"})
#: Flask hooks that run after the view: a session commit in one ends each request's transaction.
FLASK_AFTER_VIEW_HOOKS = frozenset({"teardown_request", "teardown_appcontext", "after_request", "after_app_request", "teardown_app_request"})
#: Flask objects whose ``route()`` and method decorators make a function a view.
FLASK_ROUTERS = frozenset({"flask.Flask()", "flask.Blueprint()"})
FLASK_ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})

#: FastAPI's markers of a parameter filled by a dependency, and ``Annotated`` that carries one.
FASTAPI_DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})

#: Flask-SQLAlchemy signals: ``before_models_committed`` fires inside the transaction
#: (importable from ``flask_sqlalchemy`` in 2.x, from its ``track_modifications`` in 3.x).
FLASK_SQLALCHEMY_SIGNALS_IN_TRANSACTION = frozenset(
    {"flask_sqlalchemy.before_models_committed", "flask_sqlalchemy.track_modifications.before_models_committed"}
)

ADMIN_BASES = frozenset(
    {
        "django.contrib.admin.ModelAdmin",
        "django.contrib.admin.options.ModelAdmin",
        "django.contrib.admin.StackedInline",
        "django.contrib.admin.TabularInline",
        "django.contrib.admin.options.InlineModelAdmin",
    }
)
#: ModelAdmin methods Django calls inside its own ``atomic()`` block.
ADMIN_HOOKS = frozenset(
    {
        "save_model",
        "delete_model",
        "save_related",
        "save_formset",
        "delete_queryset",
        "response_add",
        "response_change",
        "response_delete",
        "log_addition",
        "log_change",
        "log_deletion",
    }
)
ADMIN_ACTION_DECORATORS = frozenset({"django.contrib.admin.action", "django.contrib.admin.decorators.action"})

VIEW_BASE_HINTS = ("View", "ViewSet", "APIView", "Mixin")
VIEW_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "dispatch",
        "form_valid",
        "perform_create",
        "perform_update",
        "perform_destroy",
        "create",
        "update",
        "partial_update",
        "destroy",
    }
)

# -- writes -----------------------------------------------------------------------------

#: Manager and queryset methods that write, with the write kind.
MANAGER_WRITES = {
    "create": "create",
    "get_or_create": "create",
    "update_or_create": "create",
    "bulk_create": "bulk",
    "bulk_update": "bulk",
}
#: Django's asynchronous ORM methods by the synchronous method each one runs: ``await
#: Wallet.objects.aget(...)`` loads a row like ``get()``. The queryset methods came with
#: Django 4.1, the model's ``asave()``, ``adelete()`` and ``arefresh_from_db()`` with 4.2.
DJANGO_ASYNC_METHODS = {
    "aget": "get", "afirst": "first", "alast": "last", "alatest": "latest",
    "aearliest": "earliest", "asave": "save", "adelete": "delete", "acreate": "create",
    "aget_or_create": "get_or_create", "aupdate_or_create": "update_or_create",
    "abulk_create": "bulk_create", "abulk_update": "bulk_update", "aupdate": "update",
    "arefresh_from_db": "refresh_from_db", "aexists": "exists", "acount": "count",
}  # fmt: skip


def sync_method(name: str) -> str:
    """Return the synchronous Django ORM method an ``a``-prefixed one runs, else ``name``."""
    return DJANGO_ASYNC_METHODS.get(name, name)


#: Methods of Django's ``UserManager`` that insert a user row. They take positional
#: arguments (``User.objects.create_user("ann", "ann@example.com", "pw")``), so they count
#: only through ``.objects`` or a known manager.
USER_MANAGER_WRITES = frozenset({"create_user", "create_superuser"})
#: QuerySet methods that return a QuerySet; ``x.lines.filter(...).delete()`` writes.
QUERYSET_STEPS = frozenset(
    {
        "all", "filter", "exclude", "select_related", "prefetch_related", "annotate", "only",
        "defer", "using", "order_by", "distinct", "select_for_update", "alias",
    }
)  # fmt: skip
#: Django relation fields whose accessors are related managers, by class name: "many" for
#: many-to-many fields (both ends are managers), "one" for foreign keys (the reverse end
#: is). django-modelcluster's parental fields behave the same.
RELATION_FIELDS = {
    "ManyToManyField": "many",
    "ParentalManyToManyField": "many",
    "ForeignKey": "one",
    "ParentalKey": "one",
}
#: Related-manager methods that write: many-to-many links, or the foreign key of the added rows.
RELATED_MANAGER_WRITES = frozenset({"add", "remove", "set", "clear"})
#: Many-to-many fields that Django's own models declare, which the project index does not read.
DJANGO_RELATIONS = {
    "django.contrib.auth.models.PermissionsMixin": ("groups", "user_permissions"),
    "django.contrib.auth.models.AbstractUser": ("groups", "user_permissions"),
    "django.contrib.auth.models.User": ("groups", "user_permissions"),
    "django.contrib.auth.models.Group": ("permissions",),
}
#: Base classes of a custom user model, whose class ``settings.AUTH_USER_MODEL`` names.
USER_MODEL_BASES = frozenset(
    {
        "django.contrib.auth.models.AbstractUser",
        "django.contrib.auth.models.AbstractBaseUser",
        "django.contrib.auth.base_user.AbstractBaseUser",
    }
)
#: Functions that return one row of the model or queryset given as their first argument.
ROW_SHORTCUTS = frozenset({"django.shortcuts.get_object_or_404"})
MANAGER_RETURNS_INSTANCE = frozenset({"create", "get", "first", "last", "latest", "earliest", "get_or_create", "update_or_create"})

SESSION_NAMES = frozenset({"session", "db_session", "dbsession", "sess", "Session", "s", "db"})
#: Session classes: a variable of one of these types is a session whatever its name.
SESSION_TYPES = frozenset(
    {
        "sqlalchemy.orm.Session()",
        "sqlalchemy.orm.session.Session()",
        "sqlalchemy.ext.asyncio.AsyncSession()",
        "sqlalchemy.orm.scoped_session()",
        "sqlmodel.Session()",
    }
)
#: SQLAlchemy engines, whose ``begin()`` and ``connect()`` hand out a Core ``Connection``.
ENGINE_TYPES = frozenset(
    {
        "sqlalchemy.create_engine()",
        "sqlalchemy.engine.create_engine()",
        "sqlalchemy.Engine()",
        "sqlalchemy.engine.Engine()",
        "sqlalchemy.ext.asyncio.create_async_engine()",
        "sqlalchemy.ext.asyncio.AsyncEngine()",
    }
)
#: SQLAlchemy Core connections, which run statements without a session.
CONNECTION_TYPES = frozenset(
    {
        "sqlalchemy.Connection()",
        "sqlalchemy.engine.Connection()",
        "sqlalchemy.engine.base.Connection()",
        "sqlalchemy.ext.asyncio.AsyncConnection()",
    }
)


def is_engine(receiver_type: str, receiver_text: str) -> bool:
    """Return True when a receiver is a SQLAlchemy engine, by its type or, where the type is
    unknown or a project name (``app.db.engine``), by a name that contains "engine"."""
    name = (receiver_type or receiver_text).removesuffix("()").rpartition(".")[2]
    return receiver_type in ENGINE_TYPES or "engine" in name.lower()


def is_core_connection(receiver_type: str, receiver_text: str) -> bool:
    """Return True when a receiver is a SQLAlchemy Core connection: typed as one, made by
    an engine's ``connect()`` or ``begin()``, or untyped and named ``conn`` or ``connection``."""
    if receiver_type in CONNECTION_TYPES:
        return True
    maker, _, method = receiver_type.removesuffix("()").rpartition(".")
    if method in ("connect", "begin") and receiver_type.endswith("()"):
        return is_engine(maker, maker)
    return not receiver_type and receiver_text.rpartition(".")[2] in ("conn", "connection")


def is_http_session(owner: str) -> bool:
    """Return True for Django's HTTP session, ``request.session``: its ``flush()``, ``delete()``
    and ``get()`` change or read a cookie-bound dictionary, not database rows."""
    return owner == "request.session" or owner.endswith(".request.session")


SESSION_METHODS = frozenset({"add", "add_all", "delete", "merge", "flush", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"})
SESSION_ENDS = frozenset({"commit", "rollback", "close"})
SESSION_READS = frozenset({"get", "query", "execute", "scalars", "scalar", "get_one"})

# -- calls that run their argument ------------------------------------------------------

#: Functions whose awaited result is that of the awaitable given first.
AWAIT_WRAPPERS = frozenset({"asyncio.wait_for", "asyncio.shield"})
CALL_WRAPPERS = frozenset(
    {"asgiref.sync.async_to_sync", "channels.db.database_sync_to_async", "asgiref.sync.sync_to_async", "asyncer.asyncify"}
)
#: Functions that run the callable at this argument position in a worker thread now:
#: ``await asyncio.to_thread(send_mail, ...)`` sends the mail on that line.
THREAD_RUNNERS = {
    "asyncio.to_thread": 0,
    "anyio.to_thread.run_sync": 0,
    "trio.to_thread.run_sync": 0,
    "starlette.concurrency.run_in_threadpool": 0,
    "fastapi.concurrency.run_in_threadpool": 0,
}
#: Methods that run the callable at this argument position in a worker thread or process:
#: ``loop.run_in_executor(None, fn, ...)`` and the ``submit(fn, ...)`` of a
#: ``concurrent.futures`` executor or a thread pool. Matched by name, because the loop or
#: executor is rarely typed where it is used.
THREAD_RUNNER_METHODS = {"run_in_executor": 1, "submit": 0}
#: ``map(fn, items)`` runs ``fn`` in a worker only on an executor or a pool, named so or
#: built from one of these classes.
POOL_CLASSES = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor()",
        "concurrent.futures.ProcessPoolExecutor()",
        "concurrent.futures.thread.ThreadPoolExecutor()",
        "concurrent.futures.process.ProcessPoolExecutor()",
        "multiprocessing.Pool()",
        "multiprocessing.pool.ThreadPool()",
    }
)
#: Classes whose instance runs a callable in a new thread or process once started, with
#: the keyword and the position that pass it: ``Thread(target=f, args=(...))``,
#: ``Timer(30, f)``. The call is taken to run at the ``start()`` of a name the instance
#: is bound to in the same function, and otherwise where the instance is built, as in
#: ``Thread(...).start()``.
THREAD_STARTERS = {
    "threading.Thread": ("target", 1),
    "threading.Timer": ("function", 1),
    "multiprocessing.Process": ("target", 1),
    "multiprocessing.get_context().Process": ("target", 1),
    "multiprocessing.context.Process": ("target", 1),
}

# -- deferrals --------------------------------------------------------------------------

DEFERRALS = frozenset(
    {
        "django.db.transaction.on_commit",
        "django.db.connection.on_commit",
    }
)
DEFERRED_METHODS = frozenset({"delay_on_commit", "apply_async_on_commit", "after_commit", "on_commit"})
#: Django's ``on_commit(func, using=None)``, which hooks ``func`` to the atomic block open on
#: the ``using`` database and calls it at once when that database has none open.
ON_COMMIT_BY_ALIAS = frozenset({"django.db.transaction.on_commit"})

# -- side effects -----------------------------------------------------------------------

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream", "urlopen"})
#: The HTTP methods that only read: a call of one whose response is used fetches data.
HTTP_READ_VERBS = frozenset({"get", "head", "options"})

_EXACT = {
    # e-mail
    "django.core.mail.send_mail": "email",
    "django.core.mail.send_mass_mail": "email",
    "django.core.mail.mail_admins": "email",
    "django.core.mail.mail_managers": "email",
    "django.core.mail.EmailMessage().send": "email",
    "django.core.mail.EmailMultiAlternatives().send": "email",
    "django.core.mail.message.EmailMessage().send": "email",
    "django.core.mail.message.EmailMultiAlternatives().send": "email",
    "django.core.mail.get_connection().send_messages": "email",
    # HTTP
    "urllib.request.urlopen": "HTTP request",
    "urllib3.request": "HTTP request",
    "aiohttp.request": "HTTP request",
    # task queues
    "celery.current_app.send_task": "task enqueue",
    "django_rq.enqueue": "task enqueue",
    # Channels
    "channels.layers.get_channel_layer().group_send": "channel-layer send",
    "channels.layers.get_channel_layer().send": "channel-layer send",
    # Celery canvases run when called: ``chain(a.s(), b.s())()``, ``chord(header)(callback)``
    "celery.chain()": "task enqueue",
    "celery.group()": "task enqueue",
    "celery.chord()": "task enqueue",
    "celery.canvas.chain()": "task enqueue",
    "celery.canvas.group()": "task enqueue",
    "celery.canvas.chord()": "task enqueue",
    "django_q.tasks.async_task": "task enqueue",
    "aiosmtplib.send": "email",
    "pywebpush.webpush": "push notification",
    # django-webpush
    "webpush.send_user_notification": "push notification",
    "webpush.send_group_notification": "push notification",
    "webpush.utils.send_user_notification": "push notification",
    "webpush.utils.send_group_notification": "push notification",
    # search engines: bulk helpers and django-elasticsearch-dsl's document registry
    "elasticsearch.helpers.bulk": "search index write",
    "elasticsearch.helpers.streaming_bulk": "search index write",
    "elasticsearch.helpers.parallel_bulk": "search index write",
    "elasticsearch.helpers.async_bulk": "search index write",
    "elasticsearch.helpers.async_streaming_bulk": "search index write",
    "opensearchpy.helpers.bulk": "search index write",
    "opensearchpy.helpers.streaming_bulk": "search index write",
    "opensearchpy.helpers.parallel_bulk": "search index write",
    "opensearchpy.helpers.async_bulk": "search index write",
    "django_elasticsearch_dsl.registries.registry.update": "search index write",
    "django_elasticsearch_dsl.registries.registry.delete": "search index write",
    "django_elasticsearch_dsl.registries.registry.update_related": "search index write",
    "django_elasticsearch_dsl.registries.registry.delete_related": "search index write",
    # django-haystack's signal processor, built from HAYSTACK_SIGNAL_PROCESSOR
    "haystack.signal_processor.handle_save": "search index write",
    "haystack.signal_processor.handle_delete": "search index write",
}

#: Redis commands that hand data to other processes, by the kind of send each one is.
REDIS_SEND_KINDS = {
    "publish": "Redis publish",
    "spublish": "Redis publish",
    "xadd": "append to a Redis stream",
    "lpush": "push onto a Redis list",
    "rpush": "push onto a Redis list",
}
_REDIS_SENDS = frozenset(REDIS_SEND_KINDS)
_RQ_QUEUE_ENQUEUES = frozenset({"enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "enqueue_many", "enqueue_job"})
_RQ_SCHEDULER_ENQUEUES = frozenset({"enqueue_at", "enqueue_in", "schedule", "cron"})
#: APScheduler 3's schedulers, and 4's ``Scheduler`` and ``AsyncScheduler``.
_APSCHEDULERS = (
    "apscheduler.schedulers.background.BackgroundScheduler()",
    "apscheduler.schedulers.blocking.BlockingScheduler()",
    "apscheduler.schedulers.asyncio.AsyncIOScheduler()",
    "apscheduler.schedulers.gevent.GeventScheduler()",
    "apscheduler.schedulers.tornado.TornadoScheduler()",
    "apscheduler.schedulers.twisted.TwistedScheduler()",
    "apscheduler.schedulers.qt.QtScheduler()",
    "apscheduler.Scheduler()",
    "apscheduler.AsyncScheduler()",
    "flask_apscheduler.APScheduler()",
)
_APSCHEDULER_ADDS = frozenset({"add_job", "add_schedule"})

#: Methods that write to object storage: google-cloud-storage's ``Blob`` and ``Bucket``,
#: azure-storage-blob's clients, MinIO's client, and the fsspec file systems of s3fs,
#: gcsfs and adlfs.
_GCS_WRITES = frozenset(
    {"upload_from_string", "upload_from_filename", "upload_from_file", "compose", "rewrite", "copy_blob", "rename_blob", "delete_blob", "delete_blobs"}
)
_AZURE_BLOB_WRITES = frozenset(
    {"upload_blob", "stage_block", "commit_block_list", "delete_blob", "delete_blobs", "start_copy_from_url", "set_blob_metadata"}
)
_MINIO_WRITES = frozenset({"put_object", "fput_object", "copy_object", "compose_object", "remove_object", "remove_objects"})
_FILESYSTEM_WRITES = frozenset({"put", "put_file", "pipe", "pipe_file", "rm", "rm_file", "mv", "copy", "touch", "write_bytes", "write_text"})

#: nats-py clients: ``nats.connect()``'s result, or one typed ``nats.NATS`` or ``Client``.
_NATS_CLIENTS = ("nats.connect()", "nats.NATS()", "nats.aio.client.Client()", "nats.aio.client.NATS()")
_NATS_SENDS = frozenset({"publish", "request"})
_JETSTREAM_SENDS = frozenset({"publish", "publish_async"})

_INSTANCE_PREFIXES = {
    # prefix of an instance type -> (kind, methods or None for every method)
    "smtplib.SMTP()": ("email", frozenset({"sendmail", "send_message"})),
    "smtplib.SMTP_SSL()": ("email", frozenset({"sendmail", "send_message"})),
    "requests.Session()": ("HTTP request", HTTP_VERBS),
    "requests.session()": ("HTTP request", HTTP_VERBS),
    "httpx.Client()": ("HTTP request", HTTP_VERBS),
    "httpx.AsyncClient()": ("HTTP request", HTTP_VERBS),
    "urllib3.PoolManager()": ("HTTP request", HTTP_VERBS),
    "urllib3.HTTPConnectionPool()": ("HTTP request", HTTP_VERBS),
    "aiohttp.ClientSession()": ("HTTP request", HTTP_VERBS),
    "http.client.HTTPConnection()": ("HTTP request", frozenset({"request", "putrequest"})),
    "http.client.HTTPSConnection()": ("HTTP request", frozenset({"request", "putrequest"})),
    "httplib2.Http()": ("HTTP request", frozenset({"request"})),
    "requests_oauthlib.OAuth2Session()": ("HTTP request", HTTP_VERBS),
    "tornado.httpclient.AsyncHTTPClient()": ("HTTP request", frozenset({"fetch"})),
    "aiosmtplib.SMTP()": ("email", frozenset({"sendmail", "send_message"})),
    "flask_mail.Mail()": ("email", frozenset({"send", "send_message"})),
    "yagmail.SMTP()": ("email", frozenset({"send"})),
    "paho.mqtt.client.Client()": ("broker publish", frozenset({"publish"})),
    "rq.Queue()": ("task enqueue", _RQ_QUEUE_ENQUEUES),
    "rq.queue.Queue()": ("task enqueue", _RQ_QUEUE_ENQUEUES),
    "django_rq.get_queue()": ("task enqueue", _RQ_QUEUE_ENQUEUES),
    # rq-scheduler: a job stored for later, which a scheduler process moves to the queue
    "rq_scheduler.Scheduler()": ("task enqueue", _RQ_SCHEDULER_ENQUEUES),
    "rq_scheduler.scheduler.Scheduler()": ("task enqueue", _RQ_SCHEDULER_ENQUEUES),
    "django_rq.get_scheduler()": ("task enqueue", _RQ_SCHEDULER_ENQUEUES),
    # arq: the pool that create_pool() returns
    "arq.create_pool()": ("task enqueue", frozenset({"enqueue_job"})),
    "arq.connections.create_pool()": ("task enqueue", frozenset({"enqueue_job"})),
    "arq.connections.ArqRedis()": ("task enqueue", frozenset({"enqueue_job"})),
    "arq.ArqRedis()": ("task enqueue", frozenset({"enqueue_job"})),
    # Dramatiq: a message given to the broker, and groups and pipelines of messages
    "dramatiq.get_broker()": ("task enqueue", frozenset({"enqueue"})),
    "dramatiq.group()": ("task enqueue", frozenset({"run"})),
    "dramatiq.pipeline()": ("task enqueue", frozenset({"run"})),
    # Huey: a task instance enqueued through the Huey object
    "huey.RedisHuey()": ("task enqueue", frozenset({"enqueue"})),
    "huey.PriorityRedisHuey()": ("task enqueue", frozenset({"enqueue"})),
    "huey.RedisExpireHuey()": ("task enqueue", frozenset({"enqueue"})),
    "huey.SqliteHuey()": ("task enqueue", frozenset({"enqueue"})),
    "huey.FileHuey()": ("task enqueue", frozenset({"enqueue"})),
    "huey.Huey()": ("task enqueue", frozenset({"enqueue"})),
    "huey.api.Huey()": ("task enqueue", frozenset({"enqueue"})),
    # APScheduler: a job added to a scheduler that is running runs on the scheduler's own
    # thread or event loop, from a job store that does not share the caller's transaction
    **{scheduler: ("task enqueue", _APSCHEDULER_ADDS) for scheduler in _APSCHEDULERS},
    # push notification services
    "apns2.client.APNsClient()": ("push notification", frozenset({"send_notification", "send_notification_batch", "send_notification_async"})),
    "aioapns.APNs()": ("push notification", frozenset({"send_notification"})),
    "aioapns.client.APNs()": ("push notification", frozenset({"send_notification"})),
    "exponent_server_sdk.PushClient()": ("push notification", frozenset({"publish", "publish_multiple"})),
    "gobiko.apns.APNsClient()": ("push notification", frozenset({"send_message", "send_bulk_message"})),
    "kafka.KafkaProducer()": ("Kafka publish", frozenset({"send"})),
    "confluent_kafka.Producer()": ("Kafka publish", frozenset({"produce"})),
    "aiokafka.AIOKafkaProducer()": ("Kafka publish", frozenset({"send", "send_and_wait"})),
    "redis.Redis()": ("Redis publish", _REDIS_SENDS),
    "redis.StrictRedis()": ("Redis publish", _REDIS_SENDS),
    "redis.from_url()": ("Redis publish", _REDIS_SENDS),
    "redis.Redis.from_url()": ("Redis publish", _REDIS_SENDS),
    "kombu.Producer()": ("broker publish", frozenset({"publish"})),
    "kombu.Connection().Producer()": ("broker publish", frozenset({"publish"})),
    "kombu.Connection().SimpleQueue()": ("broker publish", frozenset({"put"})),
    "pika.BlockingConnection().channel()": ("broker publish", frozenset({"basic_publish"})),
    "django_redis.get_redis_connection()": ("Redis publish", _REDIS_SENDS),
    "redis.asyncio.Redis()": ("Redis publish", _REDIS_SENDS),
    "redis.asyncio.StrictRedis()": ("Redis publish", _REDIS_SENDS),
    "redis.asyncio.from_url()": ("Redis publish", _REDIS_SENDS),
    "redis.asyncio.Redis.from_url()": ("Redis publish", _REDIS_SENDS),
    # nats-py: core NATS publishes and requests, and JetStream publishes
    **{client: ("broker publish", _NATS_SENDS) for client in _NATS_CLIENTS},
    **{f"{client}.jetstream()": ("broker publish", _JETSTREAM_SENDS) for client in _NATS_CLIENTS},
    "nats.js.JetStreamContext()": ("broker publish", _JETSTREAM_SENDS),
    "nats.js.client.JetStreamContext()": ("broker publish", _JETSTREAM_SENDS),
}

#: Packages whose senders hand messages to a broker: Azure Service Bus's
#: ``client.get_queue_sender(...).send_messages(msg)`` (sync and ``aio``), and Azure
#: Event Hubs' producer client. Matched on any name reached from the package.
_PACKAGE_SENDS = {
    "azure.servicebus.": ("broker publish", frozenset({"send_messages", "schedule_messages"})),
    "azure.eventhub.": ("broker publish", frozenset({"send_batch", "send_event"})),
    # object storage: blob handles reached from the client, however deep
    "google.cloud.storage.": ("remote storage write", _GCS_WRITES),
    "azure.storage.blob.": ("remote storage write", _AZURE_BLOB_WRITES),
    "minio.": ("remote storage write", _MINIO_WRITES),
    "s3fs.": ("remote storage write", _FILESYSTEM_WRITES),
    "gcsfs.": ("remote storage write", _FILESYSTEM_WRITES),
    "adlfs.": ("remote storage write", _FILESYSTEM_WRITES),
}

#: Django models of push libraries whose rows, and querysets of rows, send to the devices
#: they store: fcm-django's ``FCMDevice.objects.filter(user=u).send_message(msg)`` and
#: django-push-notifications' ``device.send_message("hi")``.
PUSH_DEVICE_MODELS = (
    "fcm_django.models.FCMDevice",
    "push_notifications.models.APNSDevice",
    "push_notifications.models.GCMDevice",
    "push_notifications.models.WNSDevice",
    "push_notifications.models.WebPushDevice",
)
PUSH_DEVICE_SENDS = frozenset({"send_message", "send_bulk_message"})

#: Django's file storages: the default one, the ones that ``STORAGES`` configures
#: (``storages["exports"]``), and instances of Django's and django-storages' backend
#: classes, including project classes derived from them. Their ``save()`` and ``delete()``
#: write the file at once, on local disk or in a bucket, and a rollback neither removes
#: nor restores it.
FILE_STORAGE_OBJECTS = frozenset({"django.core.files.storage.default_storage", "django.core.files.storage.storages[]"})
FILE_STORAGE_BASES = frozenset({"django.core.files.storage.Storage", "django.core.files.storage.FileSystemStorage"})
FILE_STORAGE_PACKAGES = ("storages.backends.",)
FILE_STORAGE_WRITES = frozenset({"save", "delete"})
_FILE_STORAGE_PREFIXES = tuple(f"{name}." for name in sorted(FILE_STORAGE_OBJECTS))


#: Django's cache, by name and as an item of ``caches``. Deleting a key inside a transaction
#: lets a reader between the delete and the COMMIT load the old rows and cache them again,
#: so the cache serves stale values until the key expires.
CACHE_HANDLES = frozenset({"django.core.cache.cache", "django.core.cache.caches[]"})
CACHE_INVALIDATIONS = frozenset({"delete", "delete_many", "clear", "adelete", "adelete_many", "aclear", "delete_pattern"})


def cache_invalidation(target: str) -> bool:
    """Return True for a key deleted from Django's cache: ``cache.delete(key)``,
    ``caches["prices"].delete_many(keys)``, or django-redis's ``delete_pattern()``."""
    owner, _, method = target.rpartition(".")
    return method in CACHE_INVALIDATIONS and owner in CACHE_HANDLES


def file_storage_write(target: str) -> bool:
    """Return True for ``save()`` or ``delete()`` on a Django file storage known by name:
    ``default_storage.save(name, content)`` or ``S3Boto3Storage().delete(name)``."""
    owner, _, method = target.rpartition(".")
    if method not in FILE_STORAGE_WRITES:
        return False
    if owner in FILE_STORAGE_OBJECTS:
        return True
    if not owner.endswith("()") or "(" in owner[:-2]:
        return False
    klass = owner[:-2]
    return klass in FILE_STORAGE_BASES or klass.startswith(FILE_STORAGE_PACKAGES)


def push_device_send(target: str) -> bool:
    """Return True for a send through a device model of a push library, on a row or a queryset."""
    owner, _, method = target.rpartition(".")
    if method not in PUSH_DEVICE_SENDS:
        return False
    if owner.partition("()")[0] in PUSH_DEVICE_MODELS:
        return True  # a row: ``fcm_django.models.FCMDevice().send_message``
    return any(owner.startswith(model + ".objects") for model in PUSH_DEVICE_MODELS)


#: Client objects of remote APIs: every method reached from one, however deep
#: (``client.messages.create``, ``client.verify.v2.services(sid).verifications.create``),
#: calls the service, except a capitalised name, which only builds a local object.
SDK_CLIENTS = {
    "boto3.client()": "AWS call",
    "boto3.resource()": "AWS call",
    "boto3.session.Session().client()": "AWS call",
    "boto3.session.Session().resource()": "AWS call",
    "boto3.Session().client()": "AWS call",
    "boto3.Session().resource()": "AWS call",
    "stripe.StripeClient()": "Stripe API call",
    "braintree.BraintreeGateway()": "Braintree API call",
    "braintree.braintree_gateway.BraintreeGateway()": "Braintree API call",
    "twilio.rest.Client()": "Twilio API call",
    "slack_sdk.WebClient()": "Slack API call",
    "slack_sdk.web.WebClient()": "Slack API call",
    "slack_sdk.web.client.WebClient()": "Slack API call",
    "slack_sdk.web.async_client.AsyncWebClient()": "Slack API call",
    "slack_sdk.webhook.WebhookClient()": "Slack API call",
    "slack_sdk.webhook.async_client.AsyncWebhookClient()": "Slack API call",
    "slack.WebClient()": "Slack API call",
    "sendgrid.SendGridAPIClient()": "email",
    "postmarker.core.PostmarkClient()": "email",
    "mailchimp_transactional.Client()": "email",
    "vonage.Client()": "SMS API call",
    "plivo.RestClient()": "SMS API call",
    "pusher.Pusher()": "push notification",
    "pusher.pusher.Pusher()": "push notification",
    "pusher_push_notifications.PushNotifications()": "push notification",
    "pyfcm.FCMNotification()": "push notification",
    "pyfcm.fcm.FCMNotification()": "push notification",
    "onesignal_sdk.client.Client()": "push notification",
    "onesignal.api.default_api.DefaultApi()": "push notification",
    "onesignal.Client()": "push notification",
    "onesignalclient.app_client.OneSignalAppClient()": "push notification",
    "telegram.Bot()": "Telegram API call",
    "google.cloud.pubsub_v1.PublisherClient()": "broker publish",
    "google.cloud.pubsub.PublisherClient()": "broker publish",
    "google.cloud.tasks_v2.CloudTasksClient()": "task enqueue",
    # aioboto3's clients are boto3's with coroutine methods: ``async with session.client("sqs") as sqs``
    "aioboto3.Session().client()": "AWS call",
    "aioboto3.Session().resource()": "AWS call",
    "aioboto3.session.Session().client()": "AWS call",
    "aioboto3.session.Session().resource()": "AWS call",
    "aiobotocore.session.get_session().create_client()": "AWS call",
    "aiobotocore.session.AioSession().create_client()": "AWS call",
}
#: Each client followed by the dot of its methods, for one ``str.startswith`` test.
_SDK_CLIENT_PREFIXES = tuple(prefix + "." for prefix in SDK_CLIENTS)
#: Methods of an SDK client that only configure it or read its own state.
SDK_LOCAL_METHODS = frozenset({"close", "topic_path", "queue_path", "task_path", "get_paginator", "get_waiter", "can_paginate"})
#: Parts of an SDK client that work offline: Braintree's gateway parses and verifies
#: webhook notifications, and builds sample ones, without calling the API.
SDK_LOCAL_PARTS = frozenset({"webhook_notification", "webhook_testing"})

#: Methods that add, change or remove documents in a search engine's index.
_ELASTICSEARCH_WRITES = frozenset(
    {"index", "create", "update", "delete", "bulk", "update_by_query", "delete_by_query", "reindex", "put_script"}
)
_ALGOLIA_WRITES = frozenset(
    {
        "save_object", "save_objects", "add_object", "add_objects", "add_or_update_object",
        "partial_update_object", "partial_update_objects", "delete_object", "delete_objects",
        "delete_by", "clear_objects", "replace_all_objects", "batch", "multiple_batch",
    }
)  # fmt: skip
_MEILISEARCH_WRITES = frozenset(
    {
        "add_documents", "add_documents_in_batches", "update_documents", "update_documents_in_batches",
        "delete_document", "delete_documents", "delete_all_documents", "delete_documents_by_filter",
    }
)  # fmt: skip
#: Search engine clients by type, with their write methods. A write is matched however
#: deep it sits below the client: ``es.indices.create``, Meilisearch's
#: ``client.index("movies").add_documents``, Algolia's ``client.init_index("a").save_objects``
#: and Typesense's ``client.collections["books"].documents.upsert``.
SEARCH_CLIENTS = {
    "elasticsearch.Elasticsearch()": _ELASTICSEARCH_WRITES,
    "elasticsearch.AsyncElasticsearch()": _ELASTICSEARCH_WRITES,
    "elasticsearch_dsl.connections.get_connection()": _ELASTICSEARCH_WRITES,
    "elasticsearch_dsl.connections.connections.get_connection()": _ELASTICSEARCH_WRITES,
    "opensearchpy.OpenSearch()": _ELASTICSEARCH_WRITES,
    "opensearchpy.AsyncOpenSearch()": _ELASTICSEARCH_WRITES,
    "algoliasearch.search_client.SearchClient.create()": _ALGOLIA_WRITES,
    "algoliasearch.search_client.SearchClient()": _ALGOLIA_WRITES,
    "algoliasearch.algoliasearch.Client()": _ALGOLIA_WRITES,
    "algoliasearch.search.client.SearchClient()": _ALGOLIA_WRITES,
    "algoliasearch.search.client.SearchClientSync()": _ALGOLIA_WRITES,
    "meilisearch.Client()": _MEILISEARCH_WRITES,
    "meilisearch_python_sdk.Client()": _MEILISEARCH_WRITES,
    "meilisearch_python_sdk.AsyncClient()": _MEILISEARCH_WRITES,
    "typesense.Client()": frozenset({"create", "upsert", "update", "delete", "import_"}),
    # django-haystack: ``connections["default"].get_unified_index().get_index(Note).update_object(note)``
    # and the backend's ``connections["default"].get_backend().update(index, rows)``
    "haystack.connections[]": frozenset({"update", "update_object", "remove", "remove_object", "clear", "reindex"}),
}
_SEARCH_CLIENT_PREFIXES = tuple(prefix + "." for prefix in SEARCH_CLIENTS)
#: Document classes of search engine libraries. A project class derived from one writes to
#: the index in its ``save()``, ``update()`` and ``delete()``; django-elasticsearch-dsl's
#: ``update(instance)`` indexes model rows.
SEARCH_DOCUMENT_BASES = frozenset(
    {
        "elasticsearch_dsl.Document",
        "elasticsearch_dsl.AsyncDocument",
        "elasticsearch_dsl.DocType",
        "elasticsearch_dsl.document.Document",
        "elasticsearch.dsl.Document",
        "elasticsearch.dsl.AsyncDocument",
        "opensearchpy.Document",
        "opensearchpy.helpers.document.Document",
        "django_elasticsearch_dsl.Document",
        "django_elasticsearch_dsl.documents.Document",
        "django_elasticsearch_dsl.documents.DocType",
        "django_opensearch_dsl.Document",
        "django_opensearch_dsl.documents.Document",
    }
)
SEARCH_DOCUMENT_WRITES = frozenset({"save", "update", "delete"})
#: django-haystack's index classes. A project index derived from one sends the documents
#: of its model's rows to the search engine in these methods.
HAYSTACK_INDEX_BASES = frozenset({"haystack.indexes.SearchIndex", "haystack.indexes.BasicSearchIndex", "haystack.indexes.ModelSearchIndex"})
HAYSTACK_INDEX_WRITES = frozenset({"update", "update_object", "remove_object", "clear", "reindex"})
#: django-haystack's signal processors, whose ``handle_save()`` and ``handle_delete()``
#: update or remove the document of the row given. ``RealtimeSignalProcessor`` connects
#: them to every model's ``post_save`` and ``post_delete``.
HAYSTACK_SIGNAL_PROCESSORS = frozenset({"haystack.signals.BaseSignalProcessor", "haystack.signals.RealtimeSignalProcessor"})
HAYSTACK_SIGNAL_PROCESSOR_WRITES = frozenset({"handle_save", "handle_delete"})
#: The methods that write to the search index, by the library class that an instance's
#: class is or derives from.
SEARCH_CLASS_WRITES = {
    **{base: SEARCH_DOCUMENT_WRITES for base in SEARCH_DOCUMENT_BASES},
    **{base: HAYSTACK_INDEX_WRITES for base in HAYSTACK_INDEX_BASES},
    **{base: HAYSTACK_SIGNAL_PROCESSOR_WRITES for base in HAYSTACK_SIGNAL_PROCESSORS},
}
SEARCH_CLASS_WRITE_METHODS = SEARCH_DOCUMENT_WRITES | HAYSTACK_INDEX_WRITES | HAYSTACK_SIGNAL_PROCESSOR_WRITES

_MODULE_PREFIXES = {
    # module prefix -> (kind, functions or None for every call below it)
    "requests": ("HTTP request", HTTP_VERBS),
    "requests.api": ("HTTP request", HTTP_VERBS),
    "httpx": ("HTTP request", HTTP_VERBS),
    "stripe": ("Stripe API call", None),
    "firebase_admin.messaging": ("push notification", frozenset({"send", "send_all", "send_each", "send_multicast", "send_each_for_multicast"})),
}
#: Payment SDKs whose capitalised resource classes call the provider from their class
#: methods, with the kind of call and the classes or modules that stay local (they parse
#: or verify webhooks, or hold settings). Lowercase modules below the package, such as
#: ``stripe.error``, are local too: ``stripe.Charge.create`` (stripe 2
#: to 12) and ``braintree.Transaction.sale`` (braintree 4) are API calls.
RESOURCE_CLASS_SDKS = {
    "stripe": ("Stripe API call", ("Webhook", "WebhookSignature")),
    "braintree": ("Braintree API call", ("Configuration", "Environment", "WebhookNotification", "WebhookTesting", "ErrorCodes")),
}


def resource_class_call(target: str) -> str | None:
    """Return the kind of a call of a payment SDK's resource class, such as
    ``braintree.Customer.create``, or None."""
    package, _, rest = target.partition(".")
    sdk = RESOURCE_CLASS_SDKS.get(package)
    if sdk is None or "(" in rest or "." not in rest:
        return None
    kind, local = sdk
    resource = rest.partition(".")[0]
    if not resource[:1].isupper() or resource in local:
        return None
    return kind

#: Method names that are an enqueue or a publish whatever the receiver is.
ANY_RECEIVER_METHODS = {
    "delay": "task enqueue",
    "apply_async": "task enqueue",
    "send_task": "task enqueue",
    "send_with_options": "task enqueue",
    "enqueue_call": "task enqueue",
    "basic_publish": "broker publish",
    "group_send": "channel-layer send",
    "email_user": "email",
}
#: Method names that are an enqueue or a publish when the receiver's name says so.
HINTED_METHODS = {
    "enqueue": ("task enqueue", ("queue", "rq")),
    # arq's pool and RQ's queue; typed receivers are matched in _INSTANCE_PREFIXES
    "enqueue_job": ("task enqueue", ("queue", "pool", "redis", "arq", "rq")),
    "enqueue_at": ("task enqueue", ("queue", "rq", "scheduler")),
    "enqueue_in": ("task enqueue", ("queue", "rq", "scheduler")),
    "publish": ("broker publish", ("redis", "producer", "publisher", "channel", "broker", "kafka", "rabbit", "exchange", "pubsub", "bus", "nats", "jetstream")),
    "produce": ("Kafka publish", ("producer", "kafka")),
    "send": ("message send", ("producer", "kafka", "channel_layer", "sqs", "sns")),
    "sendmail": ("email", ("smtp", "server", "mail")),
    "send_message": ("email", ("smtp", "server")),
    "send_messages": ("email", ("connection", "backend", "mail")),
    "urlopen": ("HTTP request", ("pool", "http")),
    "put_object": ("AWS call", ("s3", "client", "bucket")),
    "publish_message": ("broker publish", ("publisher", "pubsub")),
    "send_immediately": ("email", ("mailer",)),
}
#: Methods matched by their name alone, above. A method of that name that a project class
#: defines runs the project's code, which the call chain follows instead.
NAME_MATCHED_METHODS = frozenset(ANY_RECEIVER_METHODS) | frozenset(HINTED_METHODS)
#: Receivers whose ``send()`` sends an e-mail when their type is unknown, as for the
#: ``mail = Mail()`` that Flask-Mail's docs create in an extensions module.
MAILER_NAMES = frozenset({"mail", "mailer"})
DRAMATIQ_ACTORS = frozenset({"dramatiq.actor", "dramatiq.actor()", "django_dramatiq.actor"})

#: Task decorators whose function, called plainly, enqueues itself (Huey): ``render(pk)``.
ENQUEUE_ON_CALL = frozenset({"huey.contrib.djhuey.task", "huey.contrib.djhuey.db_task", "huey.api.Huey().task"})
#: The same decorators as methods of a Huey instance: ``@huey.task()`` after ``huey = RedisHuey()``.
HUEY_TASK_METHODS = frozenset({"task", "db_task", "context_task"})
#: Methods of such a task that enqueue it: ``remind.schedule(args=(pk,), delay=3600)``
#: stores it for the consumer, which may run it before the caller's transaction commits.
HUEY_TASK_ENQUEUES = frozenset({"schedule"})


def is_task_decorator(name: str) -> bool:
    """Return True for ``shared_task``, ``app.task``, ``celery.task`` and ``periodic_task`` decorators."""
    name = name.removesuffix("()")
    owner, _, last = name.rpartition(".")
    if last == "shared_task":
        return True
    if last in ("task", "periodic_task"):
        holder = owner.rpartition(".")[2].lower()
        return owner.startswith("celery") or "celery" in holder or "app" in holder
    return False


def enqueues_on_call(decorator: str) -> bool:
    """Return True when a function with this (qualified) decorator enqueues itself when called."""
    name = decorator.removesuffix("()")
    if name in ENQUEUE_ON_CALL:
        return True
    owner, _, method = name.rpartition(".")
    return owner.startswith("huey.") and owner.endswith("()") and method in HUEY_TASK_METHODS


#: pyramid_mailer's ``Mailer`` methods that deliver at once. Its ``send()``,
#: ``send_sendmail()`` and ``send_to_queue()`` join the zope transaction and deliver only
#: when it commits, so they are no side effect inside it.
PYRAMID_MAILER_SENDS_NOW = frozenset({"send_immediately", "send_immediately_sendmail"})

#: Functions that open a file at a URI and take the mode second, by how they treat a
#: path given as a variable. smart_open is used for remote storage (``s3://``, ``gs://``,
#: ``azure://``, ``hdfs://``, ``http://``), so such a path counts as remote. fsspec as
#: often opens local files, so for it only a literal URI with a scheme counts. The ``open()`` of
#: a remote file system object writes to the store whatever the path.
URI_OPENERS = {
    "smart_open.open": "remote",
    "smart_open.smart_open": "remote",
    "smart_open.smart_open_lib.open": "remote",
    "fsspec.open": "literal",
    "s3fs.S3FileSystem().open": "always",
    "gcsfs.GCSFileSystem().open": "always",
    "adlfs.AzureBlobFileSystem().open": "always",
}
WRITE_MODE_LETTERS = frozenset("wax")


def remote_open_write(target: str | None, string_args: list[str]) -> bool:
    """Return True for ``smart_open.open(uri, "w")`` and the like: a write to remote storage,
    made while the file is written and when it is closed. A literal URI without a scheme
    is a local file. ``string_args`` are the call's string literals, with the mode last,
    whether it was given by position or as ``mode="w"``.
    """
    paths = URI_OPENERS.get(target or "")
    if paths is None or not string_args:
        return False
    mode = string_args[-1]
    if not mode or len(mode) > 3 or not set(mode) & WRITE_MODE_LETTERS or set(mode) - set("rwaxbt+"):
        return False
    if paths == "always":
        return True
    if len(string_args) == 1:
        return paths == "remote"  # the path is not a literal
    return "://" in string_args[0] and not string_args[0].startswith("file://")


def package_send(target: str) -> str | None:
    """Return the kind of a send through a package in ``_PACKAGE_SENDS``, or None."""
    method = target.rpartition(".")[2]
    for package, (kind, methods) in _PACKAGE_SENDS.items():
        if target.startswith(package) and method in methods:
            return kind
    return None


@dataclass(frozen=True)
class Effect:
    """A call recognised as reaching the outside world."""

    kind: str  # "email", "HTTP request", "task enqueue", ...
    name: str  # what to show: the qualified name, or the source text


def sdk_client_call(target: str) -> str | None:
    """Return the kind of a call made through an SDK client object, or None.

    ``twilio.rest.Client().messages.create`` is one; ``boto3.resource().Bucket`` only
    builds a local handle (its methods make the calls), and neither is the client itself.
    """
    if not target.startswith(_SDK_CLIENT_PREFIXES):
        return None
    last = target.rpartition(".")[2]
    if last[:1].isupper() or last in SDK_LOCAL_METHODS or not SDK_LOCAL_PARTS.isdisjoint(target.split(".")):
        return None
    return next(kind for prefix, kind in SDK_CLIENTS.items() if target.startswith(prefix + "."))


def search_client_call(target: str) -> bool:
    """Return True when a call through a search engine client writes to its index."""
    if not target.startswith(_SEARCH_CLIENT_PREFIXES):
        return False
    prefix = next(prefix for prefix in SEARCH_CLIENTS if target.startswith(prefix + "."))
    return target.rpartition(".")[2] in SEARCH_CLIENTS[prefix]


def search_client_method(target: str) -> bool:
    """Return True when ``target`` is a method called directly on a search engine client, such as ``es.get``."""
    prefix = next((prefix for prefix in _SEARCH_CLIENT_PREFIXES if target.startswith(prefix)), None)
    return prefix is not None and "." not in target[len(prefix) :]


def is_external_api(target: str) -> bool:
    """Return True for calls into remote APIs whose ``create`` is not an ORM write."""
    if target.startswith(("stripe.", "braintree.", "boto3.", "aioboto3.")) or target.partition("()")[0] in _INSTANCE_PREFIXES:
        return True
    if target.startswith(_FILE_STORAGE_PREFIXES):
        return True  # a configured storage's handle: storages["exports"]
    return target.startswith(_SDK_CLIENT_PREFIXES + _SEARCH_CLIENT_PREFIXES)


def classify_side_effect(target: str | None, text: str, extra: dict[str, str]) -> Effect | None:
    """Return the side effect a call makes, from its qualified name or its source text.

    ``extra`` maps configured qualified names (or name prefixes ending in ``.``) to kinds.
    """
    attr = text.rpartition(".")[2]
    if attr in DEFERRED_METHODS:
        return None
    if target:
        if target in _EXACT:
            return Effect(_EXACT[target], target)
        if target.startswith("pyramid_mailer."):
            return Effect("email", target) if attr in PYRAMID_MAILER_SENDS_NOW else None
        package_kind = package_send(target)
        if package_kind is not None:
            return Effect(package_kind, target)
        for configured, kind in extra.items():
            if target == configured or (configured.endswith(".") and target.startswith(configured)):
                return Effect(kind, target)
        sdk_kind = sdk_client_call(target)
        if sdk_kind is not None:
            return Effect(sdk_kind, target)
        if search_client_call(target):
            return Effect("search index write", target)
        if push_device_send(target):
            return Effect("push notification", target)
        for prefix, (kind, methods) in _INSTANCE_PREFIXES.items():
            if target.startswith(prefix + "."):
                rest = target[len(prefix) + 1 :]
                if "." in rest or "(" in rest:
                    continue
                if (methods is None and not rest[:1].isupper()) or (methods is not None and rest in methods):
                    return Effect(REDIS_SEND_KINDS[rest] if kind == "Redis publish" else kind, target)
        module, _, function = target.rpartition(".")
        if module in _MODULE_PREFIXES:
            kind, functions = _MODULE_PREFIXES[module]
            # A module-level ``set_...`` of an SDK (``stripe.set_app_info``) only configures the client.
            if functions is None and function.startswith("set_"):
                pass
            elif functions is None or function in functions:
                return Effect(kind, target)
        resource_kind = resource_class_call(target)
        if resource_kind is not None:
            return Effect(resource_kind, target)
        if file_storage_write(target):
            return Effect("file storage write", target)
        if cache_invalidation(target):
            return Effect("cache invalidation", target)
    if attr in ANY_RECEIVER_METHODS:
        return Effect(ANY_RECEIVER_METHODS[attr], target or text)
    if attr in ("send", *HUEY_TASK_ENQUEUES) and target and "()" not in target:
        # A Dramatiq actor or a Huey task imported from a tasks module that is not linted:
        # ``from app.tasks import resize``, then ``resize.send(pk)`` or ``resize.schedule(...)``.
        module_parts = target.split(".")[:-2]
        if any(part in ("tasks", "actors", "jobs", "workers") for part in module_parts):
            return Effect("task enqueue", target)
    if attr in HINTED_METHODS and not (target and "()" not in target and target.count(".") >= 1 and target.split(".")[0] in _HINT_BLOCKLIST):
        kind, hints = HINTED_METHODS[attr]
        receiver = text.rpartition(".")[0].lower()
        if receiver and any(hint in receiver.rpartition(".")[2] for hint in hints):
            return Effect(kind, target or text)
        if attr == "send" and receiver.rpartition(".")[2] in MAILER_NAMES:
            return Effect("email", target or text)  # Flask-Mail's extension object: mail.send(msg)
    return None


#: Modules whose methods share a name with a side effect but stay in-process.
_HINT_BLOCKLIST = frozenset({"django", "sqlalchemy", "asyncio", "queue", "multiprocessing", "threading", "blinker"})
