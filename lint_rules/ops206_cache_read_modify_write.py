"""OPS206: a cache, Redis, MongoDB or search engine value read, changed in Python and written back."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.knowledge import search_client_method
from opsgen.lint.orm import callee_name, candidate_functions, is_lock_name, scope_nodes, takes_lock
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary, dotted_text

#: Read method -> (the writes paired with it, how many leading arguments name the key).
#: A MongoDB document is named by the filter that ``find_one()`` and the update share, a
#: sorted-set member by ``zscore(key, member)`` and the mapping ``zadd(key, {member: score})``.
READ_WRITE_PAIRS = {
    "get": (frozenset({"set", "setex", "psetex", "getset"}), 1),
    "get_or_set": (frozenset({"set", "setex", "psetex"}), 1),
    "hget": (frozenset({"hset"}), 2),
    "hgetall": (frozenset({"hset", "hmset"}), 1),
    "zscore": (frozenset({"zadd"}), 2),
    "lrange": (frozenset({"rpush", "lpush", "lset"}), 1),
    "lindex": (frozenset({"lset"}), 2),
    "smembers": (frozenset({"sadd"}), 1),
    "find_one": (frozenset({"update_one", "replace_one", "find_one_and_update", "find_one_and_replace"}), 1),
}
#: How many leading arguments of a write name the key, where fewer than its read's:
#: ``lrange(key, 0, -1)`` and ``rpush(key, value)`` share only the key.
WRITE_KEY_COUNTS = {"zadd": 1, "rpush": 1, "lpush": 1, "sadd": 1}
#: Keyword arguments of a write that carry the value written.
VALUE_KEYWORDS = frozenset({"value", "mapping", "document", "body", "doc", "update", "replacement"})
#: Search engine reads of one document -> the writes that store it again. The document is
#: named by the ``index`` and ``id`` arguments the two calls share.
DOCUMENT_READ_WRITE_PAIRS = {
    "get": frozenset({"index", "update", "create"}),
    "get_source": frozenset({"index", "update", "create"}),
}
#: Keyword arguments that make a search document write conditional on the version read
#: (optimistic concurrency control): the engine rejects it when another write came between.
#: ``version`` counts only together with ``version_type``.
CONDITIONAL_WRITE_KEYWORDS = frozenset({"if_seq_no", "if_primary_term"})
#: Qualified names of cache, Redis and MongoDB clients, instances written with ``()``.
CACHE_CLIENTS = (
    "django.core.cache.cache", "django.core.cache.caches", "redis.", "django_redis.", "flask_caching.",
    "aioredis.", "pymongo.", "motor.",
)  # fmt: skip
#: Methods that add to a list or set in place: a value read, grown so and written back.
#: A dictionary's ``update()`` or ``d[k] = v`` is left out: that is how a memo of computed
#: values grows, and a lost entry is only computed again.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "add", "appendleft"})
#: Reads that test whether a key is set -> (the writes that set it, how many leading
#: arguments name the key), for a key used as a lock or a once-only marker.
GUARD_PAIRS = {
    "exists": (frozenset({"set", "setex", "psetex"}), 1),
    "get": (frozenset({"set", "setex", "psetex"}), 1),
    "has_key": (frozenset({"set"}), 1),
    "hexists": (frozenset({"hset"}), 2),
    "hget": (frozenset({"hset"}), 2),
}
#: How many arguments come between the key and the value: ``setex(key, seconds, value)`` has the expiry.
VALUE_OFFSETS = {"set": 0, "setex": 1, "psetex": 1, "hset": 0}
#: MongoDB writes that change the document ``find_one()`` read, when a check of that read
#: guards them: the check is made on a copy that another writer may change first.
DOCUMENT_GUARDED_WRITES = frozenset({"update_one", "find_one_and_update"})
#: Update operators whose change depends on the document's state (a counter, an array),
#: so a check of the old value does not hold for the write. ``$set`` counts only with a
#: value from a variable: two callers that both set one constant leave what one would.
CHANGING_OPERATORS = frozenset({"$inc", "$mul", "$push", "$pull", "$pop", "$addToSet", "$min", "$max"})
#: Calls whose result is a marker, not data computed from the key: a time, a token, a process id.
MARKER_CALLS = frozenset({"time", "now", "utcnow", "monotonic", "uuid4", "uuid1", "getpid", "gethostname", "isoformat", "str"})
ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _is_marker(value: ast.expr, names: frozenset[str] = frozenset()) -> bool:
    """Return True for a value that only marks a key as taken: a constant, ``time.time()``,
    ``timezone.now()``, ``str(uuid4())``, ``os.getpid()``, or one of ``names``, the local
    names bound to such a value (``token = str(uuid4())``)."""
    if isinstance(value, ast.Name):
        return value.id in names
    if isinstance(value, ast.Constant):
        return value.value is not None
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.operand, ast.Constant)
    if isinstance(value, ast.Call) and callee_name(value.func) in MARKER_CALLS:
        return all(_is_marker(argument) for argument in value.args)
    return False


def _document_key(call: ast.Call) -> list[str] | None:
    """Return the ``index`` and ``id`` a search engine call names a document by, dumped, or None without an id."""
    arguments = {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}
    index = arguments.get("index", call.args[0] if call.args else None)
    document_id = arguments.get("id")
    if index is None or document_id is None:
        return None
    return [ast.dump(index), ast.dump(document_id)]


def _written_values(call: ast.Call, read: ast.Call, document: bool) -> list[ast.expr] | None:
    """Return the arguments that carry what ``call`` writes when it writes what ``read`` read
    (the same key, hash field, sorted-set member or, with ``document``, search document), else None."""
    assert isinstance(read.func, ast.Attribute) and isinstance(call.func, ast.Attribute)
    method = call.func.attr
    keywords = [keyword.value for keyword in call.keywords if keyword.arg in VALUE_KEYWORDS]
    if document:
        if method not in DOCUMENT_READ_WRITE_PAIRS[read.func.attr] or _document_key(call) != _document_key(read):
            return None
        names = {keyword.arg for keyword in call.keywords}
        if names & CONDITIONAL_WRITE_KEYWORDS or {"version", "version_type"} <= names:
            return None
        return keywords
    writes, read_keys = READ_WRITE_PAIRS[read.func.attr]
    key_count = min(read_keys, WRITE_KEY_COUNTS.get(method, read_keys))
    if method not in writes or len(read.args) < read_keys or len(call.args) < key_count:
        return None
    if [ast.dump(a) for a in call.args[:key_count]] != [ast.dump(a) for a in read.args[:key_count]]:
        return None
    values = [*call.args[key_count:], *keywords]
    if method == "zadd" and values and isinstance(values[0], ast.Dict):
        # zadd(key, {member: score}): only the score of the member zscore() read.
        member = ast.dump(read.args[1])
        return [score for name, score in zip(values[0].keys, values[0].values) if name is not None and ast.dump(name) == member]
    return values or None


def _pipeline_clients(nodes: list[ast.AST]) -> dict[str, str]:
    """Return the local names bound to a Redis pipeline (``pipe = r.pipeline()``, ``with
    r.pipeline(transaction=True) as pipe:``), each with its client ``r`` dumped."""
    pipelines: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            pipelines.pop(node.targets[0].id, None)
            client = _pipeline_call_client(node.value)
            if client is not None:
                pipelines[node.targets[0].id] = client
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                client = _pipeline_call_client(item.context_expr)
                if client is not None and isinstance(item.optional_vars, ast.Name):
                    pipelines[item.optional_vars.id] = client
    return pipelines


def _pipeline_call_client(value: ast.expr) -> str | None:
    """Return the client of ``r.pipeline(...)``, dumped, or None for another expression."""
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "pipeline":
        return ast.dump(value.func.value)
    return None


def _client_of(receiver: ast.expr, pipelines: dict[str, str]) -> str:
    """Return the receiver a command goes to, dumped: a pipeline's client for a command queued
    on it (``pipe.set(...)``, ``r.pipeline().set(...)``), else the receiver itself.

    MULTI/EXEC runs the queued commands together, but a value read before them, outside
    the pipeline, is not part of the transaction: without WATCH the write may still lose
    another client's update.
    """
    if isinstance(receiver, ast.Name) and receiver.id in pipelines:
        return pipelines[receiver.id]
    return _pipeline_call_client(receiver) or ast.dump(receiver)


def _document_fields(expr: ast.AST, variable: str, derived: dict[str, set[str]]) -> set[str]:
    """Return the top-level fields of the document ``variable`` that ``expr`` reads:
    ``doc["seats"]``, ``doc.get("seats", 0)``, or a name in ``derived`` bound from one."""
    fields: set[str] = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in derived:
            fields |= derived[node.id]
            continue
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == variable:
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == variable
            and node.args
        ):
            key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            fields.add(key.value.partition(".")[0])
    return fields


def _changed_fields(update: ast.expr) -> dict[str, str]:
    """Return the top-level fields a MongoDB update document changes from their current state,
    each with its operator: ``{"$inc": {"seats": -n}}`` changes ``seats``.

    ``$set`` and ``$unset`` count only for a value that is not a constant.
    """
    changed: dict[str, str] = {}
    if not isinstance(update, ast.Dict):
        return changed
    for operator, fields in zip(update.keys, update.values):
        if not (isinstance(operator, ast.Constant) and isinstance(operator.value, str) and isinstance(fields, ast.Dict)):
            continue
        if operator.value not in CHANGING_OPERATORS | {"$set"}:
            continue
        for field, value in zip(fields.keys, fields.values):
            if not (isinstance(field, ast.Constant) and isinstance(field.value, str)):
                continue
            if operator.value == "$set" and not any(isinstance(node, ast.Name) for node in ast.walk(value)):
                continue
            changed.setdefault(field.value.partition(".")[0], operator.value)
    return changed


def _filter_fields(query: ast.expr) -> set[str]:
    """Return the top-level fields a MongoDB filter dictionary tests, ``$and`` and ``$or`` parts included."""
    fields: set[str] = set()
    for node in ast.walk(query):
        if isinstance(node, ast.Dict):
            fields |= {k.value.partition(".")[0] for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return {field for field in fields if not field.startswith("$")}


def _same_document(query: ast.expr, read_query: ast.expr, variable: str) -> bool:
    """Return True when an update's filter selects the document ``find_one(read_query)``
    returned into ``variable``: the same filter, or ``{"_id": doc["_id"]}``."""
    if ast.dump(query) == ast.dump(read_query):
        return True
    if not (isinstance(query, ast.Dict) and query.keys):
        return False
    read_pairs = {ast.dump(k): ast.dump(v) for k, v in zip(read_query.keys, read_query.values) if k} if isinstance(read_query, ast.Dict) else {}
    for key, value in zip(query.keys, query.values):
        if key is None:
            return False
        if read_pairs.get(ast.dump(key)) == ast.dump(value):
            continue
        if not (isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == variable):
            return False
    return True


def _compares_read_value(query: ast.expr, variable: str) -> bool:
    """Return True when an update's filter matches a field other than ``_id`` against the
    value read into ``variable`` (``{"_id": d["_id"], "version": d["version"]}``): a
    compare-and-set that matches nothing when another write came first."""
    if not isinstance(query, ast.Dict):
        return False
    for key, value in zip(query.keys, query.values):
        is_id = isinstance(key, ast.Constant) and key.value == "_id"
        if not is_id and _document_fields(value, variable, {}):
            return True
    return False


def _ends_with_exit(statement: ast.If) -> bool:
    return bool(statement.body) and isinstance(statement.body[-1], ENDS_BLOCK)


class CacheReadModifyWrite(Rule):
    """Flags a value read from a cache, Redis or MongoDB and written back computed from what was read.

    What it does:
        Reports ``x = cache.get(key)`` (Django's cache, ``caches[...]``, Flask-Caching,
        a Redis client, or a receiver whose name ends in ``cache`` or contains ``redis``) when
        the function later calls ``set()`` on the same receiver and key with a value built
        from ``x`` (``count + 1``, ``items + [new]``), or with ``x`` itself after adding to
        it (``x += 1``, ``x[k] += 1``, ``x.append(...)``), or with a name computed from
        ``x`` (``n = x + 1``). Django's ``get_or_set()`` reads too, and ``setex()``,
        ``psetex()`` and ``getset()`` write. Other Redis command pairs count on the same key:
        ``hget``/``hset`` on one hash field, ``hgetall``/``hset``, ``zscore``/``zadd`` on one
        sorted-set member, ``lrange``/``rpush``, ``lpush`` or ``lset``, ``lindex``/``lset``
        and ``smembers``/``sadd`` with a value computed from the members (members added
        again as they are only repeat a set union). So does a MongoDB document read with ``find_one(filter)``
        and written back with ``update_one()``, ``replace_one()`` or
        ``find_one_and_update()`` on the same filter, and a search engine document
        (Elasticsearch, OpenSearch) read with ``get()`` or ``get_source()`` and stored with
        ``index()``, ``update(doc=...)`` or ``create()`` under the same ``index`` and ``id``.
        A MongoDB document read with ``find_one()`` whose field an ``if`` checks
        (``if doc["seats"] < n: raise``) is reported when ``update_one()`` or
        ``find_one_and_update()`` of the same document then changes that field under the
        check (``$inc``, ``$push`` and the other operators that build on the stored value,
        or ``$set`` of a variable) with a filter that does not test the field nor match
        another field against the value read (``"version": doc["version"]``).
        A Redis write queued on a pipeline of the client read from (``pipe =
        r.pipeline(transaction=True)``, ``with r.pipeline() as pipe:``,
        ``r.pipeline().set(...)``) counts as a write on that client: MULTI/EXEC runs the
        queued commands together but does not take in a read made before them.
        Not reported: code inside ``with <lock>:`` or after a call that takes a lock
        (``cache.lock(key)``) or a Redis ``watch()``, a read through a pipeline that
        later calls ``multi()`` (as in the function passed to ``r.transaction(func,
        key)``), a search document write passed ``if_seq_no``/``if_primary_term`` or
        ``version`` with ``version_type``, memo shapes
        that store a freshly computed value or a dictionary grown with ``update()`` or
        ``d[k] = v`` (a lost entry is only computed again), and tests.

        The guard shape is reported too: a key used as a lock or a once-only marker, tested
        with ``exists()``, ``get()``, ``has_key()``, ``hexists()`` or ``hget()`` in an
        ``if`` (or read into a name that an ``if`` tests), then set with ``set()``,
        ``setex()``, ``psetex()`` or ``hset()`` to a marker value (a constant, a time, a
        token, or a local name bound to one) on the same receiver and key, inside the ``if`` or after an ``if`` that
        returns or raises. A write with ``nx=True`` sets the key only when it is missing,
        in one step, and is not reported.

    Why is this bad:
        Two requests read the same value and both write their own change: a rate limiter
        counts one hit for two, a list kept in the cache loses one of two appends. Caches
        and Redis offer atomic operations for this (``incr``, ``HINCRBY``, ``ZINCRBY``,
        ``add``, Lua scripts, WATCH/MULTI), a search engine rejects a write conditional on
        the sequence number read when another write came between, or a lock can cover the
        read and the write.

    Example:
        count = cache.get(key, 0)
        cache.set(key, count + 1, timeout=60)

    Use instead:
        cache.add(key, 0, timeout=60)
        count = cache.incr(key)
    """

    code = "OPS206"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS206 {variable} is read from {receiver} and written back with {write}() computed from "
        "the value read, so concurrent calls lose updates; use an atomic operation "
        "(incr(), Redis INCRBY, HINCRBY or ZINCRBY, a Lua script or a WATCH/MULTI pipeline, MongoDB $inc) "
        "or hold a lock around the read and the write"
    )
    #: The message for a value read from the client and written back through a pipeline.
    PIPELINE_MESSAGE = (
        "OPS206 {variable} is read from {receiver} and written back with {write}() queued on a "
        "pipeline, computed from the value read; MULTI/EXEC does not take in a read made before it, "
        "so concurrent calls lose updates; watch() the key before the read and retry on WatchError, "
        "or use an atomic operation (incr(), INCRBY, HINCRBY, a Lua script)"
    )
    #: The message for a search engine document read and indexed again.
    DOCUMENT_MESSAGE = (
        "OPS206 {variable} is read from the search index with {receiver}.{read}() and stored again "
        "with {write}() computed from it, so concurrent calls overwrite each other's change; pass "
        "if_seq_no= and if_primary_term= from the read (or version= with version_type=) and retry "
        "on a conflict, or change the document in one step with an update script"
    )
    #: The message for a MongoDB document field checked, then changed with an unconditional update.
    DOCUMENT_GUARD_MESSAGE = (
        "OPS206 {variable} is read from {receiver} with find_one() and its field {field} checked, then "
        "{write}() changes {field} with a filter that does not repeat the check, so two concurrent "
        "calls both pass it; repeat the check in the update's filter "
        '({{"{field}": {condition}}}) and test matched_count, or hold a lock around the read and the write'
    )
    #: The message for a key tested and then set as a lock or a once-only marker.
    GUARD_MESSAGE = (
        "OPS206 {receiver}.{read}() tests a key that {write}() sets in a second step, so two "
        "concurrent calls both find it unset and both go on; set it only when it is missing, in "
        "one step: Redis set(key, value, nx=True) (SETNX), cache.add(), or a Lua script"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        for node in candidate_functions(module, self.may_read_and_write):
            yield from self.check_function(module, node)

    @staticmethod
    def may_read_and_write(function: FunctionSummary) -> bool:
        """Return True when the function calls a read and its paired write on one receiver."""
        methods: dict[str, set[str]] = {}
        for call in function.calls:
            receiver, _, method = call.text.rpartition(".")
            methods.setdefault(receiver, set()).add(method)
        if any(method == "pipeline" for found in methods.values() for method in found):
            # A write queued on a Redis pipeline (pipe = r.pipeline()) writes through the
            # client that r.get() read from: the receivers differ in the text.
            methods = {"": {method for found in methods.values() for method in found}}
        pairs = [*READ_WRITE_PAIRS.items(), *GUARD_PAIRS.items()]
        if any(read in found and writes & found for found in methods.values() for read, (writes, _) in pairs):
            return True
        return any(read in found and writes & found for found in methods.values() for read, writes in DOCUMENT_READ_WRITE_PAIRS.items())

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        summary = module.function_at(function.lineno)
        # The qualified callee of each call, by position: ``board.zscore`` is
        # ``redis.Redis().zscore`` when ``board = redis.Redis()`` at module level.
        targets = {(call.line, call.column): call.target or "" for call in summary.calls} if summary else {}
        # scope_nodes() walks breadth first; the read must come before the write, so sort.
        nodes = sorted(
            (n for n in scope_nodes(function.body) if hasattr(n, "lineno")),
            key=lambda n: (getattr(n, "lineno"), getattr(n, "col_offset")),
        )
        lock_lines = [n.lineno for n in nodes if isinstance(n, ast.Call) and callee_name(n.func) and is_lock_name(callee_name(n.func))]
        lock_blocks = [
            (n.lineno, n.end_lineno or n.lineno)
            for n in nodes
            if isinstance(n, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in n.items)
        ]

        # A Redis WATCH before the read makes the later MULTI/EXEC fail when the key changed.
        watch_lines = [n.lineno for n in nodes if isinstance(n, ast.Call) and callee_name(n.func) == "watch"]
        pipelines = _pipeline_clients(nodes)
        # A pipeline returns what it reads only in immediate mode, after WATCH: one that also
        # calls multi() (redis-py's transaction(func, key) hands such a pipeline to func)
        # reads under WATCH, and EXEC fails when the key changed.
        watched_pipelines = {
            ast.dump(n.func.value) for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "multi"
        }

        def unlocked(line: int) -> bool:
            if any(lock < line for lock in lock_lines + watch_lines):
                return False
            return not any(start <= line <= end for start, end in lock_blocks)

        reported: set[int] = set()
        for finding in self.check_guards(module, nodes, pipelines):
            if unlocked(finding.line):
                reported.add(finding.line)
                yield finding
        reads: dict[str, tuple[ast.stmt, ast.Call, bool]] = {}  # variable -> (statement, read call, reads a search document)
        mutated: set[str] = set()
        derived: dict[str, set[str]] = {}  # read variable -> local names computed from it
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                found = self.cache_read(module, node.value, targets)
                reads.pop(name, None)
                mutated.discard(name)
                for names in derived.values():
                    names.discard(name)
                if found is not None:
                    reads[name] = (node, *found)
                    derived[name] = set()
                else:
                    used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
                    for variable in reads:
                        if used & ({variable} | derived[variable]):
                            derived[variable].add(name)  # views = page["views"] + 1
                continue
            if isinstance(node, ast.AugAssign):
                # count += 1, or counts[k] += 1: the new value is built from the read.
                target = node.target.value if isinstance(node.target, ast.Subscript) else node.target
                if isinstance(target, ast.Name):
                    mutated.add(target.id)
                continue
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            owner = node.func.value
            if node.func.attr in MUTATING_METHODS and isinstance(owner, ast.Name):
                mutated.add(owner.id)
                continue
            for variable, (statement, read, document) in list(reads.items()):
                if not self.writes_back(node, read, document, variable, variable in mutated, derived.get(variable, set()), pipelines):
                    continue
                if not unlocked(statement.lineno) or statement.lineno in reported:
                    continue
                assert isinstance(read.func, ast.Attribute)
                if ast.dump(read.func.value) in watched_pipelines:
                    continue
                del reads[variable]
                receiver = dotted_text(read.func.value)
                if document:
                    message = self.DOCUMENT_MESSAGE.format(variable=variable, receiver=receiver, read=read.func.attr, write=node.func.attr)
                elif _client_of(node.func.value, pipelines) != ast.dump(node.func.value):
                    message = self.PIPELINE_MESSAGE.format(variable=variable, receiver=receiver, write=node.func.attr)
                else:
                    message = self.MESSAGE.format(variable=variable, receiver=receiver, write=node.func.attr)
                reported.add(statement.lineno)
                yield module.finding(self.code, message, statement.lineno, statement.col_offset)
        for finding in self.check_document_guards(module, nodes, targets):
            if unlocked(finding.line) and finding.line not in reported:
                reported.add(finding.line)
                yield finding

    def check_guards(self, module: ModuleContext, nodes: list[ast.AST], pipelines: dict[str, str]) -> Iterator[Finding]:
        """Report a key tested with a read and then set to a marker in a second step, on the
        client read from or on a pipeline of it (``pipelines``, as ``writes_back()`` takes)."""
        bound: dict[str, tuple[ast.stmt, ast.Call]] = {}  # name -> (statement, read) it was bound by
        guards: list[tuple[ast.If, ast.stmt, ast.Call]] = []  # (if, statement that read, read)
        markers: set[str] = set()  # names bound to a marker value
        clients: set[str] = set()  # names bound to a client: conn = get_redis_connection("default")
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if isinstance(node.value, ast.Call) and self.makes_client(module, node.value):
                    clients.add(name)
                else:
                    clients.discard(name)
                read = self.guard_read(module, node.value, clients)
                if read is not None:
                    bound[name] = (node, read)
                else:
                    bound.pop(name, None)
                if _is_marker(node.value, frozenset(markers)):
                    markers.add(name)
                else:
                    markers.discard(name)
            elif isinstance(node, ast.If):
                read = self.guard_read(module, node.test, clients)
                if read is not None:
                    guards.append((node, node, read))
                    continue
                for part in ast.walk(node.test):
                    if isinstance(part, ast.Name) and part.id in bound:
                        guards.append((node, *bound[part.id]))
                        break
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                for test, statement, read in guards:
                    end = test.end_lineno or test.lineno
                    covered = test.lineno < node.lineno <= end or (_ends_with_exit(test) and node.lineno > end)
                    if covered and self.sets_marker(node, read, frozenset(markers), pipelines):
                        assert isinstance(read.func, ast.Attribute)
                        message = self.GUARD_MESSAGE.format(
                            receiver=dotted_text(read.func.value), read=read.func.attr, write=node.func.attr
                        )
                        yield module.finding(self.code, message, statement.lineno, statement.col_offset)
                        guards = [guard for guard in guards if guard[2] is not read]
                        break

    def check_document_guards(
        self, module: ModuleContext, nodes: list[ast.AST], targets: dict[tuple[int, int], str]
    ) -> Iterator[Finding]:
        """Report a MongoDB document read with ``find_one()``, a field of it checked in an
        ``if``, and the field changed by ``update_one()`` or ``find_one_and_update()`` of the
        same document under that check, with a filter that does not test the field."""
        reads: dict[str, tuple[ast.stmt, ast.Call]] = {}  # variable -> (statement, find_one() call)
        derived: dict[str, dict[str, set[str]]] = {}  # variable -> local name -> fields it was computed from
        guards: list[tuple[ast.If, str, set[str]]] = []  # (if, variable, fields its test reads)
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                reads.pop(name, None)
                for names in derived.values():
                    names.pop(name, None)
                found = self.cache_read(module, node.value, targets)
                if found is not None and not found[1] and isinstance(found[0].func, ast.Attribute) and found[0].func.attr == "find_one":
                    reads[name] = (node, found[0])
                    derived[name] = {}
                    continue
                for variable in reads:
                    fields = _document_fields(node.value, variable, derived[variable])
                    if fields:
                        derived[variable][name] = fields  # free = event["free_seats"]
            elif isinstance(node, ast.If):
                for variable in reads:
                    fields = _document_fields(node.test, variable, derived[variable])
                    if fields:
                        guards.append((node, variable, fields))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DOCUMENT_GUARDED_WRITES:
                finding = self.guarded_document_write(module, node, reads, guards)
                if finding is not None:
                    yield finding

    def guarded_document_write(
        self,
        module: ModuleContext,
        call: ast.Call,
        reads: dict[str, tuple[ast.stmt, ast.Call]],
        guards: list[tuple[ast.If, str, set[str]]],
    ) -> Finding | None:
        """Return the finding for ``call`` when it changes a checked field of a document read
        before, under the check and with a filter that does not repeat it, else None."""
        assert isinstance(call.func, ast.Attribute)
        update = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "update"), None)
        query = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "filter"), None)
        if update is None or query is None:
            return None
        changed = _changed_fields(update)
        for test, variable, fields in guards:
            if variable not in reads:
                continue
            statement, read = reads[variable]
            assert isinstance(read.func, ast.Attribute)
            end = test.end_lineno or test.lineno
            covered = test.lineno < call.lineno <= end or (_ends_with_exit(test) and call.lineno > end)
            checked = sorted(field for field in fields if field in changed)
            if not covered or not checked or ast.dump(call.func.value) != ast.dump(read.func.value):
                continue
            if not read.args or not _same_document(query, read.args[0], variable) or set(checked) & _filter_fields(query):
                continue
            if _compares_read_value(query, variable):
                continue
            del reads[variable]
            field = checked[0]
            # A counter is checked against a bound; another field against the value it must still have.
            condition = '{"$gte": n}' if changed[field] in ("$inc", "$mul", "$min", "$max") else "<the condition checked>"
            message = self.DOCUMENT_GUARD_MESSAGE.format(
                variable=variable, receiver=dotted_text(read.func.value), field=field, write=call.func.attr, condition=condition
            )
            return module.finding(self.code, message, statement.lineno, statement.col_offset)
        return None

    @staticmethod
    def guard_read(module: ModuleContext, value: ast.expr, clients: set[str]) -> ast.Call | None:
        """Return the cache read that tests a key in ``value`` (``r.exists(key)``, ``cache.get(key) is None``), else None.

        ``clients`` contains the local names bound to a cache or Redis client.
        """
        for node in [value, *walk_scope(value)]:
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in GUARD_PAIRS or not node.args:
                continue
            receiver = node.func.value
            if (isinstance(receiver, ast.Name) and receiver.id in clients) or CacheReadModifyWrite.is_cache(module, receiver):
                return node
        return None

    @staticmethod
    def makes_client(module: ModuleContext, call: ast.Call) -> bool:
        """Return True for a call that returns a cache or Redis client: ``redis.Redis.from_url(url)``,
        django-redis's ``get_redis_connection("default")``."""
        qualified = module.qualify(call.func) or ""
        return qualified.startswith(CACHE_CLIENTS) or "redis" in dotted_text(call.func).lower()

    @staticmethod
    def sets_marker(call: ast.Call, read: ast.Call, markers: frozenset[str], pipelines: dict[str, str]) -> bool:
        """Return True when ``call`` sets the key ``read`` tested, on the same receiver, to a marker value and without ``nx=True``."""
        assert isinstance(read.func, ast.Attribute) and isinstance(call.func, ast.Attribute)
        writes, key_count = GUARD_PAIRS[read.func.attr]
        method = call.func.attr
        if method not in writes or _client_of(call.func.value, pipelines) != _client_of(read.func.value, pipelines):
            return False
        if [ast.dump(a) for a in call.args[:key_count]] != [ast.dump(a) for a in read.args[:key_count]] or len(read.args) < key_count:
            return False
        if any(k.arg == "nx" and not (isinstance(k.value, ast.Constant) and not k.value.value) for k in call.keywords):
            return False
        position = key_count + VALUE_OFFSETS[method]
        values = [call.args[position]] if len(call.args) > position else [k.value for k in call.keywords if k.arg == "value"]
        return bool(values) and _is_marker(values[0], markers)

    @staticmethod
    def is_cache(module: ModuleContext, receiver: ast.expr) -> bool:
        """Return True for Django's cache (``caches[...]`` too), Flask-Caching, a Redis or MongoDB
        client, or a receiver whose name ends in ``cache`` or contains ``redis``."""
        qualified = module.qualify(receiver.value if isinstance(receiver, ast.Subscript) else receiver) or ""
        last = dotted_text(receiver).rpartition(".")[2].lower()
        return qualified.startswith(CACHE_CLIENTS) or last.endswith("cache") or "redis" in last

    @staticmethod
    def is_client(module: ModuleContext, call: ast.Call, targets: dict[tuple[int, int], str]) -> bool:
        """Return True when ``call`` is a method of a cache, Redis or MongoDB client, by its
        receiver's name or by the qualified callee the summary found for it."""
        assert isinstance(call.func, ast.Attribute)
        target = targets.get((call.lineno, call.col_offset), "")
        return CacheReadModifyWrite.is_cache(module, call.func.value) or target.startswith(CACHE_CLIENTS)

    @staticmethod
    def cache_read(module: ModuleContext, value: ast.expr, targets: dict[tuple[int, int], str]) -> tuple[ast.Call, bool] | None:
        """Return the read in ``value`` (``cache.get(k)``, ``int(r.get(k) or 0)``, a search
        engine's ``es.get(index=..., id=...)``) and whether it reads a search document, else None."""
        if isinstance(value, ast.Await):
            value = value.value
        for node in [value, *walk_scope(value)]:
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            # caches["default"].get(...): the receiver is an item of Django's caches.
            target = targets.get((node.lineno, node.col_offset), "")
            if method in DOCUMENT_READ_WRITE_PAIRS and search_client_method(target) and _document_key(node):
                return node, True
            if method in READ_WRITE_PAIRS and node.args and CacheReadModifyWrite.is_client(module, node, targets):
                return node, False
        return None

    @staticmethod
    def writes_back(
        call: ast.Call, read: ast.Call, document: bool, variable: str, mutated: bool, derived: set[str], pipelines: dict[str, str]
    ) -> bool:
        """Return True when ``call`` is a write paired with ``read``, on the same receiver and
        key, and stores a value built from ``variable`` or a name computed from it (or
        ``variable`` changed in place).

        A write queued on a pipeline of the client read from counts as on that client;
        ``pipelines`` maps the local names bound to a pipeline to their client, dumped.
        """
        assert isinstance(read.func, ast.Attribute) and isinstance(call.func, ast.Attribute)
        if _client_of(call.func.value, pipelines) != _client_of(read.func.value, pipelines):
            return False
        values = _written_values(call, read, document)
        if values is None:
            return False
        for value in values:
            if isinstance(value, ast.Starred):
                value = value.value
            if call.func.attr == "sadd" and isinstance(value, ast.Name):
                continue  # members read, filtered and added again: a set union loses nothing
            if isinstance(value, ast.Name) and value.id == variable:
                # A search document is changed with doc["tags"] = ... as well, which a cached
                # memo dictionary may do harmlessly.
                if mutated or document:
                    return True
                continue
            if any(isinstance(node, ast.Name) and node.id in derived | {variable} for node in ast.walk(value)):
                return True
        return False

    VALID = [
        # The cache increments atomically.
        "from django.core.cache import cache\n\n"
        "def hit(ip):\n"
        "    cache.add(f'rate:{ip}', 0, timeout=60)\n"
        "    return cache.incr(f'rate:{ip}') <= 100\n",
        # The memo shape: a value computed afresh when the cache misses.
        "from django.core.cache import cache\n\n"
        "def prices(event):\n"
        "    value = cache.get(event.key)\n"
        "    if value is None:\n"
        "        value = compute_prices(event)\n"
        "        cache.set(event.key, value)\n"
        "    return value\n",
        # A lock covers the read and the write.
        "def append_log(redis_client, line):\n"
        "    with redis_client.lock('log-lock'):\n"
        "        lines = redis_client.get('log') or b''\n"
        "        redis_client.set('log', lines + line)\n",
        # A memo dictionary grown with computed entries: a lost entry is computed again.
        "def availability(event, key, quotas):\n"
        "    known = event.cache.get(key) or {}\n"
        "    known.update({q.pk: q.availability() for q in quotas if q.pk not in known})\n"
        "    event.cache.set(key, known, 5)\n",
        # Another key is written.
        "from django.core.cache import cache\n\n"
        "def remember(user):\n"
        "    last = cache.get(f'seen:{user.pk}')\n"
        "    cache.set(f'previous:{user.pk}', last)\n",
        # ZINCRBY changes a sorted-set score in one command.
        "import redis\n\n"
        "board = redis.Redis()\n\n"
        "def award(player, points):\n"
        "    return board.zincrby('leaderboard', points, player)\n",
        # The Elasticsearch write is conditional on the sequence number read.
        "from elasticsearch import Elasticsearch\n\n"
        "es = Elasticsearch()\n\n"
        "def tag(doc_id, tag):\n"
        "    doc = es.get(index='articles', id=doc_id)\n"
        "    doc['_source']['tags'].append(tag)\n"
        "    es.index(index='articles', id=doc_id, document=doc['_source'],\n"
        "             if_seq_no=doc['_seq_no'], if_primary_term=doc['_primary_term'])\n",
        # WATCH makes the MULTI/EXEC transaction fail when the key changed after the read.
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def hit(key):\n"
        "    with r.pipeline() as pipe:\n"
        "        pipe.watch(key)\n"
        "        count = int(pipe.get(key) or 0)\n"
        "        pipe.multi()\n"
        "        pipe.set(key, count + 1)\n"
        "        pipe.execute()\n",
        # redis-py's transaction() watches the key and hands the pipeline to the function.
        "import redis\n"
        "from redis.client import Pipeline\n\n"
        "r = redis.Redis()\n\n"
        "def record(key):\n"
        "    def increment(pipe: Pipeline):\n"
        "        current = int(pipe.get(key) or 0)\n"
        "        pipe.multi()\n"
        "        pipe.set(key, current + 1)\n"
        "    r.transaction(increment, key)\n",
        # INCR queued on the pipeline changes the counter in one command.
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def record(key):\n"
        "    pipe = r.pipeline(transaction=True)\n"
        "    pipe.incr(key)\n"
        "    pipe.expire(key, 86400)\n"
        "    count, _ = pipe.execute()\n"
        "    return count\n",
        # The update's filter repeats the check, so it matches nothing when another call came first.
        "from pymongo import MongoClient\n\n"
        "events = MongoClient().site.events\n\n"
        "def take_seats(event_id, seats):\n"
        "    result = events.update_one({'_id': event_id, 'free_seats': {'$gte': seats}},\n"
        "                               {'$inc': {'free_seats': -seats}})\n"
        "    if result.matched_count == 0:\n"
        "        raise SoldOut(event_id)\n",
        # SET NX takes the key in one step.
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def run_once(day):\n"
        "    if not r.set(f'export:{day}', 1, nx=True, ex=3600):\n"
        "        return False\n"
        "    return True\n",
    ]
    INVALID = [
        "from django.core.cache import cache\n\n"
        "def hit(ip):\n"
        "    key = f'rate:{ip}'\n"
        "    count = cache.get(key, 0)  # OPS206\n"
        "    if count >= 100:\n"
        "        return False\n"
        "    cache.set(key, count + 1, timeout=60)\n"
        "    return True\n",
        # A list changed in place and stored again.
        "from django.core.cache import caches\n\n"
        "def remember_search(user, query):\n"
        "    recent = caches['default'].get(user.pk) or []  # OPS206\n"
        "    recent.append(query)\n"
        "    caches['default'].set(user.pk, recent[-10:])\n",
        # Redis, through a hash field.
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def add_points(user_id, points):\n"
        "    current = int(r.hget('points', user_id) or 0)  # OPS206\n"
        "    r.hset('points', user_id, current + points)\n",
        # MongoDB: a counter read with find_one() and written back with $set.
        "from pymongo import MongoClient\n\n"
        "pages = MongoClient().site.pages\n\n"
        "def record_view(slug):\n"
        "    page = pages.find_one({'slug': slug})  # OPS206\n"
        "    views = page['views'] + 1\n"
        "    pages.update_one({'slug': slug}, {'$set': {'views': views}})\n",
        # A sorted-set score read with ZSCORE and written back with ZADD.
        "import redis\n\n"
        "board = redis.Redis()\n\n"
        "def award(player, points):\n"
        "    current = board.zscore('leaderboard', player) or 0  # OPS206\n"
        "    board.zadd('leaderboard', {player: current + points})\n",
        # Django's get_or_set() reads the count that set() writes back.
        "from django.core.cache import cache\n\n"
        "def hit(user):\n"
        "    used = cache.get_or_set(f'exports:{user.pk}', 0, timeout=3600)  # OPS206\n"
        "    cache.set(f'exports:{user.pk}', used + 1, timeout=3600)\n",
        # An Elasticsearch document read, changed and indexed whole again.
        "from elasticsearch import Elasticsearch\n\n"
        "es = Elasticsearch()\n\n"
        "def tag(doc_id, tag):\n"
        "    doc = es.get(index='articles', id=doc_id)  # OPS206\n"
        "    source = doc['_source']\n"
        "    source['tags'].append(tag)\n"
        "    es.index(index='articles', id=doc_id, document=source)\n",
        # A MULTI/EXEC pipeline queues the write, but the read before it is not watched.
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def record(key):\n"
        "    current = int(r.get(key) or 0)  # OPS206\n"
        "    pipe = r.pipeline(transaction=True)\n"
        "    pipe.set(key, current + 1)\n"
        "    pipe.expire(key, 86400)\n"
        "    pipe.execute()\n",
        # MongoDB: a field checked on the copy read, then changed by an unconditional $inc.
        "from pymongo import MongoClient\n\n"
        "events = MongoClient().site.events\n\n"
        "def take_seats(event_id, seats):\n"
        "    event = events.find_one({'_id': event_id})  # OPS206\n"
        "    if event['free_seats'] < seats:\n"
        "        raise SoldOut(event_id)\n"
        "    events.update_one({'_id': event_id}, {'$inc': {'free_seats': -seats}})\n",
        # A Redis key used as a lock: tested, then set in a second step.
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def run_once(day):\n"
        "    if r.exists(f'export:{day}'):  # OPS206\n"
        "        return False\n"
        "    r.setex(f'export:{day}', 3600, 1)\n"
        "    return True\n",
        # A once-only marker in Django's cache, read into a name first.
        "from django.core.cache import cache\n\n"
        "def welcome(user):\n"
        "    sent = cache.get(f'welcome:{user.pk}')  # OPS206\n"
        "    if sent is None:\n"
        "        send_welcome(user)\n"
        "        cache.set(f'welcome:{user.pk}', True)\n",
    ]
