"""The built wheel works without the source tree: templates and lint rules ship inside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from packaging_helpers import REQUEST_IN_TRANSACTION, run

ROOT = Path(__file__).resolve().parents[2]

PYPROJECT = """\
[project]
name = "billing-example"
version = "0"

[tool.opsgen]
specs = "specs"
package = "examples/billing/generated"
implementations = "examples/billing/operations"
app = "examples.billing.app:build"
database-url = "sqlite:///example.db"

[tool.opsgen.audit.entities.billing_plan]
table = "billing_plans"
id = "account_id"
exclude = ["updated_at"]
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)], cwd=ROOT)
    (built,) = out.glob("opsgen-*.whl")
    return built


def test_wheel_contains_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "opsgen/_data/templates/operation.py.jinja" in names
    assert any(name.startswith("opsgen/_data/lint_rules/ops101") for name in names)
    assert "opsgen/_data/rule_docs/ops101.md" in names
    assert "opsgen/spec/spec.schema.json" in names
    assert any(name.startswith("opsgen/runtime/migrations/versions/") for name in names)


def test_wheel_explains_rules_without_checkout(wheel: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    code = "import sys, opsgen.cli.main as m; print(m.__file__, file=sys.stderr); sys.exit(m.main(['lint', '--explain', 'OPS202']))"

    explained = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert explained.returncode == 0, explained.stderr
    assert explained.stderr.startswith(str(unpacked))
    assert explained.stdout.startswith("# OPS202: ")


@pytest.mark.slow
def test_wheel_generates_and_runs_example(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], cwd=tmp_path)

    project = tmp_path / "project"
    shutil.copytree(ROOT / "specs", project / "specs")
    shutil.copytree(
        ROOT / "examples", project / "examples", ignore=shutil.ignore_patterns("generated", "__pycache__")
    )
    (project / "pyproject.toml").write_text(PYPROJECT)
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_")}
    env["PYTHONPATH"] = str(project)
    env["COLUMNS"] = "200"

    run([str(venv / "bin" / "opsgen"), "generate"], cwd=project, env=env)
    assert (project / "examples/billing/generated/registry.py").is_file()

    located = run([str(python), "-c", "import opsgen; print(opsgen.__file__)"], cwd=project, env=env)
    assert str(ROOT) not in located.stdout

    scenario = run([str(python), "-m", "examples.billing.scenario", "--accounts", "10"], cwd=project, env=env)
    assert "call tree" in scenario.stdout

    (project / "bad.py").write_text(REQUEST_IN_TRANSACTION)
    linted = subprocess.run(
        [str(venv / "bin" / "opsgen"), "lint", "bad.py"], cwd=project, env=env, capture_output=True, text=True
    )
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert "OPS101" in linted.stdout
