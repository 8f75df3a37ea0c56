"""Files that the linter cannot read or analyse: named pipes, broken links, huge or deep files.

A file under the linted paths that is not checked makes the run exit 2, as a syntax error
does. Another project file that cannot be indexed gets a note, and the run goes on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

import pytest

from opsgen.lint.config import ConfigError, LintConfig, load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.index import SkippedFile, read_source
from opsgen.lint.rule import Finding, ModuleContext, Rule

from tests_lint_support import write_project  # type: ignore[import-not-found]

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]

#: One OPS101 finding, on line 7.
HTTP_IN_ATOMIC = """\
from django.db import transaction
import requests


def pay():
    with transaction.atomic():
        requests.post("https://psp.example.invalid")
"""

FINDING = "app/pay.py:7:9: OPS101 "

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need os.mkfifo")


def project(tmp_path: Path, table: str = "") -> Path:
    files = {"app/__init__.py": "", "app/pay.py": HTTP_IN_ATOMIC, "tools/__init__.py": ""}
    return write_project(tmp_path / "project", files, f"[tool.opsgen.lint]\n{table}\n" if table else "")


def lint(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # A run that opens a named pipe waits for a writer for ever, so the timeout is the failure.
    return subprocess.run([*COMMAND, *arguments], cwd=root, capture_output=True, text=True, timeout=60)


@needs_fifo
def test_fifo_outside_paths_is_noted(tmp_path: Path) -> None:
    root = project(tmp_path)
    os.mkfifo(root / "tools" / "pipe.py")

    run = lint(root, "app")

    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith(FINDING)
    assert run.stderr == "opsgen lint: not indexed tools/pipe.py: not a regular file (a named pipe)\n"


@needs_fifo
@pytest.mark.parametrize("arguments", [(), ("app/pipe.py",), ("--diff",), ("--add-noqa",), ("--format", "json")])
def test_fifo_inside_paths_fails_run(tmp_path: Path, arguments: tuple[str, ...]) -> None:
    root = project(tmp_path)
    os.mkfifo(root / "app" / "pipe.py")

    run = lint(root, *arguments)

    assert run.returncode == 2, run.stderr
    assert "opsgen lint: not checked app/pipe.py: not a regular file (a named pipe)\n" in run.stderr


def test_broken_links_fail_run(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app" / "dangling.py").symlink_to(root / "missing.py")
    (root / "app" / "first.py").symlink_to(root / "app" / "second.py")
    (root / "app" / "second.py").symlink_to(root / "app" / "first.py")

    run = lint(root)

    assert run.returncode == 2, run.stderr
    assert run.stdout.startswith(FINDING)
    assert run.stderr.splitlines() == [
        "opsgen lint: not checked app/dangling.py: cannot be read: No such file or directory",
        "opsgen lint: not checked app/first.py: cannot be read: Too many levels of symbolic links",
        "opsgen lint: not checked app/second.py: cannot be read: Too many levels of symbolic links",
    ]


def test_broken_link_outside_paths_is_noted(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "tools" / "dangling.py").symlink_to(root / "missing.py")

    run = lint(root, "app")

    assert run.returncode == 1, run.stderr
    assert run.stderr == "opsgen lint: not indexed tools/dangling.py: cannot be read: No such file or directory\n"


@pytest.mark.parametrize(
    "source",
    [
        # Too deep for the parser: CPython raises RecursionError while building the tree.
        "x = " + " + ".join(["1"] * 200_000) + "\n",
        # Parses, but too deep for the recursive walk over the tree.
        "def total():\n    return " + " + ".join(["1"] * 2_000) + "\n",
    ],
    ids=["parser", "walk"],
)
def test_deep_expression_is_not_analysable(tmp_path: Path, source: str) -> None:
    root = project(tmp_path)
    (root / "app" / "deep.py").write_text(source)

    run = lint(root)

    assert run.returncode == 2, run.stderr
    assert run.stdout.startswith(FINDING)
    assert run.stderr.startswith("opsgen lint: cannot parse app/deep.py: too deeply nested to analyse (maximum recursion depth exceeded")
    assert "Traceback" not in run.stderr


class DeepRule(Rule):
    """Raise RecursionError in one module, as a rule that recurses over a deep tree would."""

    code: ClassVar[str] = "OPS199"
    name: ClassVar[str] = "deep-rule"
    MESSAGE: ClassVar[str] = "OPS199 {name} reached"

    def check(self, module: ModuleContext) -> Iterable[Finding]:
        if module.path.endswith("deep.py"):
            raise RecursionError("maximum recursion depth exceeded")
        yield module.finding(self.code, self.MESSAGE.format(name=module.path.rpartition("/")[2]), 1)


def test_recursion_in_rule_leaves_module_unchecked(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "app" / "deep.py").write_text("x = 1\n")

    result = lint_paths([root / "app"], load_config(root), [DeepRule], use_cache=False)

    assert result.unchecked == ["app/deep.py: too deeply nested to analyse (maximum recursion depth exceeded)"]
    assert sorted(Path(f.path).name for f in result.findings) == ["__init__.py", "pay.py"]


def test_file_over_size_limit_fails_run(tmp_path: Path) -> None:
    root = project(tmp_path, "max-file-size = 1000")
    (root / "app" / "table.py").write_text("x = 1\n" * 200)

    run = lint(root)

    assert run.returncode == 2, run.stderr
    assert run.stdout.startswith(FINDING)
    assert run.stderr == (
        "opsgen lint: not checked app/table.py: 1200 bytes, more than max-file-size (1000); "
        "add the file to exclude, or raise max-file-size in [tool.opsgen.lint]\n"
    )


def test_file_over_size_limit_outside_paths_is_noted(tmp_path: Path) -> None:
    root = project(tmp_path, "max-file-size = 1000")
    (root / "tools" / "table.py").write_text("x = 1\n" * 200)

    run = lint(root, "app")

    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("opsgen lint: not indexed tools/table.py: 1200 bytes, more than max-file-size (1000)")


@pytest.mark.parametrize(("table", "checked"), [("", True), ("max-file-size = 0", True), ("max-file-size = 1199", False)])
def test_size_limit_setting(tmp_path: Path, table: str, checked: bool) -> None:
    root = project(tmp_path, table)
    (root / "app" / "table.py").write_text("x = 1\n" * 200)

    result = lint_paths([root], load_config(root), use_cache=False)

    assert (result.unchecked == []) is checked
    assert result.files == (4 if checked else 3)


@pytest.mark.parametrize("value", ["-1", "true", "'10MB'", "1.5"])
def test_size_limit_invalid_value(tmp_path: Path, value: str) -> None:
    root = project(tmp_path, f"max-file-size = {value}")

    with pytest.raises(ConfigError) as raised:
        load_config(root)

    assert str(raised.value).startswith(f"{root / 'pyproject.toml'}:5: [tool.opsgen.lint]: max-file-size must be a whole number of bytes")


def test_default_size_limit_skips_huge_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    limit = LintConfig().max_file_size
    with (root / "app" / "huge.py").open("w") as stream:
        stream.truncate(limit + 1)  # a sparse file: no need to write the bytes

    result = lint_paths([root], load_config(root), use_cache=False)

    assert result.unchecked == [f"app/huge.py: {limit + 1} bytes, more than max-file-size ({limit}); add the file to exclude, or raise max-file-size in [tool.opsgen.lint]"]


@needs_fifo
def test_read_source_rejects_fifo_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.py"
    os.mkfifo(pipe)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_source(pipe, 0)
        except SkippedFile as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)

    if reader.is_alive():
        # Unblock the reader, so the thread ends with the test.
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("read_source() opened the named pipe and waited for a writer")
    assert [str(exc) for exc in outcome] == ["not a regular file (a named pipe)"]


def test_read_source_returns_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_bytes(b"x = 1\n")

    source, status = read_source(path, 100)

    assert source == b"x = 1\n"
    assert status.st_size == 6


@needs_fifo
@pytest.mark.parametrize("name", ["lint-index.json", "lint-index.journal"])
def test_fifo_in_cache_is_ignored(tmp_path: Path, name: str) -> None:
    root = project(tmp_path)
    cached = subprocess.run([*COMMAND[:-1], "."], cwd=root, capture_output=True, text=True, timeout=60)
    assert cached.returncode == 1, cached.stderr
    (root / ".opsgen-cache" / name).unlink(missing_ok=True)
    os.mkfifo(root / ".opsgen-cache" / name)
    (root / "app" / "pay.py").write_text(HTTP_IN_ATOMIC + "\n")

    run = subprocess.run([*COMMAND[:-1], "."], cwd=root, capture_output=True, text=True, timeout=60)

    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith(FINDING)
