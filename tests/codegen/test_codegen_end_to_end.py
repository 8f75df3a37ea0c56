"""Generated code runs through the real runtime: typed calls, errors, effects, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from codegen_helpers import make_project, run_opsgen

SPEC = """\
name: shop.add_item
description: Add an item to a cart.
input:
  cart: str
  quantity:
    type: int
    ge: 1
  gift_note:
    type: str
    optional: true
output:
  total_quantity: int
errors:
  cart_closed:
    message: The cart is closed.
    details:
      cart: str
transaction: true
side_effects:
  notify_shopper:
    kind: email
    payload:
      to: str
      quantity: int
"""

# The implementation imports the registry at module level: the registry must import it
# only on first call, or this would be an import cycle.
IMPLEMENTATION = '''\
from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from app.generated import ops
from app.generated.shop.add_item import AddItemBase, AddItemOutput

REGISTRY = ops


class AddItem(AddItemBase):
    def run(self, ctx: ExecutionContext, *, cart: str, quantity: int, gift_note: str | None) -> AddItemOutput:
        if cart == "closed":
            raise self.errors.cart_closed(cart=cart)
        self.notify_shopper(ctx, to=f"{cart}@example.com", quantity=quantity)
        return AddItemOutput(total_quantity=quantity + (1 if gift_note else 0))
'''

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from opsgen.runtime.runtime import configure
    from app.generated import ops
    loaded_before_call = "app.operations.shop.add_item" in sys.modules
    runtime = configure(database_url=sys.argv[1])
    delivered = []
    runtime.register_effect_handler("email", lambda call: delivered.append(dict(call.payload)))
    ok = ops.shop.add_item(None, cart="c1", quantity=2, gift_note="hi")
    closed = ops.shop.add_item(None, cart="closed", quantity=1)
    invalid = ops.shop.add_item(None, cart="c1", quantity=0)
    print(json.dumps({
        "loaded_before_call": loaded_before_call,
        "ok": [ok.ok, ok.value.total_quantity if ok.ok else None],
        "closed": [closed.ok, getattr(closed, "code", None), dict(getattr(closed, "details", {}))],
        "invalid": [invalid.ok, getattr(invalid, "code", None)],
        "delivered": delivered,
    }))
    """
)


def test_generated_operation_runs_through_runtime(tmp_path: Path, sqlite_url: str) -> None:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "add_item.yaml").write_text(SPEC)
    assert run_opsgen(root, "generate").returncode == 0
    (root / "app" / "operations" / "shop" / "add_item.py").write_text(IMPLEMENTATION)

    process = subprocess.run(
        [sys.executable, "-c", SCRIPT, sqlite_url], cwd=root, capture_output=True, text=True, timeout=120
    )

    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result["loaded_before_call"] is False
    assert result["ok"] == [True, 3]
    assert result["closed"] == [False, "cart_closed", {"cart": "closed"}]
    assert result["invalid"] == [False, "invalid_input"]
    assert result["delivered"] == [{"to": "c1@example.com", "quantity": 2}]
