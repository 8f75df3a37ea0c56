"""Names in ``side-effects`` and the other name settings must exist when they name project modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests_lint_support import write_project

SMS = """\
import socket

from shop.integrations.gateway import Gateway as SmsGateway

DEFAULT_SENDER = "shop"


def send_sms(number, text):
    with socket.create_connection(("sms.example.invalid", 2775)) as connection:
        connection.sendall(text.encode())


class Client:
    def deliver(self, number, text):
        send_sms(number, text)
"""

FILES = {
    "shop/__init__.py": "",
    "shop/integrations/__init__.py": "",
    "shop/integrations/sms.py": SMS,
    "shop/integrations/gateway.py": "class Gateway:\n    pass\n",
    "shop/legacy/__init__.py": "",
    "shop/legacy/fax.py": "def send_fax(number):\n    pass\n",
}


def lint(root: Path, entries: list[str], key: str = "side-effects") -> subprocess.CompletedProcess[str]:
    listed = ", ".join(f'"{entry}"' for entry in entries)
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(f'[tool.opsgen.lint]\n{key} = [{listed}]\nexclude = ["shop/legacy/fax.py"]\n')
    command = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache", "."]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", FILES)


def test_mistyped_function_rejected(project: Path) -> None:
    run = lint(project, ["shop.integrations.sms.send_smss"])

    assert run.returncode == 2
    assert (
        "pyproject.toml:5: [tool.opsgen.lint]: side-effects entry 'shop.integrations.sms.send_smss' names nothing "
        "that the project module shop.integrations.sms (shop/integrations/sms.py) defines; "
        "did you mean 'shop.integrations.sms.send_sms'?"
    ) in run.stderr


def test_mistyped_module_rejected(project: Path) -> None:
    run = lint(project, ["shop.integratons.sms.send_sms"])

    assert run.returncode == 2
    assert "names nothing that the project module shop (shop/__init__.py) defines; did you mean 'shop.integrations.sms.send_sms'?" in run.stderr


def test_mistyped_method_rejected(project: Path) -> None:
    run = lint(project, ["shop.integrations.sms.Client.delivr"], key="deferral-wrappers")

    assert run.returncode == 2
    assert "deferral-wrappers entry 'shop.integrations.sms.Client.delivr' names no method of the project class" in run.stderr
    assert "did you mean 'shop.integrations.sms.Client.deliver'?" in run.stderr


def test_bare_module_rejected(project: Path) -> None:
    run = lint(project, ["shop.integrations.sms"])

    assert run.returncode == 2
    assert "names the module shop.integrations.sms, which no call targets; write 'shop.integrations.sms.' to cover every function of it" in run.stderr


@pytest.mark.parametrize(
    "entry",
    [
        "shop.integrations.sms.send_sms",
        "shop.integrations.sms.Client.deliver",
        "shop.integrations.sms.",
        "shop.integrations.sms.DEFAULT_SENDER",
        "shop.integrations.sms.SmsGateway",
        "shop.integrations.gateway.Gateway",
        "shop.legacy.fax.send_fax",
        "twilio.rest.Client.messages.create",
        "requests.postt",
    ],
)
def test_existing_or_outside_names_accepted(project: Path, entry: str) -> None:
    run = lint(project, [entry])

    assert run.returncode == 0, run.stderr


def test_mistyped_name_in_flake8(project: Path) -> None:
    with (project / "pyproject.toml").open("a") as handle:
        handle.write('[tool.opsgen.lint]\nsafe-task-bases = ["shop.integrations.gateway.Gatway"]\n')

    command = [sys.executable, "-m", "flake8", "--select=OPS", "shop/integrations/sms.py", "shop/integrations/gateway.py"]
    run = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)

    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert ":1:1: OPS001 invalid opsgen lint configuration: " in line
        assert "safe-task-bases entry 'shop.integrations.gateway.Gatway'" in line
        assert "did you mean 'shop.integrations.gateway.Gateway'?" in line


@pytest.mark.parametrize(
    ("key", "entry", "suggestion"),
    [
        ("side-effects", "shop.integrations.smss.", "shop.integrations.sms."),
        ("side-effects", "shop.integratons.", "shop.integrations."),
        ("side-effects", "shop.integrations.smss", "shop.integrations.sms."),
        ("deferral-wrappers", "shop.integrations.smss.", "shop.integrations.sms."),
        ("deferral-wrappers", "shop.integrations.sms_send", "shop.integrations.sms.send_sms"),
    ],
)
def test_suggestion_is_accepted_entry(tmp_path: Path, key: str, entry: str, suggestion: str) -> None:
    mistyped = lint(write_project(tmp_path / "mistyped", FILES), [entry], key=key)

    assert mistyped.returncode == 2
    assert f"did you mean {suggestion!r}?" in mistyped.stderr

    corrected = lint(write_project(tmp_path / "corrected", FILES), [suggestion], key=key)
    assert corrected.returncode == 0, corrected.stderr
