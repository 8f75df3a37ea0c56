"""Generated operations redact the values at their sensitive paths, not every key of that name."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from codegen_helpers import make_project, run_opsgen

TYPES = """\
kind: types
types:
  Card:
    fields:
      number: {type: str, sensitive: true}
      holder: str
  Wallet:
    fields:
      owner: str
      cards: list[Card]
  Line:
    fields:
      number: int
      label: str
"""

SPEC = """\
name: shop.pay
input:
  card: Card
  cards: list[Card]
  wallets: map[Wallet]
output:
  number: str
  lines: list[Line]
errors:
  declined:
    message: The card was declined.
    details:
      number: str
      pan: {type: str, sensitive: true}
"""

IMPLEMENTATION = '''\
from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from app.generated.shared_types import Card, Line, Wallet
from app.generated.shop.pay import PayBase, PayOutput


class Pay(PayBase):
    def run(
        self, ctx: ExecutionContext, *, card: Card, cards: list[Card], wallets: dict[str, Wallet]
    ) -> PayOutput:
        if card.holder == "declined":
            raise self.errors.declined(number="T-7", pan=card.number)
        return PayOutput(number="T-1001", lines=[Line(number=1, label="coffee")])
'''

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from opsgen.runtime.runtime import configure
    from app.generated import ops
    runtime = configure(database_url=sys.argv[1])
    card = {"number": "4111111111111111", "holder": "Ada"}
    wallet = {"owner": "Ada", "cards": [{"number": "5500000000000004", "holder": "Ada"}]}
    paid = ops.shop.pay(None, card=card, cards=[card, card], wallets={"home": wallet})
    declined = ops.shop.pay(None, card={"number": "4000000000000002", "holder": "declined"}, cards=[], wallets={})
    records = [runtime.store.find_execution(result.execution_id) for result in (paid, declined)]
    print(json.dumps([{key: record[key] for key in ("input", "output", "error_details")} for record in records]))
    """
)


def decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def run_pay(tmp_path: Path, sqlite_url: str) -> list[dict[str, Any]]:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "types.yaml").write_text(TYPES)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "pay.yaml").write_text(SPEC)
    generated = run_opsgen(root, "generate")
    assert generated.returncode == 0, generated.stderr
    (root / "app" / "operations" / "shop" / "pay.py").write_text(IMPLEMENTATION)

    process = subprocess.run(
        [sys.executable, "-c", SCRIPT, sqlite_url], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    records = json.loads(process.stdout.strip().splitlines()[-1])
    return [{key: decoded(value) for key, value in record.items()} for record in records]


def test_sensitive_paths_redact_record(tmp_path: Path, sqlite_url: str) -> None:
    paid, declined = run_pay(tmp_path, sqlite_url)

    assert paid["input"]["card"] == {"number": "***", "holder": "Ada"}
    assert paid["input"]["cards"] == [{"number": "***", "holder": "Ada"}] * 2
    assert paid["input"]["wallets"] == {"home": {"owner": "Ada", "cards": [{"number": "***", "holder": "Ada"}]}}
    assert paid["output"]["number"] == "T-1001"
    assert paid["output"]["lines"] == [{"number": 1, "label": "coffee"}]

    assert declined["input"]["card"] == {"number": "***", "holder": "declined"}
    assert declined["error_details"] == {"number": "T-7", "pan": "***"}
    assert "4111111111111111" not in json.dumps([paid, declined])
    assert "4000000000000002" not in json.dumps([paid, declined])
