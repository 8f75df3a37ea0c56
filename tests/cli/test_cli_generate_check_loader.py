"""``opsgen generate --check`` applies the running loader's rules, whoever wrote the package.

The no-op check skips loading the specs when the manifest records the same inputs. A
package written by another build of opsgen, with the same version but a loader that
accepted what this one rejects, or with other audit settings, must still fail the check
with the loader's error.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import opsgen
from cli_support import clean_environment, run_opsgen

from opsgen.codegen.manifest import code_digest

#: A field name longer than the running loader's limit of 64 characters.
LONG_NAME = "quantity_" + "x" * 56

SPEC = """\
name: orders.place_order
input:
  quantity: int
output:
  total: int
"""

#: The running loader's name length limit, and the limit of the other build.
RULE = "MAX_NAME_LENGTH = 64\n"
RELAXED_RULE = "MAX_NAME_LENGTH = 100\n"


def other_build(folder: Path) -> Path:
    """Copy opsgen into ``folder`` with a higher name length limit; return the copy's root."""
    source = Path(opsgen.__file__).resolve().parent
    shutil.copytree(source, folder / "opsgen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(source.parent / "templates", folder / "templates")
    names = folder / "opsgen" / "spec" / "names.py"
    text = names.read_text(encoding="utf-8")
    assert RULE in text, "the name length limit changed; update RULE"
    names.write_text(text.replace(RULE, RELAXED_RULE), encoding="utf-8")
    return folder


def generate_with(build: Path, project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    environment = clean_environment(PYTHONPATH=str(build))
    return subprocess.run(
        [sys.executable, "-m", "opsgen.cli.main", "generate", *options],
        cwd=project, env=environment, capture_output=True, text=True, timeout=120,
    )


def project_with_spec(folder: Path, spec: str) -> Path:
    folder.mkdir()
    assert run_opsgen(folder, "init").returncode == 0
    for path in (folder / "specs").rglob("*.yaml"):
        path.unlink()
    (folder / "specs" / "orders").mkdir(exist_ok=True)
    (folder / "specs" / "orders" / "place_order.yaml").write_text(spec)
    return folder


def test_check_rejects_specs_another_build_accepted(tmp_path: Path) -> None:
    project = project_with_spec(tmp_path / "project", SPEC.replace("quantity:", f"{LONG_NAME}:"))
    build = other_build(tmp_path / "build")
    written = generate_with(build, project)
    assert written.returncode == 0, written.stderr
    assert generate_with(build, project, "--check").returncode == 0

    check = run_opsgen(project, "generate", "--check")

    assert check.returncode == 2, check.stdout + check.stderr
    assert re.search(r"specs/orders/place_order\.yaml:3:\d+: .*longer than 64 characters", check.stderr), check.stderr
    assert "Traceback" not in check.stderr


def test_check_of_same_build_skips_loading(tmp_path: Path) -> None:
    project = project_with_spec(tmp_path / "project", SPEC)
    assert run_opsgen(project, "generate").returncode == 0
    probe = (
        "import sys\n"
        "from opsgen.cli.main import main\n"
        "status = main(['generate', '--check'])\n"
        "print('LOADER' if 'opsgen.spec.loader' in sys.modules else 'NO LOADER')\n"
        "sys.exit(status)\n"
    )

    check = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, env=clean_environment(), capture_output=True, text=True, timeout=120
    )

    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "NO LOADER"


def test_check_applies_changed_audit_entities(tmp_path: Path) -> None:
    spec = SPEC + "audit:\n  changes: [Account]\n"
    project = project_with_spec(tmp_path / "project", spec)
    pyproject = project / "pyproject.toml"
    settings = pyproject.read_text()
    pyproject.write_text(settings + '\n[tool.opsgen.audit.entities]\nAccount = "app.models.Account"\n')
    generated = run_opsgen(project, "generate")
    assert generated.returncode == 0, generated.stderr
    pyproject.write_text(settings + '\n[tool.opsgen.audit.entities]\nInvoice = "app.models.Invoice"\n')

    check = run_opsgen(project, "generate", "--check")

    assert check.returncode == 2, check.stdout + check.stderr
    assert "specs/orders/place_order.yaml:" in check.stderr
    assert "Account" in check.stderr


def test_manifest_records_code_digest(tmp_path: Path) -> None:
    project = project_with_spec(tmp_path / "project", SPEC)
    assert run_opsgen(project, "generate").returncode == 0

    manifest = next(project.rglob("_opsgen_manifest.json")).read_text()

    assert f'"generator_code": "{code_digest()}"' in manifest
