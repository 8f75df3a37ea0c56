"""OPS206: a cache, Redis or MongoDB value read, changed in Python and written back."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.orm import callee_name, candidate_functions, is_lock_name, scope_nodes, takes_lock
from opsgen.lint.rule import Finding, ModuleContext, Rule, walk_scope
from opsgen.lint.summary import FunctionSummary, dotted_text

#: Read method -> (the writes paired with it, how many leading arguments name the key).
#: A MongoDB document is named by the filter that ``find_one()`` and the update share.
READ_WRITE_PAIRS = {
    "get": (frozenset({"set"}), 1),
    "hget": (frozenset({"hset"}), 2),
    "find_one": (frozenset({"update_one", "replace_one", "find_one_and_update", "find_one_and_replace"}), 1),
}
#: Qualified names of cache, Redis and MongoDB clients, instances written with ``()``.
CACHE_CLIENTS = (
    "django.core.cache.cache", "django.core.cache.caches", "redis.", "django_redis.", "flask_caching.",
    "aioredis.", "pymongo.", "motor.",
)  # fmt: skip
#: Methods that add to a list or set in place: a value read, grown so and written back.
#: A dictionary's ``update()`` or ``d[k] = v`` is left out: that is how a memo of computed
#: values grows, and a lost entry is only computed again.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "add", "appendleft"})


class CacheReadModifyWrite(Rule):
    """Flags a value read from a cache, Redis or MongoDB and written back computed from what was read.

    What it does:
        Reports ``x = cache.get(key)`` (Django's cache, ``caches[...]``, Flask-Caching,
        a Redis client, or a receiver whose name ends in ``cache`` or contains ``redis``) when
        the function later calls ``set()`` on the same receiver and key with a value built
        from ``x`` (``count + 1``, ``items + [new]``), or with ``x`` itself after adding to
        it (``x += 1``, ``x[k] += 1``, ``x.append(...)``), or with a name computed from
        ``x`` (``n = x + 1``). ``hget``/``hset`` on one hash field count too, and so does a
        MongoDB document read with ``find_one(filter)`` and written back with
        ``update_one()``, ``replace_one()`` or ``find_one_and_update()`` on the same filter. Not reported: code inside ``with <lock>:`` or after a call that
        takes a lock (``cache.lock(key)``), memo shapes that store a freshly computed value
        or a dictionary grown with ``update()`` or ``d[k] = v`` (a lost entry is only
        computed again), and tests.

    Why is this bad:
        Two requests read the same value and both write their own change: a rate limiter
        counts one hit for two, a list kept in the cache loses one of two appends. Caches
        and Redis offer atomic operations for this (``incr``, ``HINCRBY``, ``add``), or a
        lock can cover the read and the write.

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
        "(incr(), Redis INCRBY or HINCRBY, MongoDB $inc) or hold a lock around the read and the write"
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
        return any(read in found and writes & found for found in methods.values() for read, (writes, _) in READ_WRITE_PAIRS.items())

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
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
        reads: dict[str, tuple[ast.stmt, ast.Call]] = {}  # variable -> (statement, read call)
        mutated: set[str] = set()
        derived: dict[str, set[str]] = {}  # read variable -> local names computed from it
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                read = self.cache_read(module, node.value)
                reads.pop(name, None)
                mutated.discard(name)
                for names in derived.values():
                    names.discard(name)
                if read is not None:
                    reads[name] = (node, read)
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
            for variable, (statement, read) in list(reads.items()):
                if not self.writes_back(node, read, variable, variable in mutated, derived.get(variable, set())):
                    continue
                if any(line < statement.lineno for line in lock_lines) or any(start <= statement.lineno <= end for start, end in lock_blocks):
                    continue
                del reads[variable]
                assert isinstance(read.func, ast.Attribute)
                message = self.MESSAGE.format(variable=variable, receiver=dotted_text(read.func.value), write=node.func.attr)
                yield module.finding(self.code, message, statement.lineno, statement.col_offset)

    @staticmethod
    def cache_read(module: ModuleContext, value: ast.expr) -> ast.Call | None:
        """Return the cache read in ``value`` (``cache.get(k)``, ``int(r.get(k) or 0)``), else None."""
        if isinstance(value, ast.Await):
            value = value.value
        for node in [value, *walk_scope(value)]:
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in READ_WRITE_PAIRS):
                continue
            if not node.args:
                continue
            receiver = node.func.value
            # caches["default"].get(...): the receiver is an item of Django's caches.
            qualified = module.qualify(receiver.value if isinstance(receiver, ast.Subscript) else receiver) or ""
            last = dotted_text(receiver).rpartition(".")[2].lower()
            if qualified.startswith(CACHE_CLIENTS) or last.endswith("cache") or "redis" in last:
                return node
        return None

    @staticmethod
    def writes_back(call: ast.Call, read: ast.Call, variable: str, mutated: bool, derived: set[str]) -> bool:
        """Return True when ``call`` is a write paired with ``read``, on the same receiver and
        key, and stores a value built from ``variable`` or a name computed from it (or
        ``variable`` changed in place)."""
        assert isinstance(read.func, ast.Attribute) and isinstance(call.func, ast.Attribute)
        writes, key_count = READ_WRITE_PAIRS[read.func.attr]
        if call.func.attr not in writes or len(call.args) <= key_count or len(read.args) < key_count:
            return False
        if ast.dump(call.func.value) != ast.dump(read.func.value):
            return False
        if [ast.dump(a) for a in call.args[:key_count]] != [ast.dump(a) for a in read.args[:key_count]]:
            return False
        value = call.args[key_count]
        if isinstance(value, ast.Name) and value.id == variable:
            return mutated
        return any(isinstance(node, ast.Name) and node.id in derived | {variable} for node in ast.walk(value))

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
    ]
