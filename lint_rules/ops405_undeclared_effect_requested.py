"""OPS405: an operation requests a side effect by a name its spec does not declare."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator

from opsgen.lint.operations import base_class_name
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import operation_spec
from opsgen.lint.summary import function_nodes

SPEC = (
    "name: orders.ship_order\n"
    "transaction: true\n"
    "input:\n  order_id: int\n"
    "side_effects:\n"
    "  notify:\n    kind: http\n"
    "  receipt:\n    kind: email\n"
)
FILES = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/ship_order.yaml": SPEC,
    "app/__init__.py": "",
    "app/generated.py": "from opsgen.runtime.operation import Operation\n\nclass ShipOrderBase(Operation):\n    pass\n",
}


class UndeclaredEffectRequested(Rule):
    """Flags ``ctx.effect("name", ...)`` in an operation whose spec declares no effect of that name.

    What it does:
        For each class that implements an operation of the project's specs, looks at the
        calls ``<x>.effect("name", ...)`` in its methods that name the effect with a
        string literal. It reports a name that the spec does not list under
        ``side_effects``, with the closest declared name. The generated base class itself
        is not checked.

    Why is this bad:
        The runtime raises ``KeyError`` for an undeclared effect when the call requests
        it, so the operation fails at run time, on the path that reaches the request,
        after its writes and locks. The typed methods that the generator writes for each
        declared effect (``self.notify(ctx, ...)``) are checked by mypy; a string is not.

    Example:
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                ctx.effect("notify_warehouse", {"order_id": order_id})

    Use instead:
        class ShipOrder(ShipOrderBase):
            def run(self, ctx, *, order_id):
                self.notify(ctx, order_id=order_id)  # or declare notify_warehouse in the spec
    """

    code = "OPS405"
    name = "spec-contract"
    MESSAGE = (
        "OPS405 effect {effect!r} is not declared by operation {operation} (declared: {declared}), "
        "so this call raises KeyError at run time; {remedy}"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if not analysis.operations:
            return
        lines: dict[int, tuple[str, tuple[str, ...]]] = {}
        for function in module.functions():
            if not function.class_name or not any(call.text.endswith(".effect") for call in function.calls):
                continue
            spec = operation_spec(analysis, function.class_name)
            if spec is None or function.class_name.rpartition(".")[2] == base_class_name(spec.name):
                continue
            lines[function.line] = (spec.name, tuple(name for name, _ in spec.effects))
        if not lines:
            return
        for node in function_nodes(module.tree, set(lines)):
            operation, declared = lines[node.lineno]
            for call in ast.walk(node):
                if not isinstance(call, ast.Call):
                    continue
                name = _requested_effect(call)
                if name is None or name in declared:
                    continue
                close = difflib.get_close_matches(name, declared, n=1)
                remedy = f"did you mean {close[0]!r}? " if close else ""
                remedy += "declare it under side_effects in the spec, or request a declared effect"
                message = self.MESSAGE.format(
                    effect=name, operation=operation, declared=", ".join(declared) or "none", remedy=remedy
                )
                yield module.finding(self.code, message, call.lineno, call.col_offset)

    VALID = [
        Example(
            "from app.generated import ShipOrderBase\n\n"
            "class ShipOrder(ShipOrderBase):\n"
            "    def run(self, ctx, *, order_id):\n"
            "        ctx.effect('notify', {'order_id': order_id})\n",
            path="app/ship.py",
            files=FILES,
        ),
        # A name computed at run time is not checked.
        Example(
            "from app.generated import ShipOrderBase\n\n"
            "class ShipOrder(ShipOrderBase):\n"
            "    def run(self, ctx, *, order_id, which):\n"
            "        ctx.effect(which, {'order_id': order_id})\n",
            path="app/ship.py",
            files=FILES,
        ),
    ]
    INVALID = [
        Example(
            "from app.generated import ShipOrderBase\n\n"
            "class ShipOrder(ShipOrderBase):\n"
            "    def run(self, ctx, *, order_id):\n"
            "        ctx.effect('notify_warehouse', {'order_id': order_id})  # OPS405\n",
            path="app/ship.py",
            files=FILES,
        ),
    ]


def _requested_effect(node: ast.Call) -> str | None:
    """Return the literal effect name of a ``<x>.effect("name", ...)`` call, else None."""
    if not (isinstance(node.func, ast.Attribute) and node.func.attr == "effect"):
        return None
    first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "name"), None)
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None
