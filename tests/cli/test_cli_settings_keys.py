"""Unknown keys in ``[tool.opsgen]`` fail every command that reads the settings."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import PLACE_ORDER_SPEC, files_below, run_opsgen
from opsgen.cli.main import main
from opsgen.runtime.config import load_settings, toml_error
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.runtime import load_app

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MISSPELT = """\
[project]
name = "shop"

[tool.opsgen]
databse-url = "sqlite:///other.db"
ap = "shop.app:build"
"""

KNOWN_KEYS = (
    "app, audit, database-url, implementations, implementations-module, lint, lock-url, log-enabled, "
    "package, package-module, record-running, specs, trace-modules"
)


@pytest.fixture
def misspelt_project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(MISSPELT)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "place_order.yaml").write_text(PLACE_ORDER_SPEC)
    return tmp_path


def test_unknown_keys_name_line_and_suggestion(misspelt_project: Path) -> None:
    pyproject = misspelt_project / "pyproject.toml"

    with pytest.raises(ConfigurationError) as raised:
        load_settings(misspelt_project, environ={})

    lines = str(raised.value).splitlines()
    assert lines[0] == f"{pyproject}:5: unknown key 'databse-url' in [tool.opsgen]; did you mean 'database-url'?"
    assert lines[1] == f"{pyproject}:6: unknown key 'ap' in [tool.opsgen]; did you mean 'app'?"
    assert lines[2] == f"known keys of [tool.opsgen]: {KNOWN_KEYS}"


def test_unknown_key_found_in_other_forms(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    cases = {
        '[tool.opsgen]\nspecs = "specs"\n\n[tool.opsgen.lnt]\nselect = ["OPS1"]\n': (4, "'lnt'", "'lint'"),
        '[tool]\nopsgen.database_url = "sqlite:///x.db"\n': (2, "'database_url'", "'database-url'"),
        '[tool.opsgen]\n"lock-ulr" = "redis://127.0.0.1"\n': (2, "'lock-ulr'", "'lock-url'"),
    }
    for text, (line, key, suggestion) in cases.items():
        pyproject.write_text(text)
        with pytest.raises(ConfigurationError) as raised:
            load_settings(tmp_path, environ={})
        first = str(raised.value).splitlines()[0]
        assert first == f"{pyproject}:{line}: unknown key {key} in [tool.opsgen]; did you mean {suggestion}?", text


def test_unknown_key_without_close_match(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.opsgen]\ncolour = "blue"\n')

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path, environ={})

    assert str(raised.value).splitlines()[0] == f"{pyproject}:2: unknown key 'colour' in [tool.opsgen]"


def test_every_known_key_and_sub_table_accepted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.opsgen]\n"
        'specs = "specs"\npackage = "shop/generated"\nimplementations = "shop/operations"\n'
        'package-module = "shop.generated"\nimplementations-module = "shop.operations"\n'
        'database-url = "sqlite:///shop.db"\nlock-url = "sqlite:///shop.locks.db"\napp = "shop.app:build"\n'
        'log-enabled = true\ntrace-modules = ["shop"]\nrecord-running = false\n\n'
        '[tool.opsgen.lint]\nservice-packages = ["shop.services"]\n\n'
        '[tool.opsgen.audit.entities.plan]\ntable = "plans"\n'
    )

    settings = load_settings(tmp_path, environ={})

    assert settings.app == "shop.app:build"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'shop.db'}"
    assert settings.record_running is False


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.opsgen]\nspecs = \n")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path, environ={})

    assert str(raised.value) == f"{pyproject}:2:9: invalid TOML: Invalid value"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.opsgen]\nspecs = \n", "p.toml:2:9: invalid TOML: Invalid value"),
        ('[tool.opsgen]\nspecs = ["a",\n', "p.toml:2: invalid TOML: Invalid value at the end of the file"),
        ("[tool.opsgen]\nspecs = 1\nspecs = 2\n", "p.toml:3:10: invalid TOML: Cannot overwrite a value"),
    ],
)
def test_toml_error_positions(text: str, expected: str) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as raised:
        tomllib.loads(text)

    assert toml_error("p.toml", text, raised.value) == expected


@pytest.mark.parametrize("command", [["lint", "."], ["generate", "--check"]])
def test_invalid_toml_position_in_cli(command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.opsgen]\nspecs = \n")

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        status = main(command)

    assert status == 2
    assert f"{tmp_path / 'pyproject.toml'}:2:9: invalid TOML: Invalid value" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (["generate"], 2),
        (["ops", "list"], 2),
        (["outbox", "drain"], 1),
        (["outbox", "list"], 1),
        (["lint", "specs"], 2),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_commands_reject_unknown_keys(misspelt_project: Path, command: list[str], status: int) -> None:
    before = files_below(misspelt_project)

    completed = run_opsgen(misspelt_project, *command)

    assert completed.returncode == status, completed.stdout
    assert "Traceback" not in completed.stderr
    assert "unknown key 'databse-url' in [tool.opsgen]; did you mean 'database-url'?" in completed.stderr
    assert "unknown key 'ap' in [tool.opsgen]; did you mean 'app'?" in completed.stderr
    assert files_below(misspelt_project) == before


@pytest.fixture
def app_module(misspelt_project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The name of a module in the misspelt project that builds its runtime when imported."""
    (misspelt_project / "settings_typo_app.py").write_text(
        "from opsgen.runtime.runtime import Runtime\n\nruntime = Runtime()\n"
    )
    monkeypatch.chdir(misspelt_project)
    monkeypatch.syspath_prepend(str(misspelt_project))
    yield "settings_typo_app"
    sys.modules.pop("settings_typo_app", None)


def test_app_built_at_import_gets_same_error(misspelt_project: Path, app_module: str) -> None:
    with pytest.raises(ConfigurationError) as loaded:
        load_app(f"{app_module}:runtime")
    with pytest.raises(ConfigurationError) as imported:
        importlib.import_module(app_module)
    drained = run_opsgen(misspelt_project, "outbox", "drain")

    assert str(loaded.value) == str(imported.value)
    assert str(loaded.value).splitlines()[0].endswith("unknown key 'databse-url' in [tool.opsgen]; did you mean 'database-url'?")
    assert drained.stderr == f"error: {loaded.value}\n"


def test_boolean_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.opsgen]\nspecs = \"specs\"\n")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path, environ={"OPSGEN_LOG_ENABLED": "nope"})
    assert str(raised.value) == (
        "the environment variable OPSGEN_LOG_ENABLED must be true or false (or 1/0, yes/no, on/off), not 'nope'"
    )
    assert load_settings(tmp_path, environ={"OPSGEN_RECORD_RUNNING": "off"}).record_running is False


@pytest.mark.parametrize("value", ['"no"', '"false"', "0"])
def test_boolean_in_pyproject_must_be_a_toml_boolean(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.opsgen]\nlog-enabled = {value}\n")

    with pytest.raises(ConfigurationError) as raised:
        load_settings(tmp_path, environ={})

    shown = repr(value.strip('"')) if value.startswith('"') else value
    assert str(raised.value) == (
        f"log-enabled in {tmp_path / 'pyproject.toml'} must be a TOML boolean, true or false without quotes, "
        f"not {shown}"
    )
    assert load_settings(tmp_path, environ={"OPSGEN_LOG_ENABLED": "1"}).log_enabled is True


def test_app_needing_arguments_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mailing_app.py").write_text(
        "CALLS = []\n\n\ndef send_email(to, subject, *, body=''):\n    CALLS.append(to)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(ConfigurationError) as raised:
        load_app("mailing_app:send_email")

    assert str(raised.value) == (
        "app 'mailing_app:send_email' is a function that needs arguments (to, subject); name a Runtime, "
        "or a function without arguments that returns or configures one"
    )
    assert importlib.import_module("mailing_app").CALLS == []
    completed = run_opsgen(tmp_path, "outbox", "drain", "--app", "mailing_app:send_email", PYTHONPATH=str(tmp_path))
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert "is a function that needs arguments (to, subject)" in completed.stderr
