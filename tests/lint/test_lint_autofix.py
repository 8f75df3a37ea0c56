"""The LibCST autofix: what it rewrites, and the cases where it must leave the code alone."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import as_example, lint_example
from opsgen.lint.autofix import apply_fixes
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Rule

RULES = load_rules()
FIXED_EXAMPLES = [
    pytest.param(rule, as_example(example), id=f"{rule.code}-{number}")
    for rule in RULES
    for number, example in enumerate(rule.INVALID)
    if as_example(example).fixed is not None
]


def fix_source(source: str, tmp_path: Path, files: dict[str, str] | None = None) -> str:
    example = Example(textwrap.dedent(source), files=files or {})
    findings = lint_example(example, RULES, tmp_path)
    fixes = [f.fix for f in findings if f.fix is not None]
    return apply_fixes(example.code, fixes).source


@pytest.mark.parametrize(("rule", "example"), FIXED_EXAMPLES)
def test_example_fix(rule: type[Rule], example: Example, tmp_path: Path) -> None:
    findings = lint_example(example, [rule], tmp_path)
    fixes = [f.fix for f in findings if f.fix is not None]
    fixed = re.sub(rf"  # {rule.code}\b", "", apply_fixes(example.code, fixes).source)
    assert example.fixed is not None
    # The fix puts a new import in its isort section, which may differ from the example's order.
    assert sorted(filter(None, fixed.splitlines())) == sorted(filter(None, example.fixed.splitlines()))
    assert _code_lines(fixed) == _code_lines(example.fixed)


def _code_lines(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.strip() and not line.startswith(("import ", "from "))]


def test_fix_carries_using_and_adds_imports(tmp_path: Path) -> None:
    fixed = fix_source(
        """\
        import requests
        from django.db import transaction


        def post(entry):
            with transaction.atomic(using="ledger"):
                entry.save()
                requests.post("https://example.invalid", json={"id": entry.pk})
        """,
        tmp_path,
    )
    assert (
        "        transaction.on_commit(\n"
        '            partial(requests.post, "https://example.invalid", json={"id": entry.pk}),\n'
        '            using="ledger",\n'
        "        )\n"
    ) in fixed
    assert fixed.startswith("from functools import partial\n\nimport requests\n")


def test_fix_uses_existing_names(tmp_path: Path) -> None:
    fixed = fix_source(
        """\
        import functools

        from django.db.transaction import atomic, on_commit as after
        from shop.tasks import notify


        @atomic
        def place(order):
            order.save()
            notify.delay(order.pk)
        """,
        tmp_path,
    )
    assert "after(functools.partial(notify.delay, order.pk))" in fixed
    assert "from django.db import transaction" not in fixed
    assert "from functools import partial" not in fixed


def test_no_fix_when_result_is_used(tmp_path: Path) -> None:
    source = """\
    from django.db import transaction
    from shop.tasks import notify


    def place(order):
        with transaction.atomic():
            order.save()
            result = notify.delay(order.pk)
        return result.id
    """
    findings = lint_example(Example(textwrap.dedent(source)), RULES, tmp_path)
    assert [f.code for f in findings] == ["OPS101"]
    assert findings[0].fix is None


def test_no_fix_when_block_raises_afterwards(tmp_path: Path) -> None:
    source = """\
    from django.db import transaction
    from shop.tasks import notify


    def place(order):
        with transaction.atomic():
            order.save()
            notify.delay(order.pk)
            if not order.valid:
                raise ValueError("rolled back on purpose")
    """
    findings = lint_example(Example(textwrap.dedent(source)), RULES, tmp_path)
    assert [f.code for f in findings] == ["OPS101"]
    assert findings[0].fix is None


def test_no_fix_for_sqlalchemy_without_commit(tmp_path: Path) -> None:
    source = """\
    import requests


    def create(session, row):
        session.add(row)
        requests.post("https://example.invalid")
    """
    findings = lint_example(Example(textwrap.dedent(source)), RULES, tmp_path)
    assert [f.code for f in findings] == ["OPS101"]
    assert findings[0].fix is None


def test_cli_diff_then_fix(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    source = textwrap.dedent(
        """\
        from django.db import transaction
        from shop.tasks import notify


        def place(order):
            with transaction.atomic():
                order.save()
                notify.delay(order.pk)
        """
    )
    (root / "orders.py").write_text(source)
    command = [sys.executable, "-m", "opsgen.cli.main", "lint"]

    diff = subprocess.run([*command, "--diff", "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert diff.returncode == 1
    assert "-        notify.delay(order.pk)\n" in diff.stdout
    assert "+        transaction.on_commit(partial(notify.delay, order.pk))\n" in diff.stdout
    assert (root / "orders.py").read_text() == source

    fixed = subprocess.run([*command, "--fix", "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "transaction.on_commit(partial(notify.delay, order.pk))" in (root / "orders.py").read_text()
    again = subprocess.run([*command, "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout


def test_fix_carries_using_variable(tmp_path: Path) -> None:
    fixed = fix_source(
        """\
        from django.db import transaction
        from shop.tasks import notify


        def place(order, db_alias):
            with transaction.atomic(using=db_alias):
                order.save(using=db_alias)
                notify.delay(order.pk)
        """,
        tmp_path,
    )
    assert "transaction.on_commit(partial(notify.delay, order.pk), using=db_alias)" in fixed
