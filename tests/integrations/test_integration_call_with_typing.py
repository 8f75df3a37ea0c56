"""mypy --strict types ``call_with`` and ``enqueue_with`` on a generated handle.

``call_with`` returns a result of the operation's output model, and both take the
input only as a mapping, passed by position.

The case file below marks each line mypy must reject with ``# E: <code>``. mypy runs
on the generated package as written (its ``.pyi`` stubs win) and on the ``.py``
sources alone, and must report exactly the marked errors in both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from generated_orders import PACKAGE, write_orders_project

CASES = f'''\
from __future__ import annotations

from typing import Any

from opsgen.runtime.context import Context
from opsgen.runtime.result import Result

from {PACKAGE}.generated.orders.create_order import CreateOrderOutput
from {PACKAGE}.generated.registry import ops


def order_ref(body: dict[str, Any]) -> str:
    result: Result[CreateOrderOutput] = ops.orders.create_order.call_with(Context(actor="ann"), body)
    return result.unwrap().order_ref


def order_count(body: dict[str, Any]) -> int:
    return ops.orders.create_order.call_with(None, body).unwrap().order_ref  # E: return-value


def from_list(values: list[str]) -> None:
    ops.orders.create_order.call_with(None, values)  # E: arg-type


def by_keyword(body: dict[str, Any]) -> None:
    ops.orders.create_order.call_with(None, inputs=body)  # E: call-arg


def queue_order(body: dict[str, Any]) -> Any:
    return ops.orders.create_order.enqueue_with(Context(actor="ann"), body)


def queue_from_list(values: list[str]) -> None:
    ops.orders.create_order.enqueue_with(None, values)  # E: arg-type


def queue_by_keyword(body: dict[str, Any]) -> None:
    ops.orders.create_order.enqueue_with(None, inputs=body)  # E: call-arg
'''

_MARK = re.compile(r"#\s*E:\s*([a-z-]+)")
_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*?(  \[(?P<code>[a-z-]+)\])?$")


def expected_errors() -> set[tuple[str, int, str]]:
    expected = set()
    for number, line in enumerate(CASES.splitlines(), start=1):
        mark = _MARK.search(line)
        if mark:
            expected.add((f"{PACKAGE}/cases.py", number, mark.group(1)))
    return expected


def mypy_errors(root: Path) -> tuple[set[tuple[str, int, str]], str]:
    process = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(root / ".mypy_cache"), PACKAGE],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    found = set()
    for line in process.stdout.splitlines():
        match = _ERROR.match(line)
        if match:
            found.add((match["path"], int(match["line"]), match["code"] or ""))
    return found, process.stdout + process.stderr


@pytest.mark.slow
@pytest.mark.parametrize("stubs", [True, False], ids=["with-stubs", "sources-only"])
def test_call_with_typed_by_mypy(tmp_path: Path, stubs: bool) -> None:
    root = write_orders_project(tmp_path / "project")
    (root / PACKAGE / "cases.py").write_text(CASES, encoding="utf-8")
    if not stubs:
        for stub in (root / PACKAGE).rglob("*.pyi"):
            stub.unlink()

    found, output = mypy_errors(root)

    assert len(expected_errors()) == 5
    assert found - expected_errors() == set(), f"unexpected mypy errors:\n{output}"
    assert expected_errors() - found == set(), f"misuse that mypy accepted:\n{output}"
