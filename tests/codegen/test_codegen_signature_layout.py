"""A rewritten ``run`` signature is laid out as black and ruff format it.

It stays on one line when it fits and the user's was on one line. Otherwise each
parameter, ``self`` included, gets its own line, indented one level more than ``def``,
with a trailing comma, and the closing parenthesis lines up with ``def``.
"""

from __future__ import annotations

from pathlib import Path

from codegen_helpers import make_project, run_opsgen

SPEC = """\
name: shop.ping
input:
  count: int
output:
  ok: bool
"""

IMPLEMENTATION_PATH = Path("app/operations/shop/ping.py")

IMPLEMENTATION = '''\
"""Ping the shop."""

from __future__ import annotations

from opsgen.runtime.execution import ExecutionContext

from app.generated.shop.ping import PingBase, PingOutput


class Ping(PingBase):
    def run(self, ctx: ExecutionContext, *, count: int) -> PingOutput:
        return PingOutput(ok=count > 0)
'''


def _project(tmp_path: Path, implementation: str) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "ping.yaml").write_text(SPEC)
    first = run_opsgen(root, "generate")
    assert first.returncode == 0, first.stderr
    (root / IMPLEMENTATION_PATH).write_text(implementation)
    return root


def _add_input(root: Path, line: str) -> str:
    spec = root / "specs" / "shop" / "ping.yaml"
    spec.write_text(spec.read_text().replace("  count: int\n", f"  count: int\n{line}"))
    process = run_opsgen(root, "generate")
    assert process.returncode == 0, process.stderr
    text = (root / IMPLEMENTATION_PATH).read_text()
    compile(text, str(IMPLEMENTATION_PATH), "exec")
    return text


def test_long_signature_one_parameter_per_line(tmp_path: Path) -> None:
    root = _project(tmp_path, IMPLEMENTATION)

    text = _add_input(root, "  a_rather_long_parameter_name: str\n  another_long_parameter_name: str\n")

    expected = (
        "    def run(\n"
        "        self,\n"
        "        ctx: ExecutionContext,\n"
        "        *,\n"
        "        count: int,\n"
        "        a_rather_long_parameter_name: str,\n"
        "        another_long_parameter_name: str,\n"
        "    ) -> PingOutput:\n"
        "        return PingOutput(ok=count > 0)\n"
    )
    assert expected in text


def test_exploded_signature_stays_exploded(tmp_path: Path) -> None:
    exploded = IMPLEMENTATION.replace(
        "    def run(self, ctx: ExecutionContext, *, count: int) -> PingOutput:\n",
        "    def run(\n        self,\n        ctx: ExecutionContext,\n        *,\n        count: int,\n    ) -> PingOutput:\n",
    )
    root = _project(tmp_path, exploded)

    text = _add_input(root, "  size: int\n")

    assert "        count: int,\n        size: int,\n    ) -> PingOutput:\n" in text
    assert "    def run(\n        self,\n" in text


def test_two_space_indentation_kept(tmp_path: Path) -> None:
    two_spaces = IMPLEMENTATION.replace(
        "    def run(self, ctx: ExecutionContext, *, count: int) -> PingOutput:\n        return",
        "  def run(self, ctx: ExecutionContext, *, count: int) -> PingOutput:\n    return",
    )
    root = _project(tmp_path, two_spaces)

    text = _add_input(root, "  a_rather_long_parameter_name: str\n  another_long_parameter_name: str\n")

    assert "  def run(\n    self,\n    ctx: ExecutionContext,\n" in text
    assert "    another_long_parameter_name: str,\n  ) -> PingOutput:\n    return PingOutput" in text
