"""The flake8 plugin, through a real flake8 run in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests_lint_support import write_project  # type: ignore[import-not-found]

FLAKE8 = str(Path(sys.executable).with_name("flake8"))


def run_flake8(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLAKE8, "--select=OPS", *arguments, "."], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_flake8_reports_direct_and_indirect_findings(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    completed = run_flake8(root)
    assert completed.returncode == 1, completed.stderr
    lines = sorted(completed.stdout.splitlines())
    assert len(lines) == 2, completed.stdout
    assert lines[0].startswith("./shop/orders.py:10:9: OPS101 send_receipt.delay() is a task enqueue")
    assert lines[1].startswith("./shop/orders.py:11:9: OPS101 tell_customer() leads to an HTTP request")
    assert "requests.post at shop/notify.py:5" in lines[1]


def test_flake8_honours_noqa(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    completed = run_flake8(root)
    assert ":19:" not in completed.stdout
    orders = root / "shop" / "orders.py"
    orders.write_text(orders.read_text().replace("tell_customer(order)\n", "tell_customer(order)  # noqa: OPS101\n"))
    again = run_flake8(root)
    assert ":11:" not in again.stdout
    assert ":10:9: OPS101" in again.stdout


def test_flake8_with_several_jobs_matches_one(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    single = run_flake8(root, "--jobs=1")
    parallel = run_flake8(root, "--jobs=2")
    assert sorted(single.stdout.splitlines()) == sorted(parallel.stdout.splitlines())


def test_flake8_sees_unsaved_content(tmp_path: Path) -> None:
    """flake8 reading standard input with a display name lints that text, not the file."""
    root = write_project(tmp_path / "project")
    text = (root / "shop" / "orders.py").read_text().replace("send_receipt.delay(order.pk)\n        tell", "tell")
    completed = subprocess.run(
        [FLAKE8, "--select=OPS", "--stdin-display-name=shop/orders.py", "-"],
        cwd=root,
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.stdout.count("OPS101") == 1, completed.stdout


def test_flake8_crlf_file_matches_index(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    orders = root / "shop" / "orders.py"
    orders.write_bytes(orders.read_bytes().replace(b"\n", b"\r\n"))
    completed = run_flake8(root)
    assert sorted(line.split(": ", 1)[0] for line in completed.stdout.splitlines()) == [
        "./shop/orders.py:10:9",
        "./shop/orders.py:11:9",
    ]


def test_flake8_after_lint_sees_changed_helper(tmp_path: Path) -> None:
    quiet = "import requests\n\ndef tidy(cart):\n    return cart\n"
    loud = "import requests\n\ndef tidy(cart):\n    requests.post('https://example.invalid/hook')\n    return cart\n"
    caller = "from django.db import transaction\nfrom shop.helpers import tidy\n\ndef place(cart):\n    with transaction.atomic():\n        tidy(cart)\n"
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/helpers.py": quiet, "shop/orders.py": caller})
    opsgen = str(Path(sys.executable).with_name("opsgen"))
    subprocess.run([opsgen, "lint", "."], cwd=root, capture_output=True, text=True, timeout=120, check=False)
    assert run_flake8(root).stdout == ""
    (root / "shop" / "helpers.py").write_text(loud)
    completed = run_flake8(root)
    assert "./shop/orders.py:6:9: OPS101 tidy() leads to an HTTP request" in completed.stdout


def test_flake8_applies_max_file_size(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", pyproject="[tool.opsgen.lint]\nmax-file-size = 1000\n")
    orders = root / "shop" / "orders.py"
    orders.write_text(orders.read_text() + "# padding\n" * 100)
    size = len(orders.read_bytes())

    completed = run_flake8(root)

    assert completed.stdout.splitlines() == [
        f"./shop/orders.py:1:1: OPS002 file not checked by opsgen: {size} bytes, more than max-file-size (1000); "
        "exclude the file from flake8, or raise max-file-size in [tool.opsgen.lint]"
    ]
    assert completed.returncode == 1


def test_flake8_checks_file_within_max_size(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", pyproject="[tool.opsgen.lint]\nmax-file-size = 100000\n")

    completed = run_flake8(root)

    assert "OPS002" not in completed.stdout
    assert completed.stdout.count("OPS101") == 2
