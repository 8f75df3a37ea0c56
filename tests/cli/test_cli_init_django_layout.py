"""The ``opsgen init`` commands of docs/integrations.md put the generated code in a Django app.

A layout from ``django-admin startproject`` and ``startapp`` has no package that
``opsgen init`` picks by itself, so the Django section names the folders to pass.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from cli_support import clean_environment, run_opsgen

REPOSITORY = Path(__file__).resolve().parents[2]
DJANGO_ADMIN = str(Path(sys.executable).with_name("django-admin"))


def django_section_commands() -> list[list[str]]:
    """Return the ``$ opsgen ...`` commands shown in the Django section of docs/integrations.md."""
    text = (REPOSITORY / "docs" / "integrations.md").read_text()
    section = text.split("\n## Django\n", 1)[1].split("\n## ", 1)[0]
    return [shlex.split(command) for command in re.findall(r"^\$ (opsgen .+)$", section, flags=re.MULTILINE)]


def start_django_project(folder: Path) -> None:
    subprocess.run([DJANGO_ADMIN, "startproject", "mysite", "."], cwd=folder, check=True, env=clean_environment())
    subprocess.run([sys.executable, "manage.py", "startapp", "billing"], cwd=folder, check=True, env=clean_environment())


def test_plain_init_django_falls_back(tmp_path: Path) -> None:
    start_django_project(tmp_path)

    init = run_opsgen(tmp_path, "init")

    assert init.returncode == 0, init.stderr
    assert 'package = "generated"' in (tmp_path / "pyproject.toml").read_text()


def test_documented_init_generates_into_django_app(tmp_path: Path) -> None:
    start_django_project(tmp_path)
    commands = django_section_commands()
    assert [command[:2] for command in commands] == [["opsgen", "init"], ["opsgen", "generate"]]

    for command in commands:
        result = run_opsgen(tmp_path, *command[1:])
        assert result.returncode == 0, (command, result.stderr)

    settings = (tmp_path / "pyproject.toml").read_text()
    assert 'package = "billing/generated"' in settings
    assert 'implementations = "billing/operations"' in settings
    assert (tmp_path / "billing" / "generated" / "registry.py").is_file()
    assert (tmp_path / "billing" / "operations" / "accounts" / "rename_user.py").is_file()
    assert not (tmp_path / "generated").exists()

    script = (
        "import django; django.setup(); "
        "from billing.generated.registry import ops; "
        "print(type(ops.accounts.rename_user).__module__)"
    )
    imported = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env=clean_environment(DJANGO_SETTINGS_MODULE="mysite.settings"),
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "billing.generated.accounts.rename_user"
