"""The summary line of ``opsgen generate`` counts the generated files it created, updated and removed."""

from __future__ import annotations

from pathlib import Path

from codegen_helpers import make_project, run_opsgen

SPEC = """\
name: shop.{name}
input:
  count: int
output:
  ok: bool
"""


def _project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project", specs=None)
    (root / "specs" / "shop").mkdir()
    for name in ("ping", "pong"):
        (root / "specs" / "shop" / f"{name}.yaml").write_text(SPEC.format(name=name))
    return root


def test_first_run_counts_created(tmp_path: Path) -> None:
    root = _project(tmp_path)

    process = run_opsgen(root, "generate")

    assert process.returncode == 0, process.stderr
    created = sum(1 for path in (root / "app" / "generated").rglob("*") if path.is_file())
    assert f"opsgen generate: {created} generated files created in app/generated, 2 implementations created" in process.stdout
    assert "changed" not in process.stdout


def test_spec_change_counts_updated(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert run_opsgen(root, "generate").returncode == 0
    spec = root / "specs" / "shop" / "ping.yaml"
    spec.write_text(spec.read_text().replace("  ok: bool\n", "  ok: bool\n  note: str\n"))

    process = run_opsgen(root, "generate")

    assert process.returncode == 0, process.stderr
    # ping.py, ping.pyi and the manifest.
    assert "opsgen generate: 3 generated files updated in app/generated," in process.stdout


def test_deleted_spec_counts_removed(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert run_opsgen(root, "generate").returncode == 0
    (root / "specs" / "shop" / "pong.yaml").unlink()

    process = run_opsgen(root, "generate")

    assert process.returncode == 0, process.stderr
    assert "generated files updated, 2 removed in app/generated" in process.stdout
