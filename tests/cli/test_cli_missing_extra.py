"""A command whose optional dependency is not installed names the extra that installs it."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import clean_environment

from opsgen.cli.extras import EXTRA_OF_MODULE, install_command, missing_extra_message

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

#: Runs ``opsgen ARGS`` with the modules named in the first argument (comma-separated)
#: made unimportable, as if they were not installed.
WITHOUT_MODULES = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "from opsgen.cli.main import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def run_without(modules: str, *args: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_MODULES, modules, *args],
        cwd=folder, env=clean_environment(), capture_output=True, text=True, timeout=60,
    )


def test_worker_without_kombu_names_extra(tmp_path: Path) -> None:
    completed = run_without(
        "kombu", "worker", "--broker", "amqp://guest:guest@127.0.0.1:5672//", "--queue", "orders",
        "--registry", "shop.generated.registry:ops", folder=tmp_path,
    )

    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert completed.stderr.splitlines() == [
        f"error: opsgen worker needs kombu, which is not installed; install opsgen's kombu extra: {install_command('kombu')}"
    ]


def test_worker_redis_broker_without_redis(tmp_path: Path) -> None:
    completed = run_without(
        "redis", "worker", "--broker", "redis://127.0.0.1:6379/0", "--queue", "orders",
        "--registry", "shop.generated.registry:ops", folder=tmp_path,
    )

    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        "error: opsgen worker with a redis:// broker needs redis, which is not installed; "
        f"install opsgen's redis extra: {install_command('redis')}"
    ]


def test_install_command_names_source_and_extra() -> None:
    command = install_command("kombu")

    assert command.startswith("python -m pip install ")
    assert command.endswith('[kombu]"')


def test_each_extra_installs_its_module() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]

    for module, extra in EXTRA_OF_MODULE.items():
        names = {re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower() for requirement in extras[extra]}
        assert module in names, f"the {extra} extra does not install {module}"


def test_kombu_extra_pins_a_minimum() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]

    assert extras["kombu"] == ["kombu>=5.3.5"]


def test_import_by_application_not_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shop_web.py").write_text("import flask\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "flask", None)

    with pytest.raises(ModuleNotFoundError) as raised:
        importlib.import_module("shop_web")

    assert missing_extra_message(raised.value, "opsgen outbox") is None
