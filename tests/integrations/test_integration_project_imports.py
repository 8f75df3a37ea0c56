"""Commands that import application modules find them in the project folder.

The console script ``opsgen`` does not put the current folder on ``sys.path``, so each
command that loads ``--app`` or ``--registry`` adds the project folder itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from opsgen.runtime.runtime import Runtime

HERE = Path(__file__).parent
OPSGEN = str(Path(sys.executable).with_name("opsgen"))


def make_project(root: Path) -> Path:
    package = f"shop_{uuid.uuid4().hex[:8]}"
    (root / "pyproject.toml").write_text(f'[project]\nname = "shop"\n\n[tool.opsgen]\npackage = "{package}"\n')
    (root / package / "generated").mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / package / "generated" / "__init__.py").write_text("")
    (root / package / "generated" / "registry.py").write_text("from integration_ops import ops\n")
    (root / package / "app.py").write_text(
        "from pathlib import Path\n\n\ndef build():\n    Path(__file__).with_name('built').write_text('yes')\n"
    )
    return root / package


@pytest.mark.parametrize("command", ["worker", "outbox"])
def test_command_imports_project_modules(command: str, tmp_path: Path, sqlite_url: str) -> None:
    package = make_project(tmp_path)
    name = package.name
    if command == "worker":
        argv = [OPSGEN, "worker", "--broker", "memory://", "--queue", f"q-{name}",
                "--registry", f"{name}.generated.registry:ops", "--app", f"{name}.app:build",
                "--idle-timeout", "0.5"]
    else:
        argv = [OPSGEN, "outbox", "drain", "--app", f"{name}.app:build"]
        # The outbox commands never create a database, so the execution log must exist.
        runtime = Runtime(database_url=sqlite_url)
        runtime.ensure_schema()
        runtime.dispose()
    python_path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path, "OPSGEN_DATABASE_URL": sqlite_url, "OPSGEN_APP": ""}

    completed = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert "No module named" not in completed.stderr, completed.stderr
    assert completed.returncode == 0, completed.stderr
    assert (package / "built").read_text() == "yes"


def test_worker_with_a_registry_of_no_handles_exits_at_start(tmp_path: Path, sqlite_url: str) -> None:
    package = make_project(tmp_path)
    name = package.name
    (package / "models.py").write_text("class Base:\n    pass\n")
    argv = [OPSGEN, "worker", "--broker", "memory://", "--queue", f"q-{name}", "--registry", f"{name}.models:Base",
            "--idle-timeout", "30", "--reconnect-delay", "0.2"]
    python_path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path, "OPSGEN_DATABASE_URL": sqlite_url, "OPSGEN_APP": ""}

    completed = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    assert completed.returncode == 1, completed.stderr
    assert f"error: --registry {name}.models:Base: no operation handles found" in completed.stderr
    assert "Traceback" not in completed.stderr
