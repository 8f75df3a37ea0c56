"""The README's install commands work in a fresh virtualenv, for a project outside this repository.

Both routes are run as the README writes them: ``pip install`` of the checkout, then
``pip wheel`` of the checkout and ``pip install`` of that wheel with an extra. pip
fetches the build backend and the dependencies from the configured package index.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from packaging_helpers import REQUEST_IN_TRANSACTION, run

ROOT = Path(__file__).resolve().parents[2]


def make_shop(folder: Path) -> Path:
    """Create a minimal project with one package ``shop`` and return its folder."""
    (folder / "shop").mkdir(parents=True)
    (folder / "shop" / "__init__.py").write_text("")
    (folder / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    return folder


def check_generate(venv: Path, project: Path, env: dict[str, str]) -> None:
    """Run ``opsgen init`` and ``opsgen generate`` with the opsgen of ``venv`` and check what they wrote."""
    run([str(venv / "bin" / "opsgen"), "init"], cwd=project, env=env)
    run([str(venv / "bin" / "opsgen"), "generate"], cwd=project, env=env)
    assert (project / "shop" / "generated" / "registry.py").is_file()
    assert (project / "shop" / "operations" / "accounts" / "rename_user.py").is_file()

    located = run(
        [str(venv / "bin" / "python"), "-c", "from opsgen._resources import data_dir; print(data_dir('templates'))"],
        cwd=project,
        env=env,
    )
    assert located.stdout.strip().startswith(str(venv)), "the templates were read from outside the virtualenv"


@pytest.mark.slow
def test_readme_install_routes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OPSGEN_", "PYTHON", "VIRTUAL_ENV"))}

    run([python, "-m", "pip", "install", str(ROOT)], cwd=tmp_path, env=env)
    check_generate(venv, make_shop(tmp_path / "from-checkout"), env)

    run([python, "-m", "pip", "uninstall", "--yes", "opsgen"], cwd=tmp_path, env=env)
    dist = tmp_path / "dist"
    run([python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(ROOT)], cwd=tmp_path, env=env)
    (wheel,) = dist.glob("opsgen-*-py3-none-any.whl")
    run([python, "-m", "pip", "install", f"{wheel}[lint]"], cwd=tmp_path, env=env)
    project = make_shop(tmp_path / "from-wheel")
    check_generate(venv, project, env)

    (project / "shop" / "pay.py").write_text(REQUEST_IN_TRANSACTION)
    flake8 = subprocess.run(
        [str(venv / "bin" / "flake8"), "--select=OPS", "shop/pay.py"], cwd=project, env=env, capture_output=True, text=True
    )
    assert flake8.returncode == 1, flake8.stdout + flake8.stderr
    assert "OPS101" in flake8.stdout
