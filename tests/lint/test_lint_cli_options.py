"""``opsgen lint`` options: --fix and --diff, rule code checks, unparsable files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsgen.lint.sarif import shorten

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]

FIXABLE = textwrap.dedent(
    """\
    from django.db import transaction
    from shop.tasks import notify


    def place(order):
        with transaction.atomic():
            order.save()
            notify.delay(order.pk)
    """
)

NOT_FIXABLE = textwrap.dedent(
    """\
    from django.db import transaction
    from shop.tasks import notify


    def place(order):
        with transaction.atomic():
            order.save(); notify.delay(order.pk)
    """
)


def project(tmp_path: Path, files: dict[str, str], lint_table: str = "") -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[project]\nname = "x"\nversion = "0"\n{lint_table}')
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def lint(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *options, "."], cwd=root, capture_output=True, text=True, timeout=120)


def test_fix_and_diff_exclusive(tmp_path: Path) -> None:
    root = project(tmp_path, {"orders.py": FIXABLE})

    run = lint(root, "--fix", "--diff")

    assert run.returncode == 2
    assert "--diff: not allowed with argument --fix" in run.stderr
    assert run.stdout == ""
    assert (root / "orders.py").read_text() == FIXABLE


def test_fix_reports_what_remains(tmp_path: Path) -> None:
    root = project(tmp_path, {"orders.py": NOT_FIXABLE})

    run = lint(root, "--fix")

    assert run.returncode == 1
    assert "orders.py:7:23: OPS101" in run.stdout
    assert "not fixable orders.py:7:23: OPS101 the statement shares its line with another statement" in run.stderr
    assert (root / "orders.py").read_text() == NOT_FIXABLE


def test_diff_without_fixes_still_fails(tmp_path: Path) -> None:
    root = project(tmp_path, {"orders.py": NOT_FIXABLE})

    run = lint(root, "--diff")

    assert run.returncode == 1
    assert run.stdout == ""
    assert "not fixable orders.py:7:23" in run.stderr


def test_fix_leaves_clean_tree(tmp_path: Path) -> None:
    root = project(tmp_path, {"orders.py": FIXABLE})

    run = lint(root, "--fix")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "transaction.on_commit(partial(notify.delay, order.pk))" in (root / "orders.py").read_text()


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_code_option_rejected(tmp_path: Path, option: str) -> None:
    root = project(tmp_path, {"orders.py": "x = 1\n"})

    run = lint(root, option, "OPS1,OPX9")

    assert run.returncode == 2
    assert f"'OPX9' in {option}" in run.stderr
    assert "OPS1, OPS2, OPS3, OPS4" in run.stderr
    assert "OPS101" in run.stderr


@pytest.mark.parametrize("setting", ["select", "ignore"])
def test_unknown_code_setting_rejected(tmp_path: Path, setting: str) -> None:
    root = project(tmp_path, {"orders.py": "x = 1\n"}, f'\n[tool.opsgen.lint]\n{setting} = ["OPS9"]\n')

    run = lint(root)

    assert run.returncode == 2
    assert f"'OPS9' in {setting} in [tool.opsgen.lint]" in run.stderr
    assert "OPS1, OPS2, OPS3, OPS4" in run.stderr


def test_known_prefixes_accepted(tmp_path: Path) -> None:
    root = project(tmp_path, {"orders.py": "x = 1\n"}, '\n[tool.opsgen.lint]\nignore = ["OPS3"]\n')

    run = lint(root, "--select", "OPS,OPS1,OPS201")

    assert run.returncode == 0, run.stderr


def test_unparsable_file_fails_once(tmp_path: Path) -> None:
    root = project(tmp_path, {"broken.py": "def f(:\n", "orders.py": "x = 1\n"})

    run = lint(root)
    named = subprocess.run([*COMMAND, "broken.py", "."], cwd=root, capture_output=True, text=True, timeout=120)

    assert run.returncode == 2
    assert run.stderr == "opsgen lint: cannot parse broken.py:1: invalid syntax\n"
    assert named.returncode == 2
    assert named.stderr.count("broken.py") == 1


def test_sarif_description_cut_at_sentence() -> None:
    text = "First sentence here. " * 60

    cut = shorten(text.strip(), 1000)

    assert len(cut) <= 1000
    assert cut.endswith("here. \u2026")
    assert len(cut) > 900


def test_sarif_description_cut_at_word() -> None:
    text = "word " * 300

    cut = shorten(text.strip(), 1000)

    assert len(cut) <= 1000
    assert cut.endswith("word\u2026")
    assert "wor\u2026" not in cut


def test_sarif_short_description_unchanged() -> None:
    assert shorten("Short. Enough.", 1000) == "Short. Enough."
