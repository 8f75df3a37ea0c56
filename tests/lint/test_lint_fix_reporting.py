"""What --diff, --fix and the JSON ``fixable`` field report for each finding, and that they agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from opsgen.lint.fixplan import plan_fixes
from opsgen.lint.rule import Finding, Fix

from tests_lint_support import write_project  # type: ignore[import-not-found]

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]

FIXABLE = """\
from django.db import transaction
from shop.tasks import notify


def place(order):
    with transaction.atomic():
        order.save()
        notify.delay(order.pk)
"""

CHANGED_LATER = """\
from django.db import transaction
from shop.tasks import notify


def place(inv):
    with transaction.atomic():
        inv.save()
        notify.delay(inv)
        inv = None
"""

RAISES_LATER = """\
from django.db import transaction
from shop.tasks import notify


def place(order):
    with transaction.atomic():
        order.save()
        notify.delay(order.pk)
        if order.total < 0:
            raise ValueError(order.pk)
"""

SQLALCHEMY = """\
import requests
from sqlalchemy.orm import Session


def ship(session: Session, row):
    session.add(row)
    requests.post("https://example.invalid/hook", timeout=5)
    if row.ready:
        session.commit()
"""

COUNTER = """\
from shop.models import AccessCode


def redeem(value):
    code = AccessCode.objects.get(code=value)
    code.times_used += 1
    code.save()
"""

SQLALCHEMY_REASON = "no session.commit() follows the call in the same block"


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_project(tmp_path / "project", {"shop/__init__.py": "", **files})


def lint(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *options, "."], cwd=root, capture_output=True, text=True, timeout=120)


def not_fixable_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if " not fixable " in line]


def test_diff_names_sqlalchemy_finding(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/ship.py": SQLALCHEMY})

    run = lint(root, "--diff")

    assert run.returncode == 1
    assert run.stdout == ""
    assert not_fixable_lines(run.stderr) == [f"opsgen lint: not fixable shop/ship.py:7:5: OPS101 {SQLALCHEMY_REASON}"]
    assert "opsgen lint: 1 finding(s), 0 fixable with --fix, 1 not fixable" in run.stderr


def test_diff_names_later_raise(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/orders.py": RAISES_LATER})

    run = lint(root, "--diff")

    assert run.returncode == 1
    assert run.stdout == ""
    assert not_fixable_lines(run.stderr) == [
        "opsgen lint: not fixable shop/orders.py:8:9: OPS101 the raise at line 10 rolls the transaction back "
        "on purpose, which would drop the deferred call"
    ]


def test_diff_names_rule_without_autofix(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/codes.py": COUNTER, "shop/models.py": "class AccessCode:\n    pass\n"})

    run = lint(root, "--diff", "--select", "OPS202")

    assert run.returncode == 1
    assert not_fixable_lines(run.stderr) == ["opsgen lint: not fixable shop/codes.py:6:5: OPS202 has no autofix"]


def test_diff_shows_fixes_and_the_rest(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/orders.py": FIXABLE, "shop/legacy.py": CHANGED_LATER, "shop/ship.py": SQLALCHEMY})

    run = lint(root, "--diff")

    assert run.returncode == 1
    assert "+++ b/shop/orders.py" in run.stdout
    assert "+        transaction.on_commit(partial(notify.delay, order.pk))" in run.stdout
    assert "shop/legacy.py" not in run.stdout
    assert not_fixable_lines(run.stderr) == [
        "opsgen lint: not fixable shop/legacy.py:8:9: OPS101 a later statement changes inv",
        f"opsgen lint: not fixable shop/ship.py:7:5: OPS101 {SQLALCHEMY_REASON}",
    ]
    assert run.stderr.splitlines()[-1] == "opsgen lint: 3 finding(s), 1 fixable with --fix, 2 not fixable"
    assert (root / "shop" / "orders.py").read_text() == FIXABLE


def test_diff_writes_output_file(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/orders.py": FIXABLE})

    run = lint(root, "--diff", "--output", "fixes.diff")

    assert run.returncode == 1
    assert run.stdout == ""
    assert "+        transaction.on_commit(partial(notify.delay, order.pk))" in (root / "fixes.diff").read_text()


def test_diff_clean_project_silent(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/orders.py": "def place(order):\n    return order\n"})

    run = lint(root, "--diff")

    assert run.returncode == 0
    assert run.stdout == ""
    assert run.stderr == ""


def test_fix_and_diff_give_same_reasons(tmp_path: Path) -> None:
    files = {"shop/orders.py": FIXABLE, "shop/legacy.py": CHANGED_LATER, "shop/late.py": RAISES_LATER, "shop/ship.py": SQLALCHEMY}
    root = project(tmp_path, files)

    diff = lint(root, "--diff")
    fix = lint(root, "--fix")

    assert len(not_fixable_lines(diff.stderr)) == 3
    assert not_fixable_lines(fix.stderr) == not_fixable_lines(diff.stderr)
    assert "opsgen lint: 4 finding(s), 1 fixed, 3 not fixable" in fix.stderr
    assert fix.returncode == 1


def test_json_fixable_agrees_with_fix(tmp_path: Path) -> None:
    files = {"shop/orders.py": FIXABLE, "shop/legacy.py": CHANGED_LATER, "shop/late.py": RAISES_LATER, "shop/ship.py": SQLALCHEMY}
    root = project(tmp_path, files)

    before = json.loads(lint(root, "--format", "json").stdout)
    lint(root, "--fix")
    after = json.loads(lint(root, "--format", "json").stdout)

    position = {(f["path"], f["line"]): f["fixable"] for f in before}
    assert position == {
        ("shop/late.py", 8): False,
        ("shop/legacy.py", 8): False,
        ("shop/orders.py", 8): True,
        ("shop/ship.py", 7): False,
    }
    assert sorted((f["path"], f["line"]) for f in after) == sorted(key for key, fixable in position.items() if not fixable)
    assert all(f["fixable"] is False for f in after)


def test_json_gives_reason_for_skipped_fix(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/legacy.py": CHANGED_LATER, "shop/orders.py": FIXABLE})

    findings = json.loads(lint(root, "--format", "json").stdout)

    by_path = {f["path"]: f for f in findings}
    assert by_path["shop/legacy.py"]["fixable"] is False
    assert by_path["shop/legacy.py"]["not_fixable_reason"] == "a later statement changes inv"
    assert by_path["shop/orders.py"]["fixable"] is True
    assert "not_fixable_reason" not in by_path["shop/orders.py"]


def test_plan_survives_libcst_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def place(order:\n    notify.delay(order.pk)\n")
    finding = Finding(str(path), 2, 4, "OPS101", "OPS101 message", fix=Fix("defer", 2, 4, "django"))

    plan = plan_fixes([finding])

    assert plan.files == ()
    assert plan.not_fixable[finding].startswith("LibCST cannot parse the file: ")


def test_plan_names_rule_without_autofix(tmp_path: Path) -> None:
    finding = Finding(str(tmp_path / "absent.py"), 1, 0, "OPS301", "OPS301 message")

    plan = plan_fixes([finding])

    assert plan.not_fixable == {finding: "has no autofix"}
    assert not plan.fixable(finding)



#: An OPS101 finding on a call whose mail is sent one call further down.
INDIRECT = """\
from django.core.mail import send_mail
from django.db import transaction


def tell(order):
    send_mail("Order", "Thanks", "shop@example.invalid", [order.email])


def place(order):
    with transaction.atomic():
        order.save()
        tell(order)
"""


def test_not_fixable_lines_name_each_code(tmp_path: Path) -> None:
    root = project(tmp_path, {"shop/orders.py": INDIRECT, "shop/codes.py": COUNTER, "shop/models.py": "class AccessCode:\n    pass\n"})

    diff = lint(root, "--diff")
    fix = lint(root, "--fix")

    assert not_fixable_lines(diff.stderr) == [
        "opsgen lint: not fixable shop/codes.py:6:5: OPS202 has no autofix",
        "opsgen lint: not fixable shop/orders.py:12:9: OPS101 the side effect is sent further down the call chain, "
        "so a person must choose the call to defer",
    ]
    assert not_fixable_lines(fix.stderr) == not_fixable_lines(diff.stderr)
