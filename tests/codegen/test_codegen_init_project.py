"""``opsgen init`` writes the spec schema into the project and picks package defaults inside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codegen_helpers import run_opsgen
from opsgen.codegen.config import parse_toml
from opsgen.spec.schema import SCHEMA_MARKER, render_schema


def _settings(root: Path) -> dict[str, str]:
    table: dict[str, str] = parse_toml((root / "pyproject.toml").read_text(), "pyproject.toml")["tool"]["opsgen"]
    return table


def test_init_schema_comment_points_at_copy(tmp_path: Path) -> None:
    process = run_opsgen(tmp_path, "init", "--specs", "api/specs")

    assert process.returncode == 0, process.stderr
    spec = tmp_path / "api" / "specs" / "accounts" / "rename_user.yaml"
    first_line = spec.read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../spec.schema.json"
    schema = (spec.parent / first_line.split("$schema=", 1)[1]).resolve()
    assert schema == (tmp_path / "api" / "specs" / "spec.schema.json").resolve()
    assert schema.read_text() == render_schema()
    assert SCHEMA_MARKER in json.loads(schema.read_text())["$comment"]


def test_init_keeps_users_own_schema(tmp_path: Path) -> None:
    own = tmp_path / "specs" / "spec.schema.json"
    own.parent.mkdir()
    own.write_text('{"type": "object"}\n')

    process = run_opsgen(tmp_path, "init")
    again = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert own.read_text() == '{"type": "object"}\n'
    assert "kept specs/spec.schema.json, which is not opsgen's schema" in process.stderr
    assert again.returncode == 0


def test_init_and_generate_refresh_marked_schema(tmp_path: Path) -> None:
    assert run_opsgen(tmp_path, "init").returncode == 0
    schema = tmp_path / "specs" / "spec.schema.json"
    stale = json.loads(schema.read_text())
    stale["title"] = "an older opsgen"
    schema.write_text(json.dumps(stale))

    generated = run_opsgen(tmp_path, "generate")

    assert generated.returncode == 0, generated.stderr
    assert "refreshed specs/spec.schema.json" in generated.stdout
    assert schema.read_text() == render_schema()

    schema.write_text(json.dumps(stale))
    assert run_opsgen(tmp_path, "init").returncode == 0
    assert schema.read_text() == render_schema()


def test_generate_leaves_unmarked_schema(tmp_path: Path) -> None:
    assert run_opsgen(tmp_path, "init").returncode == 0
    schema = tmp_path / "specs" / "spec.schema.json"
    schema.write_text('{"type": "object"}\n')

    generated = run_opsgen(tmp_path, "generate")

    assert generated.returncode == 0, generated.stderr
    assert schema.read_text() == '{"type": "object"}\n'


@pytest.mark.parametrize(
    ("project", "folders", "expected"),
    [
        ('name = "My-Shop"', ["my_shop"], "my_shop"),
        ('name = "my.shop"', ["src/my_shop"], "src/my_shop"),
        ('name = "shop"', ["tests", "billing"], "billing"),
        (None, ["src/orders"], "src/orders"),
    ],
)
def test_init_defaults_inside_project_package(tmp_path: Path, project: str | None, folders: list[str], expected: str) -> None:
    if project is not None:
        (tmp_path / "pyproject.toml").write_text(f'[project]\n{project}\nversion = "0.1"\n')
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "__init__.py").write_text("")

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert _settings(tmp_path)["package"] == f"{expected}/generated"
    assert _settings(tmp_path)["implementations"] == f"{expected}/operations"
    assert "no package of this project found" not in process.stderr


def test_init_without_project_package_falls_back_with_note(tmp_path: Path) -> None:
    for folder in ("alpha", "beta"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert _settings(tmp_path)["package"] == "generated"
    assert _settings(tmp_path)["implementations"] == "operations"
    assert "no package of this project found" in process.stderr


def test_init_options_override_project_package(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")

    process = run_opsgen(tmp_path, "init", "--package", "shop/gen")

    assert process.returncode == 0, process.stderr
    assert _settings(tmp_path)["package"] == "shop/gen"
    assert _settings(tmp_path)["implementations"] == "shop/operations"


def test_init_in_flat_project_generates_importable_code(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1"\n')
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")

    assert run_opsgen(tmp_path, "init").returncode == 0
    generated = run_opsgen(tmp_path, "generate")

    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "shop" / "generated" / "accounts" / "rename_user.py").exists()
    assert (tmp_path / "shop" / "operations" / "accounts" / "rename_user.py").exists()
    top_level = sorted(p.name for p in tmp_path.iterdir() if (p / "__init__.py").exists())
    assert top_level == ["shop"]


def test_init_advises_setuptools_package_list(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1"\n')
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert "would also take the top-level folder specs/ as a package" in process.stderr
    assert '[tool.setuptools.packages.find]\ninclude = ["shop*"]' in process.stderr


@pytest.mark.parametrize(
    "extra",
    [
        '\n[tool.setuptools.packages.find]\ninclude = ["shop*"]\n',
        '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
    ],
)
def test_init_skips_advice_when_packages_listed(tmp_path: Path, extra: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1"\n' + extra)
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")

    process = run_opsgen(tmp_path, "init")

    assert process.returncode == 0, process.stderr
    assert "setuptools" not in process.stderr
