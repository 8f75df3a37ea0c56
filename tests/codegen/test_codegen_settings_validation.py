"""Settings of ``[tool.opsgen]`` that ``opsgen generate`` rejects before it writes anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codegen_helpers import make_project, run_opsgen

SPEC = """\
name: shop.place_order
input:
  quantity: int
output:
  total: int
"""


def project_with(tmp_path: Path, *lines: str) -> Path:
    """Create a project with one spec and ``lines`` appended to its ``[tool.opsgen]`` table."""
    root = make_project(tmp_path / "project", specs=None).resolve()
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "place_order.yaml").write_text(SPEC)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    anchor = 'implementations = "app/operations"\n'
    pyproject.write_text(text.replace(anchor, anchor + "".join(f"{line}\n" for line in lines)))
    return root


def assert_nothing_written(root: Path) -> None:
    assert sorted(path.name for path in (root / "app").iterdir()) == ["__init__.py"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("package-module", "\".import(x);__import__('os').system('touch PWNED');from.generated\""),
        ("package-module", '"app.generated as g; import os"'),
        ("package-module", '"app generated"'),
        ("package-module", '"app.class"'),
        ("package-module", '""'),
        ("package-module", "5"),
        ("implementations-module", '["a"]'),
        ("implementations-module", '"app..operations"'),
    ],
)
def test_invalid_module_name_rejected(tmp_path: Path, key: str, value: str) -> None:
    root = project_with(tmp_path, f"{key} = {value}")

    result = run_opsgen(root, "generate")

    assert result.returncode == 2, result.stderr
    expected = (
        f"opsgen generate: {key} in {root / 'pyproject.toml'} must be a dotted Python module name "
        "(identifiers separated by dots), not "
    )
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "PWNED").exists()
    assert_nothing_written(root)


def test_valid_module_names_accepted(tmp_path: Path) -> None:
    root = project_with(tmp_path, 'package-module = "app.generated"', 'implementations-module = "app.operations"')

    result = run_opsgen(root, "generate")

    assert result.returncode == 0, result.stderr
    assert "from app.generated.shop.place_order import" in (root / "app" / "operations" / "shop" / "place_order.py").read_text()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('audit = "x"', "audit in {pyproject} must be a table, such as [tool.opsgen.audit], not 'x'"),
        ("lint = 3", "lint in {pyproject} must be a table, such as [tool.opsgen.lint], not 3"),
        ("audit = {entities = 3}", "audit.entities in {pyproject} must be a table"),
        ('specs = "specs\\u0000x"', "specs in {pyproject} must be a non-empty path without NUL characters"),
        ("implementations = 7", "implementations in {pyproject} must be a non-empty path without NUL characters, not 7"),
    ],
)
def test_setting_of_wrong_type_rejected(tmp_path: Path, line: str, message: str) -> None:
    root = project_with(tmp_path)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    key = line.split(" ")[0]
    # Replace a key that make_project already sets instead of repeating it.
    other_lines = [old for old in text.splitlines() if not old.startswith(f"{key} =")]
    pyproject.write_text("\n".join(other_lines).replace("[tool.opsgen]", f"[tool.opsgen]\n{line}", 1) + "\n")

    result = run_opsgen(root, "generate")

    assert result.returncode == 2, result.stderr
    assert message.format(pyproject=pyproject) in result.stderr
    assert "Traceback" not in result.stderr
    assert_nothing_written(root)


@pytest.mark.parametrize(
    ("package", "implementations", "relation"),
    [
        ("app/generated", "app/generated", "is the same folder as"),
        ("app/generated", "app/generated/operations", "lies inside"),
        ("app/operations/generated", "app/operations", "contains"),
    ],
)
def test_overlapping_folders_rejected(tmp_path: Path, package: str, implementations: str, relation: str) -> None:
    root = project_with(tmp_path)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    text = text.replace('package = "app/generated"', f'package = "{package}"')
    pyproject.write_text(text.replace('implementations = "app/operations"', f'implementations = "{implementations}"'))

    result = run_opsgen(root, "generate")

    assert result.returncode == 2, result.stderr
    assert f"the implementations folder {root / implementations} {relation} the package folder {root / package}" in result.stderr
    assert_nothing_written(root)


def test_specs_inside_package_rejected(tmp_path: Path) -> None:
    root = project_with(tmp_path)

    result = run_opsgen(root, "generate", "--package", "specs")

    assert result.returncode == 2, result.stderr
    assert f"the specs folder {root / 'specs'} is the same folder as the package folder" in result.stderr
    assert (root / "specs" / "shop" / "place_order.yaml").read_text() == SPEC


def test_package_path_file_rejected(tmp_path: Path) -> None:
    root = project_with(tmp_path)
    package = root / "app" / "generated"
    package.write_text("notes\n")

    first = run_opsgen(root, "generate")
    second = run_opsgen(root, "generate")

    for result in (first, second):
        assert result.returncode == 2, result.stderr
        assert f"package path {package} is a file, not a folder; move it or set package" in result.stderr
    assert package.read_text() == "notes\n"
    assert sorted(path.name for path in (root / "app").iterdir()) == ["__init__.py", "generated"]


def test_package_link_to_outside_file_rejected(tmp_path: Path) -> None:
    root = project_with(tmp_path)
    victim = tmp_path / "outside" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("keep me\n")
    package = root / "app" / "generated"
    package.symlink_to(victim)

    result = run_opsgen(root, "generate")

    assert result.returncode == 2, result.stderr
    assert f"package path {package} is a symbolic link to a file, not a folder" in result.stderr
    assert victim.read_text() == "keep me\n"
    assert sorted(path.name for path in victim.parent.iterdir()) == ["victim.txt"]
    assert os.readlink(package) == str(victim)


@pytest.mark.parametrize(("target", "problem"), [("generated", "that loops (generated)"), ("missing", "to missing, which does not exist")])
def test_broken_package_link_rejected(tmp_path: Path, target: str, problem: str) -> None:
    root = project_with(tmp_path)
    package = root / "app" / "generated"
    package.symlink_to(target)

    result = run_opsgen(root, "generate")

    assert result.returncode == 2, result.stderr
    assert f"package path {package} is a symbolic link {problem}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "app" / "missing").exists()
