"""OPS209: a lock or marker file tested with exists() and then created, two steps another process can interleave."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.orm import callee_name, is_test_path, scope_nodes
from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.summary import FunctionSummary, function_nodes

#: Functions that test whether a path exists, by qualified name.
EXISTS_FUNCTIONS = frozenset({"os.path.exists", "os.path.isfile", "os.path.lexists", "os.access"})
#: ``Path`` methods that test whether the path exists.
EXISTS_METHODS = frozenset({"exists", "is_file"})
#: ``Path`` methods that create or write the file.
PATH_WRITES = frozenset({"touch", "write_text", "write_bytes"})
#: Functions and ``Path`` methods that delete the file.
REMOVES = frozenset({"os.remove", "os.unlink"})
PATH_REMOVES = frozenset({"unlink"})
ENDS_BLOCK = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _key(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False)


class LockFileCheckThenCreate(Rule):
    """Flags a lock or marker file that is tested with ``exists()`` and then created in a second step.

    What it does:
        Reports an ``if`` that tests a path with ``os.path.exists()``, ``os.path.isfile()``
        or ``Path.exists()`` when the function then creates that path for writing
        (``open(path, "w")`` or ``"a"``, ``Path.touch()``, ``write_text()``). The creation
        must run where the test found the file missing: in the body of
        ``if not exists(path):``, or after an ``if exists(path):`` that returns or raises.
        It does so only for a file that works
        as a lock, which the same function deletes again (a pid or lock file), or as an
        empty run-once marker (``touch()``, ``open(path, "w").close()``) made after the
        work that the check guarded. Not reported: ``open(path, "x")`` or
        ``os.open(path, os.O_CREAT | os.O_EXCL)``, which create the file or fail in one
        step, a file written with the work's output (a report, a migration), a cache file
        that the ``if`` reads back (``return path.read_text()``), and tests.

    Why is this bad:
        Two processes started together both see no file, both create it, and both run the
        job the file was meant to serialise. The test and the creation are two system
        calls with a gap between them.

    Example:
        if os.path.exists(PIDFILE):
            return
        with open(PIDFILE, "w") as handle:
            handle.write(str(os.getpid()))
        try:
            job()
        finally:
            os.remove(PIDFILE)

    Use instead:
        try:
            fd = os.open(PIDFILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        ...
    """

    code = "OPS209"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS209 {path} is tested here and created at line {line} in a second step, so two "
        "processes can both find it missing and both go on; create it in one step with "
        "open(path, \"x\") or os.open(path, os.O_CREAT | os.O_EXCL), or hold fcntl.flock() on it"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if "exists(" not in module.source and "isfile(" not in module.source:
            return
        candidates = {f.line for f in module.functions() if f.name != "<module>" and self.may_test_and_create(f)}
        if not candidates or is_test_path(module.relative_path):
            return
        for node in function_nodes(module.tree, candidates):
            yield from self.check_function(module, node)

    @staticmethod
    def may_test_and_create(function: FunctionSummary) -> bool:
        """Return True when the function tests a path and opens or writes a file.

        A queryset's ``exists()`` is no file test, so the function must also create a file.
        """
        methods = {call.text.rpartition(".")[2] for call in function.calls}
        tests = bool(methods & {"exists", "isfile", "lexists", "is_file"})
        return tests and bool(methods & ({"open"} | PATH_WRITES))

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        nodes = list(scope_nodes(function.body))
        calls = sorted((n for n in nodes if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
        removed = {_key(path) for call in calls if (path := self.removed_path(module, call)) is not None}
        # ``open(path, "w").close()``: the open call whose file is closed at once, left empty.
        closed = {
            id(call.func.value)
            for call in calls
            if isinstance(call.func, ast.Attribute) and call.func.attr == "close" and isinstance(call.func.value, ast.Call)
        }
        for test in sorted((n for n in nodes if isinstance(n, ast.If)), key=lambda n: n.lineno):
            path = self.tested_path(module, test.test)
            if path is None:
                continue
            key = _key(path)
            negated = isinstance(test.test, ast.UnaryOp) and isinstance(test.test.op, ast.Not)
            body_end = test.body[-1].end_lineno or test.lineno if test.body else test.lineno
            end = test.end_lineno or test.lineno
            # ``if exists(p): return`` goes on when the file is missing; ``if not exists(p):``
            # runs its body then, and its ``else`` when the file is there.
            exits = not negated and bool(test.body) and isinstance(test.body[-1], ENDS_BLOCK)
            if exits and any(_key(n) == key for statement in test.body for n in ast.walk(statement)):
                continue  # the early exit reads the file back: a cache, not a lock
            for call in calls:
                missing_branch = (negated and test.lineno < call.lineno <= body_end) or (not negated and body_end < call.lineno <= end)
                if not (missing_branch or (exits and call.lineno > end)) or not self.creates(call, key):
                    continue
                marker = self.is_marker(call, closed) and any(
                    test.lineno < other.lineno < call.lineno and self.is_action(module, other, key) for other in calls
                )
                if key in removed or marker:
                    message = self.MESSAGE.format(path=ast.unparse(path), line=call.lineno)
                    yield module.finding(self.code, message, test.lineno, test.col_offset)
                    break

    @staticmethod
    def tested_path(module: ModuleContext, test: ast.expr) -> ast.expr | None:
        """Return the path an ``if`` test checks for existence, else None."""
        for node in ast.walk(test):
            if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
                continue
            if module.qualify(node.func) in EXISTS_FUNCTIONS and node.args:
                return node.args[0]
            if isinstance(node.func, ast.Attribute) and node.func.attr in EXISTS_METHODS and not node.args:
                return node.func.value
        return None

    @staticmethod
    def creates(call: ast.Call, key: str) -> bool:
        """Return True when ``call`` opens the path for writing without ``x`` or writes it through ``Path``."""
        if isinstance(call.func, ast.Name) and call.func.id == "open" and call.args and _key(call.args[0]) == key:
            mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
            return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "x" not in mode.value and any(c in mode.value for c in "wa")
        return isinstance(call.func, ast.Attribute) and call.func.attr in PATH_WRITES and _key(call.func.value) == key

    @staticmethod
    def is_marker(call: ast.Call, closed: set[int]) -> bool:
        """Return True for a file made empty, as a flag: ``path.touch()`` or ``open(path, "w").close()``.

        A file written with content is the product of the work (a report, a migration), not a
        marker that the work ran.
        """
        if isinstance(call.func, ast.Attribute) and call.func.attr == "touch":
            return True
        return id(call) in closed

    @staticmethod
    def removed_path(module: ModuleContext, call: ast.Call) -> ast.expr | None:
        if isinstance(call.func, (ast.Name, ast.Attribute)) and module.qualify(call.func) in REMOVES and call.args:
            return call.args[0]
        if isinstance(call.func, ast.Attribute) and call.func.attr in PATH_REMOVES:
            return call.func.value
        return None

    @staticmethod
    def is_action(module: ModuleContext, call: ast.Call, key: str) -> bool:
        """Return True for the work a run-once check guards: a call that does not touch the path itself."""
        name = callee_name(call.func)
        if not name or name in ("print", "debug", "info", "warning", "error", "exception", "log"):
            return False
        return not any(_key(argument) == key for argument in call.args)

    VALID = [
        # One system call creates the file or fails.
        "import os\n\n"
        "def run_exclusive(job, pidfile):\n"
        "    try:\n"
        "        fd = os.open(pidfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY)\n"
        "    except FileExistsError:\n"
        "        return False\n"
        "    os.write(fd, str(os.getpid()).encode())\n"
        "    try:\n"
        "        job()\n"
        "    finally:\n"
        "        os.remove(pidfile)\n"
        "    return True\n",
        # A cache file: the early exit reads it back, and a race only writes it twice.
        "import os\n\n"
        "def thumbnail(path, render):\n"
        "    if os.path.exists(path):\n"
        "        return open(path, 'rb').read()\n"
        "    data = render()\n"
        "    with open(path, 'wb') as handle:\n"
        "        handle.write(data)\n"
        "    return data\n",
        # A default settings file written once: neither a lock nor a guarded job.
        "from pathlib import Path\n\n"
        "def ensure_config(path: Path):\n"
        "    if not path.exists():\n"
        "        path.write_text('debug = false\\n')\n",
    ]
    INVALID = [
        "import os\n\n"
        "def run_exclusive(job, pidfile):\n"
        "    if os.path.exists(pidfile):  # OPS209\n"
        "        return False\n"
        "    with open(pidfile, 'w') as handle:\n"
        "        handle.write(str(os.getpid()))\n"
        "    try:\n"
        "        job()\n"
        "    finally:\n"
        "        os.remove(pidfile)\n"
        "    return True\n",
        # A run-once marker written after the work it guards.
        "from pathlib import Path\n\n"
        "def migrate_once(marker: Path, migrate):\n"
        "    if marker.exists():  # OPS209\n"
        "        return\n"
        "    migrate()\n"
        "    marker.touch()\n",
        # A lock file created inside the if, removed when the job ends.
        "import os\n\n"
        "def rebuild(lock_path, build):\n"
        "    if not os.path.exists(lock_path):  # OPS209\n"
        "        open(lock_path, 'w').close()\n"
        "        build()\n"
        "        os.unlink(lock_path)\n",
    ]
