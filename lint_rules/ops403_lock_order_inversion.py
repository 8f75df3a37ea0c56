"""OPS403: operations that call each other and take the same lock keys in opposite orders."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from opsgen.lint.analysis import Analysis
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import operation_spec, spec_matches_call

PLACEHOLDER = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class _Edge:
    """Operation ``caller`` calls ``callee`` at ``path:line``, holding its locks while the callee takes its own."""

    caller: str
    callee: str
    path: str
    line: int
    column: int
    text: str
    orders: frozenset[tuple[str, str]]  # (key family held first, key family taken second)


#: Call edges between operations, computed once per analysis (a pure function of the index).
_EDGES: weakref.WeakKeyDictionary[Analysis, list[_Edge]] = weakref.WeakKeyDictionary()


def key_family(template: str) -> str:
    """``account:{account_id}`` -> ``account:{}``: keys of one family name rows of one kind."""
    return PLACEHOLDER.sub("{}", template)


def operation_edges(analysis: Analysis) -> list[_Edge]:
    if analysis in _EDGES:
        return _EDGES[analysis]
    edges: list[_Edge] = []
    locked = [info for info in analysis.operations.values() if info.locks]
    if len(locked) >= 2:
        for class_name, (module, klass) in analysis.index.classes.items():
            caller = operation_spec(analysis, class_name)
            if caller is None or not caller.locks:
                continue
            held = {key_family(key) for key in caller.locks}
            for method in klass.methods:
                entry = analysis.index.functions.get(f"{class_name}.{method}")
                if entry is None:
                    continue
                for call in entry[1].calls:
                    callee = next((info for info in locked if spec_matches_call(info.name, call.text)), None)
                    if callee is None or callee.name == caller.name:
                        continue
                    taken = {key_family(key) for key in callee.locks}
                    orders = frozenset((first, second) for first in held for second in taken if first != second)
                    if orders:
                        edges.append(_Edge(caller.name, callee.name, module.path, call.line, call.column, call.text, orders))
    _EDGES[analysis] = edges
    return edges


class LockOrderInversion(Rule):
    """Flags a call between operations that takes lock keys in the opposite order of another call.

    What it does:
        Builds the calls between the project's operations (an operation's methods calling
        ``ops.<domain>.<name>(...)``). A call holds the caller's declared locks while the
        callee takes its own, so it orders each caller key before each callee key; keys
        are compared by family, with the placeholders removed (``account:{id}`` is
        ``account:{}``). Reports every call whose order is the reverse of another call's.

    Why is this bad:
        The pipeline takes one operation's locks in one global order, but nested calls
        stack their locks. If ``transfer`` holds ``account:`` and then calls ``post_entry``,
        which takes ``ledger:``, while ``close_ledger`` holds ``ledger:`` and calls
        ``freeze_account``, which takes ``account:``, the two can wait for each other until
        the lock timeout fails both.

    Example:
        # transfer locks account:{from_id}; post_entry locks ledger:{ledger_id}
        # close_ledger locks ledger:{ledger_id}; freeze_account locks account:{account_id}
        ops.ledger.post_entry(ctx, ...)        # inside Transfer.run
        ops.accounts.freeze_account(ctx, ...)  # inside CloseLedger.run

    Use instead:
        # Declare both keys on the outer operations, in the same order, so the pipeline
        # takes them together before either call:
        locks:
          - key: "account:{account_id}"
          - key: "ledger:{ledger_id}"
    """

    code = "OPS403"
    name = "spec-contract"
    MESSAGE = (
        "OPS403 {call}() makes {caller} hold {first} while {callee} takes {second}, but "
        "{other_caller} calls {other_callee} ({other_path}:{other_line}) in the opposite "
        "order, so the two can deadlock; declare the keys in one order on the outer "
        "operations, or stop nesting the calls"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if len([info for info in analysis.operations.values() if info.locks]) < 2:
            return
        edges = operation_edges(analysis)
        for edge in edges:
            if edge.path != module.path:
                continue
            for other in edges:
                inverted = sorted((first, second) for first, second in edge.orders if (second, first) in other.orders)
                if not inverted:
                    continue
                first, second = inverted[0]
                message = self.MESSAGE.format(
                    call=edge.text,
                    caller=edge.caller,
                    first=first,
                    callee=edge.callee,
                    second=second,
                    other_caller=other.caller,
                    other_callee=other.callee,
                    other_path=module.index.relative(other.path),
                    other_line=other.line,
                )
                yield module.finding(self.code, message, edge.line, edge.column)
                break

    VALID = [
        Example(
            "from app.generated import TransferBase, CloseLedgerBase\n"
            "from app.registry import ops\n\n"
            "class Transfer(TransferBase):\n"
            "    def run(self, ctx, *, account_id, ledger_id):\n"
            "        ops.ledger.post_entry(ctx, ledger_id=ledger_id)\n\n"
            "class CloseLedger(CloseLedgerBase):\n"
            "    def run(self, ctx, *, account_id, ledger_id):\n"
            "        ops.ledger.post_entry(ctx, ledger_id=ledger_id)\n",
            path="app/ops.py",
            files={
                "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
                "specs/transfer.yaml": "name: accounts.transfer\nlocks:\n  - key: 'account:{account_id}'\n",
                "specs/close_ledger.yaml": "name: ledger.close_ledger\nlocks:\n  - key: 'account:{account_id}'\n",
                "specs/post_entry.yaml": "name: ledger.post_entry\nlocks:\n  - key: 'ledger:{ledger_id}'\n",
                "app/__init__.py": "",
                "app/generated.py": (
                    "from opsgen.runtime.operation import Operation\n\n"
                    "class TransferBase(Operation):\n    pass\n\n"
                    "class CloseLedgerBase(Operation):\n    pass\n"
                ),
            },
        ),
    ]
    INVALID = [
        Example(
            "from app.generated import TransferBase, CloseLedgerBase\n"
            "from app.registry import ops\n\n"
            "class Transfer(TransferBase):\n"
            "    def run(self, ctx, *, account_id, ledger_id):\n"
            "        ops.ledger.post_entry(ctx, ledger_id=ledger_id)  # OPS403\n\n"
            "class CloseLedger(CloseLedgerBase):\n"
            "    def run(self, ctx, *, account_id, ledger_id):\n"
            "        ops.accounts.freeze_account(ctx, account_id=account_id)  # OPS403\n",
            path="app/ops.py",
            files={
                "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
                "specs/transfer.yaml": "name: accounts.transfer\nlocks:\n  - key: 'account:{account_id}'\n",
                "specs/post_entry.yaml": "name: ledger.post_entry\nlocks:\n  - key: 'ledger:{ledger_id}'\n",
                "specs/close_ledger.yaml": "name: ledger.close_ledger\nlocks:\n  - key: 'ledger:{ledger_id}'\n",
                "specs/freeze_account.yaml": "name: accounts.freeze_account\nlocks:\n  - key: 'account:{account_id}'\n",
                "app/__init__.py": "",
                "app/generated.py": (
                    "from opsgen.runtime.operation import Operation\n\n"
                    "class TransferBase(Operation):\n    pass\n\n"
                    "class CloseLedgerBase(Operation):\n    pass\n"
                ),
            },
        ),
    ]
