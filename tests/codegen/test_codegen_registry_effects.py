"""A generated registry makes every declared effect known, so a process's first call warns only about wrong keys."""

from __future__ import annotations

import textwrap
from pathlib import Path

from codegen_helpers import generated_project, run_script

ADD_ITEM_SPEC = """\
name: shop.add_item
input:
  cart: str
output:
  cart: str
"""

SHIP_ORDER_SPEC = """\
name: shop.ship_order
input:
  order: str
output:
  order: str
side_effects:
  notify_warehouse:
    kind: http
    payload:
      order: str
"""

ADD_ITEM_IMPLEMENTATION = '''\
from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from app.generated.shop.add_item import AddItemBase, AddItemOutput


class AddItem(AddItemBase):
    def run(self, ctx: ExecutionContext, *, cart: str) -> AddItemOutput:
        return AddItemOutput(cart=cart)
'''

# The first call is shop.add_item, which declares no effect; the handlers serve
# shop.ship_order, whose module is never imported. Only the misspelt key matches nothing.
SCRIPT = textwrap.dedent(
    """
    import json, logging, sys
    from opsgen.runtime.errors import ConfigurationError
    from opsgen.runtime.runtime import configure
    from app.generated import ops
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    runtime = configure(database_url=sys.argv[1])
    runtime.register_effect_handler("notify_warehouse", lambda call: None)
    runtime.register_effect_handler("shop.ship_order.notify_warehouse", lambda call: None)
    runtime.register_effect_handler("notify_warehous", lambda call: None)
    result = ops.shop.add_item(None, cart="c1")
    ship_order_imported = "app.generated.shop.ship_order" in sys.modules
    try:
        runtime.check_effect_handlers(ops, require_handlers=False)
        problems = ""
    except ConfigurationError as exc:
        problems = str(exc)
    print(json.dumps({
        "ok": result.ok,
        "ship_order_imported": ship_order_imported,
        "problems": problems,
    }))
    """
)


def test_first_call_warns_only_wrong_key(tmp_path: Path, sqlite_url: str) -> None:
    root = generated_project(
        tmp_path / "project",
        {"shop/add_item.yaml": ADD_ITEM_SPEC, "shop/ship_order.yaml": SHIP_ORDER_SPEC},
        {"shop/add_item.py": ADD_ITEM_IMPLEMENTATION},
    )

    result, stderr = run_script(root, SCRIPT, sqlite_url)

    assert result["ok"] is True
    assert result["ship_order_imported"] is False
    warnings = [line for line in stderr.splitlines() if line.startswith("opsgen.runtime.runtime:")]
    assert len(warnings) == 1, stderr
    assert "effect handler 'notify_warehous' matches no effect" in warnings[0]
    assert "among the 2 operations" in warnings[0]
    assert "'notify_warehous'" in result["problems"]
    assert "'notify_warehouse'" not in result["problems"]
    assert "shop.ship_order.notify_warehouse" not in result["problems"]
