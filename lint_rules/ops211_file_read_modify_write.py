"""OPS211: a file read, changed in memory and written back, with no lock around the two steps."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.orm import callee_name, candidate_functions, is_lock_name, scope_nodes, takes_lock
from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.summary import FunctionSummary

#: ``Path`` methods that read the whole file.
PATH_READS = frozenset({"read_text", "read_bytes"})
#: ``Path`` methods that replace the whole file.
PATH_WRITES = frozenset({"write_text", "write_bytes"})
#: Functions that move a finished temporary file over the path, by qualified name.
MOVES = frozenset({"os.replace", "os.rename", "shutil.move"})
OPENS = frozenset({"open", "io.open", "builtins.open"})


def _key(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class FileReadModifyWrite(Rule):
    """Flags a file that is read, changed in memory and written back with no lock held.

    What it does:
        Reports a read of a whole file (``path.read_text()``, ``read_bytes()``, or
        ``open(path)`` for reading) whose content a later write of the same path puts back
        changed: ``path.write_text(...)``, ``open(path, "w")``, or ``os.replace(tmp, path)``
        of a temporary copy. The write must use a value computed from what was read
        (``state = json.loads(path.read_text())``, then ``state["seen"].append(x)`` and
        ``path.write_text(json.dumps(state))``). Not reported: a function that takes a lock
        before the write (``fcntl.flock()``, ``with FileLock(...):``, any call or ``with``
        named for a lock), a write whose content does not come from the read, an append
        (``open(path, "a")``), and tests.

    Why is this bad:
        Two processes, or two threads, read the same content, each adds its change, and
        the later write drops the other's. Writing through a temporary file and
        ``os.replace()`` keeps the file whole, but does not stop the lost update.

    Example:
        state = json.loads(STATE.read_text())
        state["synced"].append(item_id)
        STATE.write_text(json.dumps(state))

    Use instead:
        with open(LOCK_PATH, "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            state = json.loads(STATE.read_text())
            state["synced"].append(item_id)
            STATE.write_text(json.dumps(state))
    """

    code = "OPS211"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS211 {path} is read here and written back changed at line {line} with no lock "
        "held, so two processes can both read the old content and the later write drops the "
        "other's change; hold fcntl.flock() on a lock file around the read and the write, or "
        "keep the state in a database"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        for node in candidate_functions(module, self.may_read_and_write):
            yield from self.check_function(module, node)

    @staticmethod
    def may_read_and_write(function: FunctionSummary) -> bool:
        """Return True when the function calls a file read and a file write of some kind."""
        methods = {call.text.rpartition(".")[2] for call in function.calls}
        reads = bool(methods & (PATH_READS | {"open"}))
        return reads and bool(methods & (PATH_WRITES | {"open", "replace", "rename", "move"}))

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Finding]:
        nodes = list(scope_nodes(function.body))
        if any(self.locks(node) for node in nodes):
            return
        reads: list[tuple[ast.stmt, ast.expr, set[str]]] = []  # (read statement, path, names bound from it)
        derived: set[str] = set()
        statements = sorted((n for n in nodes if isinstance(n, ast.stmt)), key=lambda n: (n.lineno, n.col_offset))
        handles: dict[str, ast.expr] = {}  # name of a handle opened for reading -> its path
        for statement in statements:
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    path = self.opened_path(module, item.context_expr, reading=True)
                    if path is not None and isinstance(item.optional_vars, ast.Name):
                        handles[item.optional_vars.id] = path
            if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                bound: set[str] = set().union(*(_names(target) for target in targets))
                path = self.read_path(module, statement.value, handles)
                if path is not None:
                    reads.append((statement, path, bound))
                    derived |= bound
                elif _names(statement.value) & derived:
                    derived |= bound  # a value computed from the content read
            for read, read_path, _ in reads:
                write = self.write_of(module, statement, read_path, derived)
                if write is not None and write.lineno > read.lineno:
                    message = self.MESSAGE.format(path=ast.unparse(read_path), line=write.lineno)
                    yield module.finding(self.code, message, read.lineno, read.col_offset)
                    return

    @staticmethod
    def locks(node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            name = callee_name(node.func)
            return bool(name) and is_lock_name(name)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return any(takes_lock(item) for item in node.items)
        return False

    @staticmethod
    def opened_path(module: ModuleContext, node: ast.expr, reading: bool) -> ast.expr | None:
        """Return the path of ``open(path, mode)`` when the mode reads (or, if not ``reading``, replaces) the file."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))):
            return None
        builtin = isinstance(node.func, ast.Name) and node.func.id == "open"
        if (module.qualify(node.func) in OPENS or builtin) and node.args:
            path, arguments = node.args[0], node.args[1:]  # open(path, mode)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "open":
            path, arguments = node.func.value, node.args  # path.open(mode)
        else:
            return None
        mode_node = arguments[0] if arguments else next((k.value for k in node.keywords if k.arg == "mode"), None)
        mode = mode_node.value if isinstance(mode_node, ast.Constant) and isinstance(mode_node.value, str) else "r"
        if reading:
            return path if "r" in mode and "+" not in mode else None
        return path if "w" in mode else None

    def read_path(self, module: ModuleContext, value: ast.expr, handles: dict[str, ast.expr]) -> ast.expr | None:
        """Return the path whose whole content ``value`` reads, else None."""
        for node in ast.walk(value):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PATH_READS:
                return node.func.value
            if isinstance(node, ast.Call):
                path = self.opened_path(module, node, reading=True)
                if path is not None:
                    return path
            if isinstance(node, ast.Name) and node.id in handles:
                return handles[node.id]
        return None

    def write_of(self, module: ModuleContext, statement: ast.stmt, path: ast.expr, derived: set[str]) -> ast.stmt | ast.expr | None:
        """Return the node that writes ``path`` with content computed from ``derived``, else None."""
        key = _key(path)
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                opened = self.opened_path(module, item.context_expr, reading=False)
                if opened is not None and _key(opened) == key and any(_names(s) & derived for s in statement.body):
                    return statement
            return None
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try)):
            return None  # their bodies are statements of their own in the scope walk
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_WRITES and _key(node.func.value) == key:
                if any(_names(argument) & derived for argument in node.args):
                    return node
            if module.qualify(node.func) in MOVES and len(node.args) == 2 and _key(node.args[1]) == key:
                return node  # a temporary copy of the changed content moved over the file
            if isinstance(node.func, ast.Attribute) and node.func.attr == "replace" and node.args and _key(node.args[0]) == key:
                return node  # tmp.replace(path)
            opened = self.opened_path(module, node, reading=False)
            if opened is not None and _key(opened) == key and _names(statement) & derived:
                return node
        return None

    VALID = [
        # An exclusive flock() is held around the read and the write.
        "import fcntl, json\n\n"
        "def remember(state_path, lock_path, item):\n"
        "    with open(lock_path, 'w') as lock_file:\n"
        "        fcntl.flock(lock_file, fcntl.LOCK_EX)\n"
        "        state = json.loads(state_path.read_text())\n"
        "        state['seen'].append(item)\n"
        "        state_path.write_text(json.dumps(state))\n",
        # The written content does not come from what was read.
        "def reset(path):\n"
        "    old = path.read_text()\n"
        "    print(len(old))\n"
        "    path.write_text('')\n",
        # An append adds to the file without rewriting it.
        "def log(path, line):\n"
        "    count = len(path.read_text().splitlines())\n"
        "    with open(path, 'a') as handle:\n"
        "        handle.write(f'{count} {line}')\n",
    ]
    INVALID = [
        "import json\n\n"
        "def remember(state_path, item):\n"
        "    state = json.loads(state_path.read_text())  # OPS211\n"
        "    state['seen'].append(item)\n"
        "    state_path.write_text(json.dumps(state))\n",
        # Read through a handle, written back through open(path, 'w').
        "import json\n\n"
        "def bump(path):\n"
        "    with open(path) as handle:\n"
        "        counts = json.load(handle)  # OPS211\n"
        "    counts['runs'] += 1\n"
        "    with open(path, 'w') as handle:\n"
        "        json.dump(counts, handle)\n",
        # A temporary copy moved over the file keeps it whole but still loses updates.
        "import json, os\n\n"
        "def remember(path, item):\n"
        "    state = json.loads(path.read_text())  # OPS211\n"
        "    state.append(item)\n"
        "    temporary = path.with_suffix('.tmp')\n"
        "    temporary.write_text(json.dumps(state))\n"
        "    os.replace(temporary, path)\n",
    ]
