"""OPS003: ``# noqa`` codes that suppress nothing, reported when selected and removed by ``--fix``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from opsgen.lint.unused_noqa import without_codes
from tests_lint_support import write_project

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint"]

ORDERS = """\
from django.db import transaction

from shop.tasks import send_receipt


def checkout(cart):
    with transaction.atomic():
        order = cart.place()
        send_receipt.delay(order.pk)  # noqa: OPS101
    return order


def refund(order):
    order.refunded = True  # noqa: OPS101, E501 -- fixed since
    order.save()  # noqa
    return order  # noqa: OPS1


def cancel(order):
    order.cancelled = True
    order.save()  # noqa: OPS102, OPS003
"""


def project(tmp_path: Path, pyproject: str = "") -> Path:
    files = {"shop/__init__.py": "", "shop/orders.py": ORDERS}
    return write_project(tmp_path / "project", files, pyproject)


def lint(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *options, "."], cwd=root, capture_output=True, text=True, timeout=120)


def test_unused_noqa_off_by_default(tmp_path: Path) -> None:
    root = project(tmp_path)

    plain = lint(root)
    every_family = lint(root, "--select", "OPS")

    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert every_family.returncode == 0, every_family.stdout + every_family.stderr


def test_unused_noqa_reported_when_selected(tmp_path: Path) -> None:
    root = project(tmp_path)

    run = lint(root, "--extend-select", "OPS003")

    assert run.returncode == 1, run.stderr
    assert run.stdout == "shop/orders.py:14:28: OPS003 unused noqa code: OPS101 suppresses no finding here; remove it\n"


def test_unused_noqa_from_setting(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.opsgen.lint]\nextend-select = ["ops003"]\n')

    first = lint(root)
    cached = lint(root)

    assert first.returncode == 1, first.stderr
    assert "shop/orders.py:14:28: OPS003" in first.stdout
    assert cached.stdout == first.stdout


def test_unused_noqa_skips_rules_not_run(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.opsgen.lint.per-file-ignores]\n"shop/orders.py" = ["OPS102"]\n')

    ignored = lint(root, "--extend-select", "OPS003", "--ignore", "OPS101")
    only_locks = lint(root, "--select", "OPS2,OPS003")

    assert ignored.returncode == 0, ignored.stdout + ignored.stderr
    assert only_locks.returncode == 0, only_locks.stdout + only_locks.stderr


def test_unused_noqa_removed_by_fix(tmp_path: Path) -> None:
    root = project(tmp_path)

    fixed = lint(root, "--extend-select", "OPS003", "--fix")
    again = lint(root, "--extend-select", "OPS003")

    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "opsgen lint: fixed 1 finding(s) in shop/orders.py" in fixed.stderr
    source = (root / "shop" / "orders.py").read_text()
    assert "    order.refunded = True  # noqa: E501 -- fixed since\n" in source
    assert "send_receipt.delay(order.pk)  # noqa: OPS101\n" in source
    assert again.returncode == 0, again.stdout + again.stderr


def test_unused_noqa_json_fixable(tmp_path: Path) -> None:
    root = project(tmp_path)

    run = lint(root, "--extend-select", "OPS003", "--format", "json")

    (finding,) = json.loads(run.stdout)
    assert finding["code"] == "OPS003"
    assert finding["fixable"] is True


def test_extend_select_rejects_unknown_code(tmp_path: Path) -> None:
    root = project(tmp_path)

    run = lint(root, "--extend-select", "OPS009")

    assert run.returncode == 2
    assert "invalid rule code or prefix 'OPS009' in --extend-select" in run.stderr


@pytest.mark.parametrize(
    ("line", "codes", "expected"),
    [
        ("x = 1  # noqa: OPS101\n", ["OPS101"], "x = 1\n"),
        ("x = 1  # noqa: OPS101, E501\n", ["OPS101"], "x = 1  # noqa: E501\n"),
        ("x = 1  # noqa:OPS101,OPS202\n", ["OPS202"], "x = 1  # noqa:OPS101\n"),
        ("x = 1  # noqa: OPS102 -- rerunnable\n", ["OPS102"], "x = 1\n"),
        ("x = 1  # type: ignore  # noqa: OPS101\n", ["OPS101"], "x = 1  # type: ignore\n"),
        ("x = 1  # noqa: OPS101  # type: ignore\n", ["OPS101"], "x = 1  # type: ignore\n"),
        ("x = 1  # NOQA: ops101\r\n", ["OPS101"], "x = 1\r\n"),
        ("x = 1  # noqa\n", ["OPS101"], "x = 1  # noqa\n"),
    ],
)
def test_without_codes(line: str, codes: list[str], expected: str) -> None:
    column = line.index("#")

    assert without_codes(line, column, codes) == expected
