"""A real generated package with one operation, for tests that need the generated handle.

The hand-written handles of ``integration_ops`` accept any keywords, but a generated
handle's ``__call__`` has a keyword-only signature of the spec's inputs, so spreading
a mapping with a missing or extra key into it raises ``TypeError``. Tests of entry
points that receive input as data use this package to see that difference.

:func:`write_orders_project` runs ``opsgen generate`` on the spec below in a fresh
folder and writes the implementation; :func:`generate_orders` also imports the
registry, under a package name of its own.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opsgen.codegen.config import load_config
from opsgen.codegen.generator import generate

PACKAGE = "opsgen_trial_orders"

PYPROJECT = f"""\
[tool.opsgen]
specs = "specs"
package = "{PACKAGE}/generated"
implementations = "{PACKAGE}/operations"

[tool.mypy]
strict = true
plugins = ["pydantic.mypy"]
"""

CREATE_ORDER_SPEC = """\
name: orders.create_order
description: Create an order for a customer.
input:
  sku: str
  quantity: {type: int, ge: 1}
  customer: str
output:
  order_ref: str
context:
  requires: [actor]
"""

CREATE_ORDER_IMPLEMENTATION = f'''\
from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from {PACKAGE}.generated.orders.create_order import CreateOrderBase, CreateOrderOutput


class CreateOrder(CreateOrderBase):
    def run(self, ctx: ExecutionContext, *, sku: str, quantity: int, customer: str) -> CreateOrderOutput:
        return CreateOrderOutput(order_ref=f"{{customer}}/{{sku}}x{{quantity}}")
'''


def write_orders_project(root: Path) -> Path:
    """Write the project into the new folder ``root``, generate its package, and return ``root``."""
    (root / "specs" / "orders").mkdir(parents=True)
    (root / "specs" / "orders" / "create_order.yaml").write_text(CREATE_ORDER_SPEC, encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / PACKAGE).mkdir()
    (root / PACKAGE / "__init__.py").write_text("", encoding="utf-8")
    generate(load_config(root))
    (root / PACKAGE / "operations" / "orders" / "create_order.py").write_text(
        CREATE_ORDER_IMPLEMENTATION, encoding="utf-8"
    )
    return root


@contextmanager
def generate_orders(root: Path) -> Iterator[Any]:
    """Generate the package in ``root``, import it, and yield its registry ``ops``.

    The package leaves ``sys.path`` and ``sys.modules`` when the block ends, so the
    next test module can generate and import it afresh.
    """
    write_orders_project(root)
    sys.path.insert(0, str(root))
    try:
        registry = importlib.import_module(f"{PACKAGE}.generated.registry")
        yield registry.ops
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
