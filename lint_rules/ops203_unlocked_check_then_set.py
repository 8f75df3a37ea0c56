"""OPS203: check-then-set on a module-level container without a lock."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from opsgen.lint.orm import callee_name, is_test_path, module_bindings, scope_nodes, takes_lock
from opsgen.lint.summary import function_nodes
from opsgen.lint.rule import Finding, ModuleContext, Rule

CONTAINER_FACTORIES = frozenset(
    {"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter", "WeakValueDictionary", "WeakKeyDictionary"}
)
#: A module-level assignment of something that may be a mutable container.
MODULE_CONTAINER = re.compile(
    r"^\w+\s*(?::[^=\n]+)?=\s*(?:\{|\[|(?:\w+\.)?(?:" + "|".join(sorted(CONTAINER_FACTORIES)) + r")\()", re.MULTILINE
)
MUTATING_METHODS = frozenset({"append", "add", "update", "insert", "extend", "appendleft", "__setitem__"})
ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)
Function = ast.FunctionDef | ast.AsyncFunctionDef


def _is_container(value: ast.expr) -> bool:
    """Return True for a mutable container: a literal, a comprehension or ``dict()``-like call."""
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return True
    return isinstance(value, ast.Call) and callee_name(value.func) in CONTAINER_FACTORIES


def module_containers(tree: ast.Module) -> set[str]:
    """Return the names the module body binds to a mutable container (the last binding wins)."""
    return module_bindings(tree, _is_container)


def _local_names(function: Function) -> set[str]:
    """Names the function binds itself (parameters and assignments), minus ``global`` ones."""
    arguments = function.args
    local = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    for extra in (arguments.vararg, arguments.kwarg):
        if extra is not None:
            local.add(extra.arg)
    declared_global: set[str] = set()
    for node in scope_nodes(function.body):
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.add(node.name)
    return local - declared_global


def _writes(statements: list[ast.stmt], name: str) -> bool:
    """Return True when the statements store into the container ``name``."""
    for node in scope_nodes(statements):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name for t in targets):
                return True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr in MUTATING_METHODS and isinstance(owner, ast.Name) and owner.id == name:
                return True
    return False


def _returns_item(statement: ast.stmt, name: str) -> bool:
    value = statement.value if isinstance(statement, ast.Return) else None
    return isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == name


def _is_memo(test: ast.If, following: list[ast.stmt], name: str) -> bool:
    """Return True for a memo cache: a hit returns the stored item, a miss stores a computed one.

    Two threads that miss together compute the value twice and store equal values, so
    nothing is lost; the rule leaves this shape alone. The miss may compute the value in
    several statements (``members = inspect(cls)``, then ``cache[cls] = [...]``), as long
    as storing the item is its only write to the container and the item is returned next.
    """
    body = test.body
    if test.orelse or not body:
        return False
    if len(body) == 1 and _returns_item(body[0], name):
        return True
    stored = body[-1]
    return (
        isinstance(stored, ast.Assign)
        and len(stored.targets) == 1
        and isinstance(stored.targets[0], ast.Subscript)
        and isinstance(stored.targets[0].value, ast.Name)
        and stored.targets[0].value.id == name
        and not _writes(body[:-1], name)
        and not any(isinstance(node, ENDS_BLOCK) for node in scope_nodes(body))
        and bool(following)
        and _returns_item(following[0], name)
        and _subscript_text(following[0]) == _subscript_text(stored.targets[0])
    )


def _subscript_text(statement: ast.AST) -> str:
    """Return the text of the subscript a statement stores or returns: ``cache[cls]``."""
    value = statement.value if isinstance(statement, ast.Return) else statement
    return ast.unparse(value) if value is not None else ""


#: Calls whose value is the calling thread's own id: a container keyed by it holds one slot
#: per thread, which no other thread reads or writes.
THREAD_IDS = frozenset({"get_ident", "get_native_id", "current_thread"})


def _per_thread_key(test: ast.expr, function: Function) -> bool:
    """Return True when the ``in`` test's key is the calling thread's id (``threading.get_ident()``),
    directly or through a name the function binds to it."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.In, ast.NotIn))):
        return False
    key = test.left
    if isinstance(key, ast.Name):
        for node in scope_nodes(function.body):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == key.id for t in node.targets):
                key = node.value
                break
    return isinstance(key, ast.Call) and callee_name(key.func) in THREAD_IDS


def _registers_decorated(function: Function) -> bool:
    """Return True for a decorator that records what it decorates and returns it unchanged:
    it takes one positional parameter, and every ``return`` gives it back (``return cls``).
    It runs where the decorated class or function is defined, at import time under the
    import lock, not in the threads that serve requests."""
    arguments = [*function.args.posonlyargs, *function.args.args]
    if len(arguments) != 1 or function.args.vararg is not None:
        return False
    returns = [node for node in scope_nodes(function.body) if isinstance(node, ast.Return)]
    return bool(returns) and all(isinstance(node.value, ast.Name) and node.value.id == arguments[0].arg for node in returns)


class UnlockedCheckThenSet(Rule):
    """Flags a check of a module-level container followed by a write to it, with no lock held.

    What it does:
        Finds module-level names bound to a mutable container (``{}``, ``[]``, ``set()``,
        ``defaultdict(...)``) and reports an ``if`` in a function that tests the container
        and then stores into it (``registry[key] = ...``, ``.append()``, ``.add()``,
        ``.update()``), in the ``if`` body or after an ``if`` that returns or raises.
        Not reported: code inside ``with <lock>:``, names the function rebinds locally,
        tests, and the memo-cache shape (``if key in cache: return cache[key]``, or a miss
        that computes the item, stores it and returns it), whose race only computes a value
        twice. Also left alone: a check of the calling thread's own slot
        (``if threading.get_ident() not in callbacks``), which no other thread touches, and
        a decorator that records what it decorates and returns it unchanged, which runs
        when the decorated definition is imported.

    Why is this bad:
        Web servers and Celery workers run functions on several threads. Two threads can
        both see the key missing and both store: a registration meant to happen once runs
        twice, a counter initialised to 0 by one thread is reset after the other counted.

    Example:
        _handlers = {}

        def register(name, handler):
            if name in _handlers:
                raise KeyError(name)
            _handlers[name] = handler

    Use instead:
        _handlers = {}
        _handlers_lock = threading.Lock()

        def register(name, handler):
            with _handlers_lock:
                if name in _handlers:
                    raise KeyError(name)
                _handlers[name] = handler
    """

    code = "OPS203"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS203 module-level {container} is checked and then written without a lock, so two "
        "threads can both pass the check; hold a threading.Lock around the check and the "
        "write, or use one atomic call such as dict.setdefault()"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        source = module.source
        if is_test_path(module.path) or not MODULE_CONTAINER.search(source):
            return
        tree = module.tree
        containers = module_containers(tree)
        if not containers:
            return
        tested = re.compile(r"^[ \t]+(?:el)?if\b.*\b(?:" + "|".join(map(re.escape, sorted(containers))) + r")\b", re.MULTILINE)
        candidates = set()
        for match in tested.finditer(source):
            function = module.function_at(source.count("\n", 0, match.start()) + 1)
            if function is not None:
                candidates.add(function.line)
        for node in function_nodes(tree, candidates):
            shared = containers - _local_names(node)
            if shared and not _registers_decorated(node):
                yield from self.scan(module, node, node.body, shared, False)

    def scan(self, module: ModuleContext, function: Function, body: list[ast.stmt], shared: set[str], locked: bool) -> Iterator[Finding]:
        for position, statement in enumerate(body):
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                held = locked or any(takes_lock(item) for item in statement.items)
                yield from self.scan(module, function, statement.body, shared, held)
                continue
            if isinstance(statement, ast.If) and not locked and not _per_thread_key(statement.test, function):
                yield from self.check_if(module, statement, body[position + 1 :], shared)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(statement, field, None)
                if isinstance(inner, list) and inner:
                    yield from self.scan(module, function, inner, shared, locked)
            for handler in getattr(statement, "handlers", None) or []:
                yield from self.scan(module, function, handler.body, shared, locked)
            for case in getattr(statement, "cases", None) or []:
                yield from self.scan(module, function, case.body, shared, locked)

    def check_if(self, module: ModuleContext, test: ast.If, following: list[ast.stmt], shared: set[str]) -> Iterator[Finding]:
        tested = {node.id for node in ast.walk(test.test) if isinstance(node, ast.Name)} & shared
        ends = bool(test.body) and isinstance(test.body[-1], ENDS_BLOCK)
        for name in sorted(tested):
            if _is_memo(test, following, name):
                continue
            written_in_branch = _writes(test.body + test.orelse, name)
            if written_in_branch or (ends and _writes(following, name)):
                yield module.finding(self.code, self.MESSAGE.format(container=name), test.lineno, test.col_offset)
                return

    VALID = [
        # The lock is held across the check and the write.
        "import threading\n"
        "_handlers = {}\n"
        "_handlers_lock = threading.Lock()\n\n"
        "def register(name, handler):\n"
        "    with _handlers_lock:\n"
        "        if name in _handlers:\n"
        "            raise KeyError(name)\n"
        "        _handlers[name] = handler\n",
        # One atomic call.
        "_handlers = {}\n\n"
        "def register(name, handler):\n"
        "    return _handlers.setdefault(name, handler)\n",
        # A memo cache: a race computes the same value twice.
        "_prefixes = {}\n\n"
        "def prefixes(language):\n"
        "    if language in _prefixes:\n"
        "        return _prefixes[language]\n"
        "    _prefixes[language] = compute(language)\n"
        "    return _prefixes[language]\n",
        # A memo cache whose miss computes the item in two steps.
        "_descriptors = {}\n\n"
        "def descriptors(cls):\n"
        "    if cls not in _descriptors:\n"
        "        members = inspect_members(cls)\n"
        "        _descriptors[cls] = [name for name, _ in members]\n"
        "    return _descriptors[cls]\n",
        # Each thread checks and fills its own slot.
        "import threading\n"
        "_listeners = {}\n\n"
        "def listen(callback):\n"
        "    thread = threading.get_ident()\n"
        "    if thread not in _listeners:\n"
        "        _listeners[thread] = []\n"
        "    _listeners[thread].append(callback)\n",
        # A class decorator that registers the class: it runs when the class is defined.
        "_inspectors = {}\n\n"
        "def inspects_itself(cls):\n"
        "    if cls in _inspectors:\n"
        "        raise TypeError(f'{cls} is already registered')\n"
        "    _inspectors[cls] = True\n"
        "    return cls\n",
        # A local container of the same name.
        "seen = set()\n\n"
        "def unique(items):\n"
        "    seen = set()\n"
        "    for item in items:\n"
        "        if item not in seen:\n"
        "            seen.add(item)\n"
        "    return seen\n",
        # Module-level code runs once, under the import lock.
        "_registry = {}\n"
        "if 'default' not in _registry:\n"
        "    _registry['default'] = object()\n",
    ]
    INVALID = [
        "_handlers = {}\n\n"
        "def register(name, handler):\n"
        "    if name in _handlers:  # OPS203\n"
        "        raise KeyError(name)\n"
        "    _handlers[name] = handler\n",
        # Counter initialisation raced with counting.
        "from collections import defaultdict\n"
        "_hits: dict = dict()\n\n"
        "def hit(path):\n"
        "    if path not in _hits:  # OPS203\n"
        "        _hits[path] = 0\n"
        "    _hits[path] += 1\n",
        # A run-once flag kept in a list; the nested function's lock does not cover it.
        "_started = []\n\n"
        "def start():\n"
        "    def helper():\n"
        "        with lock:\n"
        "            pass\n"
        "    if not _started:  # OPS203\n"
        "        _started.append(True)\n"
        "        launch()\n",
    ]
