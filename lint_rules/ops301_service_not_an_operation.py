"""OPS301: a class in a service package that is not an opsgen operation with one entry point."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import is_generated, OPERATION_BASE, base_names, in_service_packages, public_methods

#: Bases of classes that hold data or errors rather than doing work.
NOT_SERVICES = ("Error", "Exception", "Warning", "Enum", "BaseModel", "TypedDict", "NamedTuple", "Protocol")


class ServiceNotAnOperation(Rule):
    """Flags a service in a ``service-packages`` module that is not an opsgen operation.

    What it does:
        In the modules named by ``service-packages`` in ``[tool.opsgen.lint]``, reports a
        public class with public methods that does not derive from a generated operation
        base class, and, in an operation class, each public method other than ``run``.
        Exceptions, enums, pydantic models, typed dicts and protocols are data, not
        services, and are left alone.

    Why is this bad:
        A service layer is only uniform when every service is called the same way. A class
        outside the pipeline gets no execution record, no declared transaction or locks and
        no after-commit effects, and a second public method on an operation is a second
        entry point that bypasses ``run``'s contract.

    Example:
        # billing/services/refunds.py, with service-packages = ["billing.services"]
        class RefundCalculator:
            def execute(self, order, amount):
                return min(amount, order.paid_total)

    Use instead:
        # specs/billing/calculate_refund.yaml declares the inputs and output, then:
        class CalculateRefund(CalculateRefundBase):
            def run(self, ctx, *, order_id, amount):
                ...
    """

    code = "OPS301"
    name = "non-uniform-interface"
    MESSAGE = (
        "OPS301 {what} in service package {package}; declare it as an opsgen operation "
        "(a spec and a subclass of its generated base) with run() as its only entry point"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        patterns = module.config.service_packages
        package = module.summary.module
        if not patterns or not in_service_packages(package, patterns) or is_generated(module.source):
            return
        analysis = module.analysis
        for statement in module.tree.body:
            if not isinstance(statement, ast.ClassDef) or statement.name.startswith("_"):
                continue
            if any(base.endswith(NOT_SERVICES) for base in base_names(statement)):
                continue
            methods = public_methods(statement)
            if not methods:
                continue
            qualname = f"{package}.{statement.name}"
            ancestors = analysis.mro(qualname)[1:]
            is_operation = any(a == OPERATION_BASE or a.rpartition(".")[2] in analysis.operations for a in ancestors)
            if not is_operation:
                what = f"class {statement.name} is a service but not an opsgen operation"
                yield module.finding(self.code, self.MESSAGE.format(what=what, package=package), statement.lineno, statement.col_offset)
                continue
            for method in methods:
                if method.name != "run" and not self.is_declared_effect(module, ancestors, method.name):
                    what = f"operation {statement.name} has a second public entry point {method.name}()"
                    yield module.finding(self.code, self.MESSAGE.format(what=what, package=package), method.lineno, method.col_offset)

    @staticmethod
    def is_declared_effect(module: ModuleContext, ancestors: list[str], name: str) -> bool:
        """Return True when a generated base defines ``name`` (an effect method it may override)."""
        return any(f"{ancestor}.{name}" in module.index.functions for ancestor in ancestors)

    VALID = [
        Example(
            "from opsgen.runtime.operation import Operation\n\n"
            "class CalculateRefund(Operation):\n"
            "    def run(self, ctx, *, order_id, amount):\n"
            "        return amount\n\n"
            "class RefundError(Exception):\n"
            "    def describe(self):\n"
            "        return 'refund failed'\n",
            path="shop/services/refunds.py",
            config={"service-packages": ["shop.services"]},
            files={"shop/__init__.py": "", "shop/services/__init__.py": ""},
        ),
        # Outside the service packages nothing is required.
        Example(
            "class RefundCalculator:\n"
            "    def execute(self, order, amount):\n"
            "        return amount\n",
            path="shop/helpers.py",
            config={"service-packages": ["shop.services"]},
            files={"shop/__init__.py": ""},
        ),
    ]
    INVALID = [
        Example(
            "class RefundCalculator:  # OPS301\n"
            "    def execute(self, order, amount):\n"
            "        return min(amount, order.paid_total)\n",
            path="shop/services/refunds.py",
            config={"service-packages": ["shop.services"]},
            files={"shop/__init__.py": "", "shop/services/__init__.py": ""},
        ),
        # A glob pattern, and an operation with a second public method.
        Example(
            "from opsgen.runtime.operation import Operation as Op\n\n"
            "class CalculateRefund(Op):\n"
            "    def run(self, ctx, *, order_id, amount):\n"
            "        return self.limit(amount)\n\n"
            "    def limit(self, amount):  # OPS301\n"
            "        return amount\n",
            path="shop/orders/services.py",
            config={"service-packages": ["*.services"]},
            files={"shop/__init__.py": "", "shop/orders/__init__.py": ""},
        ),
    ]
