"""Generation is byte-identical across runs, hash seeds, file orders and working directories."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

from codegen_helpers import EXAMPLE_SPECS, OPSGEN, make_project, read_tree


def copy_specs_in_order(destination: Path, order: list[Path]) -> None:
    """Create the spec files in ``order``, so directory listings come back in another order."""
    for source in order:
        target = destination / source.relative_to(EXAMPLE_SPECS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def generate_in(root: Path, cwd: Path, seed: str) -> dict[str, bytes]:
    process = subprocess.run(
        [*OPSGEN, "generate", str(root / "specs"), "--package", str(root / "app" / "generated"),
         "--implementations", str(root / "app" / "operations")],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
        timeout=120,
    )
    assert process.returncode == 0, process.stderr
    return read_tree(root / "app")


def test_output_is_byte_identical(tmp_path: Path) -> None:
    files = sorted(p for p in EXAMPLE_SPECS.rglob("*.yaml"))
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != files

    first_root = make_project(tmp_path / "first", specs=None)
    copy_specs_in_order(first_root / "specs", files)
    second_root = make_project(tmp_path / "second", specs=None)
    copy_specs_in_order(second_root / "specs", list(reversed(shuffled)))

    first = generate_in(first_root, first_root, seed="1")
    # From a subfolder: opsgen finds pyproject.toml upwards, so the project root is the same.
    second = generate_in(second_root, second_root / "specs" / "billing", seed="2")

    assert len(first) > 20
    assert first == second


def test_rerun_writes_nothing(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    generate_in(root, root, seed="3")
    before = {p: p.stat().st_mtime_ns for p in (root / "app").rglob("*") if p.is_file()}

    process = subprocess.run([*OPSGEN, "generate"], cwd=root, capture_output=True, text=True, timeout=120)

    assert process.returncode == 0, process.stderr
    assert "up to date" in process.stdout
    after = {p: p.stat().st_mtime_ns for p in (root / "app").rglob("*") if p.is_file()}
    assert after == before


def test_render_is_pure(tmp_path: Path) -> None:
    from opsgen.codegen.render import RenderSettings, render_project
    from opsgen.codegen.source import load_source
    from opsgen.codegen.view import build_project

    settings = RenderSettings("app/operations", "app.generated", "app.operations")
    first = render_project(build_project(load_source(EXAMPLE_SPECS), "app.operations"), settings)
    second = render_project(build_project(load_source(EXAMPLE_SPECS), "app.operations"), settings)

    assert first.package == second.package
    assert first.scaffolds == second.scaffolds
    assert list(first.package) == sorted(first.package)
