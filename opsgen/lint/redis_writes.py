"""Redis commands that write one record in several steps, outside MULTI/EXEC.

Redis runs each command on its own. A session stored as a hash, its expiry and its entry
in the user's index of sessions are three commands, and a client that fails between them
leaves a hash that never expires or an index that misses it. ``MULTI``/``EXEC`` runs the
queued commands together: redis-py's ``pipeline()`` queues them so (``transaction=True``
is its default, and ``r.transaction(func, *keys)`` hands ``func`` such a pipeline), and a
Lua script is atomic as well. A pipeline made with ``transaction=False`` only saves round
trips, and its commands still run one by one.

Two commands write one record when they name the same key, or when a value that a key is
built from appears in the other command's key or arguments (``session:{token}`` and
``sadd(f"user:{user_id}:sessions", token)``). Counters, expiries and values stored with
their expiry in the same command (``setex()``, ``set(..., ex=60)``, a cache entry) join
only a command on the same key. So a page cached under ``page:{slug}`` and a view count
under ``views:{slug}`` are separate facts, while ``incr(key)`` then ``expire(key, 60)``
leaves a key that never expires when the client fails between them.

Two counter commands are never one record: they count separate things, or the second
gives back what the first took (``hincrby("stock", sku, -n)``, then ``+n`` when the stock
ran out). A key set only when missing (``set(key, 0, nx=True)``, ``setnx()``,
``hsetnx()``) holds the value that any caller would start from, so a later write to it
is not a second step. An expiry set apart from it is one, though: ``setnx(lock, 1)``
then ``expire(lock, 10)`` leaves a lock that never expires. A trim joins nothing, because the next call
trims again.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from opsgen.lint.rule import walk_scope
from opsgen.lint.summary import CallSite, dotted_text

#: Commands that set a key or field only when it is missing.
INITIALIZERS = frozenset({"setnx", "hsetnx", "msetnx"})
#: Commands that store a value, an element or a member.
STORES = frozenset(
    {
        "set", "getset", "mset", "append", "setrange", "hset", "hsetnx", "hmset",
        "sadd", "smove", "zadd", "lpush", "rpush", "lpushx", "rpushx", "lset", "linsert", "lmove",
        "rpoplpush", "xadd", "geoadd", "rename", "renamenx", "copy",
    }
)  # fmt: skip
#: Commands that add to a counter: a statistic beside a record unless they share its key.
COUNTERS = frozenset({"incr", "incrby", "incrbyfloat", "decr", "decrby", "hincrby", "hincrbyfloat", "zincrby", "pfadd", "setbit"})
#: Commands that set or clear a key's expiry.
EXPIRES = frozenset({"expire", "pexpire", "expireat", "pexpireat", "persist"})
#: Commands that remove keys, fields, members or elements.
DELETES = frozenset({"delete", "unlink", "hdel", "srem", "zrem", "lrem", "lpop", "rpop", "spop", "xdel", "getdel"})
#: Commands that cut a list, stream or sorted set down to a bound. Every call cuts again, so
#: one missed after a push (``lpush()`` then ``ltrim(key, 0, 99)``) is made up by the next.
TRIMS = frozenset({"ltrim", "xtrim", "zremrangebyscore", "zremrangebyrank", "zremrangebylex"})
WRITE_COMMANDS = INITIALIZERS | STORES | COUNTERS | EXPIRES | DELETES | TRIMS
#: Commands that store a value with its expiry in one step, as a cache does.
CACHE_STORES = frozenset({"setex", "psetex"})
#: Keywords of ``set()`` that give the value an expiry.
EXPIRY_KEYWORDS = frozenset({"ex", "px", "exat", "pxat"})
#: Commands whose leading arguments are all keys.
ALL_KEYS = frozenset({"delete", "unlink"})
#: Commands whose first two arguments are keys.
TWO_KEYS = frozenset({"smove", "lmove", "rpoplpush", "rename", "renamenx", "copy"})
#: Commands whose mapping argument has the keys: ``mset({"a": 1, "b": 2})``.
MAPPING_KEYS = frozenset({"mset", "msetnx"})
#: Qualified-name prefixes of Redis clients. An instance's method reads ``redis.Redis().hset``.
CLIENT_PACKAGES = ("redis.", "aioredis.", "django_redis.", "coredis.")
#: The last part of a qualified Redis client or pipeline, by its class or the call that returns it.
CLIENT_TYPES = frozenset(
    {"Redis()", "StrictRedis()", "RedisCluster()", "from_url()", "get_redis_connection()", "pipeline()", "Pipeline()", "ClusterPipeline()"}
)


@dataclass(frozen=True)
class RedisWrite:
    """One command that writes to Redis on its own."""

    call: ast.Call
    site: CallSite
    kind: str  # "initial", "store", "cache", "counter", "expire", "delete" or "trim"
    keys: tuple[str, ...]  # each key expression, dumped
    key_names: frozenset[str]  # the values the keys are built from
    names: frozenset[str]  # the values any argument uses


def command_kind(call: ast.Call) -> str | None:
    """Return the kind of write a Redis command makes, or None for a read or another call."""
    if not isinstance(call.func, ast.Attribute):
        return None
    method = call.func.attr
    keywords = {keyword.arg for keyword in call.keywords if not (isinstance(keyword.value, ast.Constant) and not keyword.value.value)}
    if method in CACHE_STORES or (method == "set" and keywords & EXPIRY_KEYWORDS):
        return "cache"
    if method == "set" and "nx" in keywords:
        return "initial"
    kinds = (("initial", INITIALIZERS), ("store", STORES), ("counter", COUNTERS), ("expire", EXPIRES), ("delete", DELETES), ("trim", TRIMS))
    for kind, commands in kinds:
        if method in commands:
            return kind
    return None


def may_write_twice(calls: Iterable[CallSite]) -> bool:
    """Return True when the function calls two or more Redis write commands: a cheap test on the summary."""
    count = 0
    for call in calls:
        method = call.text.rpartition(".")[2]
        if (method in WRITE_COMMANDS or method in CACHE_STORES) and is_client_call(call):
            count += 1
    return count >= 2


def is_client_call(call: CallSite) -> bool:
    """Return True for a method of a Redis client or pipeline: by the qualified callee
    (``redis.Redis().hset``), or by a receiver named for Redis (``self.redis.hset``)."""
    target = call.target or ""
    if target.startswith(CLIENT_PACKAGES) and target.rpartition(".")[0].rpartition(".")[2] in CLIENT_TYPES:
        return True
    receiver = call.text.rpartition(".")[0]
    return "redis" in receiver.rpartition(".")[2].lower()


def _pipeline_call(value: ast.expr) -> ast.Call | None:
    """Return the ``pipeline(...)`` call that ``value`` makes or chains from, else None."""
    node: ast.expr = value.value if isinstance(value, ast.Await) else value
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "pipeline":
                return node
            node = node.func
        else:
            node = node.value
    return None


def _is_transaction(pipeline: ast.Call) -> bool:
    """Return True unless the pipeline is made with ``transaction=False``, redis-py's only
    pipeline that does not wrap its commands in MULTI/EXEC."""
    for keyword in pipeline.keywords:
        if keyword.arg == "transaction":
            return not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
    if pipeline.args:
        first = pipeline.args[0]
        return not (isinstance(first, ast.Constant) and first.value is False)
    return True


def _pipelines(nodes: list[ast.AST]) -> dict[str, bool]:
    """Return the names bound to a pipeline, each with whether it runs as one transaction.
    A pipeline that later calls ``multi()`` runs its queued commands as one."""
    found: dict[str, bool] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            pipeline = _pipeline_call(node.value)
            if pipeline is not None:
                found[node.targets[0].id] = _is_transaction(pipeline)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                pipeline = _pipeline_call(item.context_expr)
                if pipeline is not None and isinstance(item.optional_vars, ast.Name):
                    found[item.optional_vars.id] = _is_transaction(pipeline)
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "multi":
            receiver = dotted_text(node.func.value)
            if receiver in found:
                found[receiver] = True
    return found


def _queued(call: ast.Call, site: CallSite, pipelines: dict[str, bool]) -> bool:
    """Return True when ``call`` is queued on a pipeline that runs as one transaction."""
    assert isinstance(call.func, ast.Attribute)
    receiver = call.func.value
    if isinstance(receiver, ast.Name) and receiver.id in pipelines:
        return pipelines[receiver.id]
    pipeline = _pipeline_call(receiver)
    if pipeline is not None:
        return _is_transaction(pipeline)
    # A pipeline reached otherwise (self.pipe, a Pipeline parameter) is taken to be one.
    target = site.target or ""
    return "pipeline" in dotted_text(receiver).lower() or ".pipeline()." in target or "Pipeline()." in target


def _names(nodes: Iterable[ast.expr], bound: dict[str, frozenset[str]]) -> frozenset[str]:
    """Return the values that ``nodes`` use: names and attribute chains, apart from called
    functions, ``self`` and upper-case constants, with the values of local names bound to
    another expression (``key = f"session:{token}"`` gives ``key`` and ``token``)."""
    found: set[str] = set()
    for expr in nodes:
        called = {id(node.func) for node in [expr, *walk_scope(expr)] if isinstance(node, ast.Call)}
        for node in [expr, *walk_scope(expr)]:
            if id(node) in called or not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            if isinstance(node, ast.Attribute) and not isinstance(node.value, (ast.Name, ast.Attribute)):
                continue
            text = dotted_text(node)
            if "?" in text or text == "self" or text.isupper():
                continue
            found.add(text)
            found |= bound.get(text, frozenset())
    # An attribute chain stands for its value, so drop the names it is made of.
    return frozenset(name for name in found if not any(other.startswith(name + ".") for other in found) or name in bound)


def _key_expressions(call: ast.Call) -> list[ast.expr]:
    assert isinstance(call.func, ast.Attribute)
    method = call.func.attr
    named = [keyword.value for keyword in call.keywords if keyword.arg in ("name", "key", "src", "dst", "source", "destination")]
    if method in ALL_KEYS:
        return [*call.args, *named]
    if method in MAPPING_KEYS:
        mapping = call.args[0] if call.args else None
        return [key for key in mapping.keys if key is not None] if isinstance(mapping, ast.Dict) else []
    count = 2 if method in TWO_KEYS else 1
    return [*call.args[:count], *named]


def redis_writes(
    function: ast.FunctionDef | ast.AsyncFunctionDef, sites: dict[tuple[int, int], CallSite]
) -> list[RedisWrite]:
    """Return the Redis write commands that ``function`` sends on their own, outside a
    pipeline that runs as one transaction, in source order. ``sites`` are the function's
    calls from its summary, by line and column."""
    nodes = sorted((node for node in walk_scope(function) if hasattr(node, "lineno")), key=lambda n: (getattr(n, "lineno"), getattr(n, "col_offset")))
    pipelines = _pipelines(nodes)
    bound: dict[str, frozenset[str]] = {}
    writes = []
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound[node.targets[0].id] = _names([node.value], bound)
            continue
        if not isinstance(node, ast.Call):
            continue
        kind = command_kind(node)
        site = sites.get((node.lineno, node.col_offset))
        if kind is None or site is None or not is_client_call(site) or _queued(node, site, pipelines):
            continue
        keys = _key_expressions(node)
        if not keys:
            continue
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        writes.append(
            RedisWrite(node, site, kind, tuple(ast.dump(key) for key in keys), _names(keys, bound), _names(arguments, bound))
        )
    return writes


def _related(first: RedisWrite, second: RedisWrite) -> bool:
    """Return True when two commands write one record (see the module's docstring)."""
    if "trim" in (first.kind, second.kind):
        return False
    if first.kind == "counter" and second.kind == "counter":
        return False  # two statistics, or a change and the one that gives it back
    same_key = bool(set(first.keys) & set(second.keys))
    if "initial" in (first.kind, second.kind):
        return same_key and "expire" in (first.kind, second.kind)
    if same_key:
        return True
    if first.kind in ("counter", "expire", "cache") or second.kind in ("counter", "expire", "cache"):
        return False
    return bool(first.key_names & second.names or second.key_names & first.names)


def record_writes(writes: list[RedisWrite]) -> list[RedisWrite]:
    """Return the largest group of ``writes`` that write one record, when it has two or more
    commands and one of them stores or counts (deletes and expiries alone are a cleanup),
    else an empty list."""
    groups: list[list[RedisWrite]] = []
    for write in writes:
        joined = [group for group in groups if any(_related(write, member) for member in group)]
        merged = [write, *(member for group in joined for member in group)]
        groups = [group for group in groups if group not in joined] + [merged]
    best: list[RedisWrite] = []
    for group in groups:
        if len(group) >= 2 and any(member.kind not in ("expire", "delete") for member in group) and len(group) > len(best):
            best = group
    return sorted(best, key=lambda write: (write.call.lineno, write.call.col_offset))
