"""OPS103: an opsgen operation that writes several times while its spec has no transaction."""

from __future__ import annotations

from collections.abc import Iterator

from opsgen.lint.rule import Example, Finding, ModuleContext, Rule

_SPEC = """\
name: shop.place_order
input:
  customer_id: int
"""


class OperationWritesWithoutTransaction(Rule):
    """Flags an operation's run() that makes two or more writes when its spec lacks transaction: true.

    What it does:
        Finds classes that implement an opsgen operation (they extend the generated
        ``<Name>Base``) and counts the writes their ``run()`` makes, directly or through
        helpers. Two or more, with no transaction block of their own, while the spec does
        not say ``transaction: true``, is reported at the first write.

    Why is this bad:
        The pipeline opens a transaction only when the spec declares one. Without it each
        write commits on its own, and a failure halfway leaves a partial change that the
        execution log then records as a failed call.

    Example:
        # specs/shop/place_order.yaml has no transaction key
        class PlaceOrder(PlaceOrderBase):
            def run(self, ctx, *, customer_id):
                order = Order.objects.create(customer_id=customer_id)
                Invoice.objects.create(order=order)

    Use instead:
        # specs/shop/place_order.yaml
        transaction: true
    """

    code = "OPS103"
    name = "operation-writes-without-transaction"
    MESSAGE = (
        "OPS103 operation {operation} makes {count} writes ({writes}) but its spec {spec} "
        "does not declare a transaction; add transaction: true to the spec"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        for function in module.functions():
            operation = analysis.operation_of(function)
            if operation is None or operation.transaction:
                continue
            sites = analysis.one_path(analysis.write_sites(function))
            count = sum(weight for _, weight in sites)
            if count < 2:
                continue
            first = sites[0][0]
            message = self.MESSAGE.format(
                operation=operation.name,
                count="several" if count > len(sites) else str(count),
                writes=", ".join(f"{call.text}() at line {call.line}" for call, _ in sites[:3]),
                spec=module.index.relative(operation.path),
            )
            yield module.finding(self.code, message, first.line, first.column)

    VALID = [
        Example(
            "from shop.generated.place_order import PlaceOrderBase\n"
            "from shop.models import Invoice, Order\n\n"
            "class PlaceOrder(PlaceOrderBase):\n"
            "    def run(self, ctx, *, customer_id):\n"
            "        order = Order.objects.create(customer_id=customer_id)\n"
            "        Invoice.objects.create(order=order)\n",
            files={"specs/place_order.yaml": _SPEC + "transaction: true\n", "pyproject.toml": "[tool.opsgen]\nspecs = 'specs'\n"},
        ),
    ]
    INVALID = [
        Example(
            "from shop.generated.place_order import PlaceOrderBase\n"
            "from shop.models import Invoice, Order\n\n"
            "class PlaceOrder(PlaceOrderBase):\n"
            "    def run(self, ctx, *, customer_id):\n"
            "        order = Order.objects.create(customer_id=customer_id)  # OPS103\n"
            "        Invoice.objects.create(order=order)\n",
            files={"specs/place_order.yaml": _SPEC, "pyproject.toml": "[tool.opsgen]\nspecs = 'specs'\n"},
        ),
    ]
