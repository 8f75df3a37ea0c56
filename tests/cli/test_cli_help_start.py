"""`opsgen --help` lists the commands without importing what they need to run."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from opsgen.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(name for name in ("sqlalchemy", "libcst", "jinja2", "rich", "pydantic") if name in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, *arguments], capture_output=True, text=True, timeout=60)


def test_top_level_help_imports_no_command_module() -> None:
    result = run("--help")

    assert "generate" in result.stdout
    assert "lint" in result.stdout
    assert "outbox" in result.stdout
    assert "HEAVY:\n" in result.stdout


def test_unknown_command_is_refused_without_importing_them() -> None:
    result = run("genrate")

    assert "invalid choice: 'genrate'" in result.stderr
    assert "HEAVY:\n" in result.stdout


def test_command_help_lists_subcommands() -> None:
    result = run("ops", "--help")

    assert "list" in result.stdout
    assert "watch" in result.stdout


def test_version_names_the_installed_distribution() -> None:
    from importlib.metadata import version

    result = run("--version")

    assert result.stdout.splitlines()[0] == f"opsgen {version('opsgen')}"
    assert "HEAVY:\n" in result.stdout


def test_python_m_opsgen_runs_the_command() -> None:
    result = subprocess.run([sys.executable, "-m", "opsgen", "--help"], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    assert result.stdout.startswith("usage: opsgen ")
