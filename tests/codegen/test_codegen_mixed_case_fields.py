"""Field names with capitals, which the spec format allows, generate code that type-checks and runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from codegen_helpers import make_project, run_opsgen

SPEC = """\
name: shop.place_order
description: Place an order for a user of a JSON API whose fields are camelCase.
input:
  userId: int
  orderID: {type: str, max_length: 20}
output:
  acceptedAt: str
locks:
  - key: "user:{userId}"
"""

IMPLEMENTATION = '''\
from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from app.generated.shop.place_order import PlaceOrderBase, PlaceOrderOutput


class PlaceOrder(PlaceOrderBase):
    def run(self, ctx: ExecutionContext, *, userId: int, orderID: str) -> PlaceOrderOutput:
        return PlaceOrderOutput(acceptedAt=f"{userId}/{orderID}")
'''

SCRIPT = """
import json, sys
from opsgen.runtime.runtime import configure
from app.generated import ops
configure(database_url=sys.argv[1])
result = ops.shop.place_order(None, userId=7, orderID="A-1")
print(json.dumps([result.ok, result.value.acceptedAt if result.ok else result.message]))
"""


def test_camel_case_fields_generate_type_check_and_run(tmp_path: Path, sqlite_url: str) -> None:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "place_order.yaml").write_text(SPEC)
    generated = run_opsgen(root, "generate")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    (root / "app" / "operations" / "shop" / "place_order.py").write_text(IMPLEMENTATION)

    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(root / ".mypy_cache"), "app"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT, sqlite_url], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout.splitlines()[-1]) == [True, "7/A-1"]
