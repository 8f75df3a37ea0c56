"""OPS210: a module-level number incremented through ``global`` and read back, with no lock."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from opsgen.lint.orm import callee_name, is_lock_name, is_test_path, module_bindings, scope_nodes, takes_lock
from opsgen.lint.summary import function_nodes
from opsgen.lint.rule import Finding, ModuleContext, Rule


#: A ``global`` statement inside a function: indented.
GLOBAL_STATEMENT = re.compile(r"^[ \t]+global[ \t]+\w", re.MULTILINE)


def _is_number(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool)


class GlobalCounterWithoutLock(Rule):
    """Flags a module-level number incremented through ``global`` and then read, with no lock held.

    What it does:
        Finds module-level names bound to a number and reports ``name += n`` (or ``-=``) in
        a function that declares ``global name`` and reads the name again after the
        increment, to return it or to use it as an id or a sequence number. Not reported:
        code inside ``with <lock>:`` or after a call that takes a lock, an increment that
        nothing reads back in the function (a statistic), and tests.

    Why is this bad:
        Web servers and task workers run functions on several threads. ``+=`` on a global
        is a read, an addition and a store, and a thread switch between them lets two
        threads read the same value: two requests get the same id.

    Example:
        _last_id = 0

        def next_id():
            global _last_id
            _last_id += 1
            return _last_id

    Use instead:
        _last_id = 0
        _last_id_lock = threading.Lock()

        def next_id():
            global _last_id
            with _last_id_lock:
                _last_id += 1
                return _last_id
    """

    code = "OPS210"
    name = "missing-lock"
    scope = "module"
    MESSAGE = (
        "OPS210 module-level {name} is incremented and read back without a lock, so two threads "
        "can get the same value; hold a threading.Lock around the increment and the read, or "
        "take the values from itertools.count()"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        source = module.source
        if "global" not in source:
            return
        global_lines = [source.count("\n", 0, match.start()) + 1 for match in GLOBAL_STATEMENT.finditer(source)]
        if not global_lines or is_test_path(module.relative_path):
            return
        numbers = module_bindings(module.tree, _is_number)
        if not numbers:
            return
        candidates = {function.line for line in global_lines if (function := module.function_at(line)) is not None}
        for node in function_nodes(module.tree, candidates):
            yield from self.check_function(module, node, numbers)

    def check_function(self, module: ModuleContext, function: ast.FunctionDef | ast.AsyncFunctionDef, numbers: set[str]) -> Iterator[Finding]:
        nodes = list(scope_nodes(function.body))
        declared = {name for node in nodes if isinstance(node, ast.Global) for name in node.names} & numbers
        locked_spans = [
            (n.lineno, n.end_lineno or n.lineno)
            for n in nodes
            if isinstance(n, (ast.With, ast.AsyncWith)) and any(takes_lock(item) for item in n.items)
        ]
        lock_calls = [n.lineno for n in nodes if isinstance(n, ast.Call) and callee_name(n.func) and is_lock_name(callee_name(n.func))]
        reads = [(n.lineno, n.col_offset, n.id) for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
        increments = sorted(
            (n for n in nodes if isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Add, ast.Sub))),
            key=lambda n: n.lineno,
        )
        for increment in increments:
            target = increment.target
            if not isinstance(target, ast.Name) or target.id not in declared:
                continue
            line = increment.lineno
            if any(start <= line <= end for start, end in locked_spans) or any(lock < line for lock in lock_calls):
                continue
            read_after = any(
                name == target.id and (read_line, column) > (increment.end_lineno or line, increment.end_col_offset or 0)
                for read_line, column, name in reads
            )
            if read_after:
                yield module.finding(self.code, self.MESSAGE.format(name=target.id), line, increment.col_offset)

    VALID = [
        "import threading\n\n"
        "_last_id = 0\n"
        "_lock = threading.Lock()\n\n"
        "def next_id():\n"
        "    global _last_id\n"
        "    with _lock:\n"
        "        _last_id += 1\n"
        "        return _last_id\n",
        # A statistic that nothing reads back here.
        "_hits = 0\n\n"
        "def hit():\n"
        "    global _hits\n"
        "    _hits += 1\n",
        # A local name of the same name.
        "_count = 0\n\n"
        "def tally(items):\n"
        "    _count = 0\n"
        "    for item in items:\n"
        "        _count += 1\n"
        "    return _count\n",
    ]
    INVALID = [
        "_last_id = 0\n\n"
        "def next_id():\n"
        "    global _last_id\n"
        "    _last_id += 1  # OPS210\n"
        "    return _last_id\n",
        "_sequence: int = 100\n\n"
        "def new_ticket(queue):\n"
        "    global _sequence\n"
        "    _sequence += 1  # OPS210\n"
        "    queue.append({'number': _sequence})\n",
    ]
