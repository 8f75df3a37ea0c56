"""The hooks of .pre-commit-hooks.yaml, run by pre-commit itself in a temporary git repository.

pre-commit would build a fresh virtualenv for a ``language: python`` hook, which needs
the network. So the test turns each hook into a ``repo: local`` hook with ``language:
system`` that runs the same entry from this virtualenv, keeping ``files``, ``types`` and
``pass_filenames`` as declared.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

#: A module with one OPS101 finding, at orders.py:8:9.
ENQUEUE_IN_TRANSACTION = (
    "from django.db import transaction\n"
    "from shop.tasks import notify\n\n\n"
    "def place(order):\n"
    "    with transaction.atomic():\n"
    "        order.save()\n"
    "        notify.delay(order.pk)\n"
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def local_config(hook_ids: list[str]) -> str:
    hooks: list[dict[str, Any]] = yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text())
    local = []
    for hook in hooks:
        if hook["id"] not in hook_ids:
            continue
        assert hook["language"] == "python"
        program, _, arguments = hook["entry"].partition(" ")
        local.append({**hook, "language": "system", "entry": f"{BIN / program} {arguments}".strip()})
    assert [hook["id"] for hook in local] == hook_ids
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, sort_keys=False)


def run_pre_commit(root: Path, hook_ids: list[str], all_files: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the hooks on every file, or with ``all_files`` false on the staged files, as ``git commit`` does."""
    (root / ".pre-commit-config.yaml").write_text(local_config(hook_ids))
    environment = {**os.environ, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    subprocess.run(["git", "add", "-A" if all_files else ".pre-commit-config.yaml"], cwd=root, check=True, capture_output=True)
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", *(["--all-files"] if all_files else [])],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )


def git_repository(root: Path) -> Path:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "."], cwd=root, check=True)
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    return root


def test_opsgen_lint_hook_fails_then_passes(tmp_path: Path) -> None:
    root = git_repository(tmp_path / "repo")
    orders = root / "orders.py"
    orders.write_text(ENQUEUE_IN_TRANSACTION)
    failing = run_pre_commit(root, ["opsgen-lint"])
    assert failing.returncode == 1, failing.stdout
    assert "orders.py:8:9: OPS101" in failing.stdout

    orders.write_text(orders.read_text().replace("notify.delay(order.pk)", "notify.delay_on_commit(order.pk)"))
    passing = run_pre_commit(root, ["opsgen-lint"])
    assert passing.returncode == 0, passing.stdout
    assert "opsgen lint" in passing.stdout
    assert "Passed" in passing.stdout


def test_opsgen_generate_check_hook(tmp_path: Path) -> None:
    root = git_repository(tmp_path / "repo")
    shutil.copytree(REPOSITORY / "specs", root / "specs")
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.opsgen]\nspecs = "specs"\npackage = "app/generated"\n')
    generated = subprocess.run([str(BIN / "opsgen"), "generate", "-q"], cwd=root, capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stdout + generated.stderr

    current = run_pre_commit(root, ["opsgen-generate-check"])
    assert current.returncode == 0, current.stdout

    spec = next((root / "specs" / "billing").glob("*.yaml"))
    spec.write_text(spec.read_text().replace("description: ", "description: Changed. ", 1))
    stale = run_pre_commit(root, ["opsgen-generate-check"])
    assert stale.returncode == 1, stale.stdout
    assert "stale" in stale.stdout


def test_opsgen_lint_hook_sees_callers_of_staged_file(tmp_path: Path) -> None:
    root = git_repository(tmp_path / "repo")
    (root / "helpers.py").write_text("def record_event(order, kind):\n    order.events.append(kind)\n")
    (root / "services.py").write_text(
        "from django.db import transaction\n"
        "from helpers import record_event\n\n\n"
        "def close(order):\n"
        "    with transaction.atomic():\n"
        "        order.save()\n"
        "        record_event(order, 'closed')\n"
    )
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=root, check=True, capture_output=True)

    # Only the helper changes, but the new effect runs inside the caller's transaction.
    (root / "helpers.py").write_text(
        "from shop.tasks import sync_order\n\n\n"
        "def record_event(order, kind):\n"
        "    order.events.append(kind)\n"
        "    sync_order.delay(order.pk)\n"
    )
    subprocess.run(["git", "add", "helpers.py"], cwd=root, check=True, capture_output=True)
    staged = run_pre_commit(root, ["opsgen-lint"], all_files=False)

    assert staged.returncode == 1, staged.stdout
    assert "services.py:8:9: OPS101 record_event() leads to a task enqueue" in staged.stdout


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("shop/orders.py", True),
        ("shop/orders.pyi", True),
        ("specs/billing/charge.yaml", True),
        ("specs/billing/charge.yml", True),
        ("pyproject.toml", True),
        ("backend/pyproject.toml", True),
        ("setup.cfg", True),
        ("tox.ini", True),
        (".flake8", True),
        ("opsgen-baseline.json", True),
        ("README.md", False),
        ("package.json", False),
        ("shop/static/app.js", False),
    ],
)
def test_opsgen_lint_hook_files(path: str, runs: bool) -> None:
    hooks: list[dict[str, Any]] = yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text())
    hook = next(hook for hook in hooks if hook["id"] == "opsgen-lint")

    assert "types" not in hook
    # pre-commit matches `files` with re.search, as here.
    assert bool(re.search(hook["files"], path)) is runs


def test_opsgen_lint_hook_runs_on_settings_only_commit(tmp_path: Path) -> None:
    root = git_repository(tmp_path / "repo")
    (root / "orders.py").write_text(ENQUEUE_IN_TRANSACTION)
    settings = '\n[tool.opsgen.lint]\nper-file-ignores = { "orders.py" = ["OPS101"] }\n'
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(settings)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=root, check=True, capture_output=True)

    # Dropping the ignore is the whole commit: no Python file is staged.
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace(settings, "\n"))
    subprocess.run(["git", "add", "pyproject.toml"], cwd=root, check=True, capture_output=True)
    staged = run_pre_commit(root, ["opsgen-lint"], all_files=False)

    assert staged.returncode == 1, staged.stdout
    assert "orders.py:8:9: OPS101" in staged.stdout
