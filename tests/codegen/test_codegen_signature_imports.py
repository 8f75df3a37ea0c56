"""Imports a signature update needs go into the import block in sorted position."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from codegen_helpers import make_project, run_opsgen
from opsgen.codegen.signature import add_imports

FIRST_PARTY = frozenset({"app"})

HEADER = '''\
"""Place an order."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from app.generated.shop.place_order import PlaceOrderBase, PlaceOrderOutput


class PlaceOrder(PlaceOrderBase):
    pass
'''


def _added(source: str, imports: list[tuple[str, str]]) -> str:
    return add_imports(cst.parse_module(source), imports, FIRST_PARTY).code


@pytest.mark.parametrize(
    ("module", "name", "expected_block"),
    [
        ("typing", "Literal", "from decimal import Decimal\nfrom typing import Literal\nfrom uuid import UUID\n\n"),
        ("datetime", "date", "from __future__ import annotations\n\nfrom datetime import date\nfrom decimal import Decimal\n"),
        ("zoneinfo", "ZoneInfo", "from uuid import UUID\nfrom zoneinfo import ZoneInfo\n\nfrom opsgen"),
        ("pydantic", "Field", "from opsgen.runtime.execution import ExecutionContext\nfrom pydantic import Field\n\nfrom app."),
        ("app.generated.shared_types", "Money", "\n\nfrom app.generated.shared_types import Money\nfrom app.generated.shop.place_order import"),
    ],
)
def test_new_import_sorted_into_its_group(module: str, name: str, expected_block: str) -> None:
    text = _added(HEADER, [(module, name)])

    assert expected_block in text
    assert text.count(f"import {name}") == 1
    assert text.endswith("class PlaceOrder(PlaceOrderBase):\n    pass\n")


def test_name_joins_existing_statement() -> None:
    text = _added(HEADER, [("decimal", "ROUND_HALF_UP")])

    assert "from decimal import ROUND_HALF_UP, Decimal\n" in text or "from decimal import Decimal, ROUND_HALF_UP\n" in text


def test_new_group_gets_blank_line() -> None:
    source = '"""Doc."""\n\nfrom __future__ import annotations\n\nfrom app.generated.x import XBase\n\n\nclass X(XBase):\n    pass\n'

    text = _added(source, [("typing", "Literal")])

    assert "from __future__ import annotations\n\nfrom typing import Literal\n\nfrom app.generated.x import XBase\n" in text


def test_generate_puts_stdlib_import_before_project_imports(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    spec = root / "specs" / "shop" / "place_order.yaml"
    spec.write_text("name: shop.place_order\ninput:\n  order_id: uuid\n  quantity: int\noutput:\n  total: decimal\n")
    assert run_opsgen(root, "generate").returncode == 0
    implementation = root / "app" / "operations" / "shop" / "place_order.py"
    spec.write_text(spec.read_text().replace("  quantity: int\n", "  quantity: int\n  placed_on: date\n"))

    process = run_opsgen(root, "generate")

    assert process.returncode == 0, process.stderr
    text = implementation.read_text()
    assert text.index("from datetime import date") < text.index("from opsgen.")
    assert text.index("from datetime import date") < text.index("from app.generated.")
    compile(text, "place_order.py", "exec")
