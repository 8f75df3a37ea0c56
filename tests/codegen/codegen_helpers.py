"""Build throwaway opsgen projects for the generator tests and the golden refresh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
