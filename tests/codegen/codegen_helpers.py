"""Build throwaway opsgen projects for the generator tests and the golden refresh."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPECS = REPO / "specs"
GOLDEN = REPO / "tests" / "golden" / "example"
OPSGEN = [sys.executable, "-m", "opsgen.cli.main"]

PYPROJECT = """\
[tool.opsgen]
specs = "specs"
package = "app/generated"
implementations = "app/operations"

[tool.mypy]
strict = true
plugins = ["pydantic.mypy"]
"""


#: An operation spec and an implementation of it whose body uses every input.
PLACE_ORDER_SPEC = """\
name: shop.place_order
input:
  order_id: uuid
  quantity: int
output:
  total: decimal
"""

PLACE_ORDER_IMPLEMENTATION = '''\
"""Place an order."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from opsgen.runtime.execution import ExecutionContext

from app.generated.shop.place_order import PlaceOrderBase, PlaceOrderOutput


class PlaceOrder(PlaceOrderBase):
    # Prices come from the catalogue.
    def run(self, ctx: ExecutionContext, *, order_id: UUID, quantity: int) -> PlaceOrderOutput:
        unit = Decimal("2.50")  # fixed price for now
        return PlaceOrderOutput(total=unit * quantity)
'''


def make_project(root: Path, specs: Path | None = EXAMPLE_SPECS) -> Path:
    """Create a project in ``root`` with a copy of ``specs``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "app").mkdir(exist_ok=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    if specs is not None:
        shutil.copytree(specs, root / "specs")
    else:
        (root / "specs").mkdir()
    return root


def run_opsgen(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``opsgen`` in ``root`` as a subprocess and return the finished process."""
    return subprocess.run(
        [*OPSGEN, *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def generated_project(root: Path, specs: Mapping[str, str], implementations: Mapping[str, str]) -> Path:
    """Create a project in ``root`` from ``specs``, generate it, then write ``implementations``.

    Both map a path (below ``specs/`` and below ``app/operations/``) to the file's text.
    Fails the test with the generator's stderr when generation fails. Returns ``root``.
    """
    make_project(root, specs=None)
    for relative, text in specs.items():
        path = root / "specs" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    generated = run_opsgen(root, "generate")
    assert generated.returncode == 0, generated.stderr
    for relative, text in implementations.items():
        (root / "app" / "operations" / relative).write_text(text, encoding="utf-8")
    return root


def run_script(root: Path, script: str, *args: str) -> tuple[Any, str]:
    """Run the Python ``script`` in ``root``; return the JSON of its last output line and its stderr.

    Fails the test with the stderr when the script exits with an error.
    """
    process = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1]), process.stderr


def read_tree(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` (caches skipped) as relative path -> bytes."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".mypy_cache" not in path.parts:
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def generate_example(root: Path) -> dict[str, bytes]:
    """Generate the example specs in a fresh project under ``root``; return the ``app`` tree."""
    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import generate

    make_project(root)
    generate(load_config(root))
    return read_tree(root / "app")
