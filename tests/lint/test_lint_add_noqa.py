"""``opsgen lint --add-noqa``: where the comments go, how they merge, and what the run prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from opsgen.lint.add_noqa import add_noqa
from opsgen.lint.engine import NoqaLines, is_suppressed
from opsgen.lint.rule import Finding

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]
FLAKE8 = str(Path(sys.executable).with_name("flake8"))

#: OPS102 on line 7 (two raw SQL writes), OPS101 on lines 14 and 15.
SERVICES = '''\
import requests
from django.db import connection, transaction


def archive(before):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO archive SELECT * FROM events WHERE at < %s", [before])
        cursor.execute("DELETE FROM events WHERE at < %s", [before])


def place(order):
    with transaction.atomic():
        order.save()
        notify.delay(order.pk)  # type: ignore[name-defined]
        requests.post(order.hook, json={"id": order.pk})  # noqa: E501
'''


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    for name, text in files.items():
        (root / name).write_bytes(text.encode())
    return root


def lint(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *options, "."], cwd=root, capture_output=True, text=True, timeout=120)


def test_add_noqa_comments_each_reported_line(tmp_path: Path) -> None:
    root = project(tmp_path, {"services.py": SERVICES})

    run = lint(root, "--add-noqa")

    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "added 3 noqa code(s) to 3 line(s) in 1 file(s)" in run.stderr
    lines = (root / "services.py").read_text().splitlines()
    assert lines[6] == '        cursor.execute("INSERT INTO archive SELECT * FROM events WHERE at < %s", [before])  # noqa: OPS102'
    assert lines[13] == "        notify.delay(order.pk)  # type: ignore[name-defined]  # noqa: OPS101"
    assert lines[14] == '        requests.post(order.hook, json={"id": order.pk})  # noqa: E501, OPS101'
    assert lint(root).returncode == 0


def test_add_noqa_twice_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"services.py": SERVICES})
    lint(root, "--add-noqa")
    once = (root / "services.py").read_bytes()

    run = lint(root, "--add-noqa")

    assert run.returncode == 0, run.stderr
    assert "added 0 noqa code(s) to 0 line(s) in 0 file(s)" in run.stderr
    assert (root / "services.py").read_bytes() == once


def test_add_noqa_multiline_string_comment_after_string(tmp_path: Path) -> None:
    source = (
        "from django.db import connection\n\n\n"
        "def archive(before):\n"
        "    with connection.cursor() as cursor:\n"
        '        cursor.execute("""\n'
        "            INSERT INTO archive SELECT * FROM events WHERE at < %s\n"
        '        """, [before])\n'
        '        cursor.execute("DELETE FROM events WHERE at < %s", \\\n'
        "                       [before])\n"
    )
    root = project(tmp_path, {"services.py": source})

    run = lint(root, "--add-noqa")

    assert run.returncode == 0, run.stderr
    lines = (root / "services.py").read_text().splitlines()
    assert lines[5] == '        cursor.execute("""'
    assert lines[6] == "            INSERT INTO archive SELECT * FROM events WHERE at < %s"
    assert lines[7] == '        """, [before])  # noqa: OPS102'
    assert lint(root).returncode == 0
    flake8 = subprocess.run([FLAKE8, "--select=OPS", "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert flake8.returncode == 0, flake8.stdout + flake8.stderr


def test_add_noqa_backslash_continuation(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text("total = first + \\\n    second\nother = 1\n")
    finding = Finding(str(path), 1, 0, "OPS999", "message")

    edits = add_noqa([finding])

    assert [(edit.codes, edit.lines, edit.error) for edit in edits] == [(1, 1, None)]
    assert path.read_text() == "total = first + \\\n    second  # noqa: OPS999\nother = 1\n"
    lines = path.read_text().splitlines()
    assert is_suppressed(finding, lines, NoqaLines.read(lines))


def test_add_noqa_one_edit_a_line(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text("def f():\n    return g(h())  # noqa:E501 long call\n")
    findings = [Finding(str(path), 2, 11, "OPS201", "m"), Finding(str(path), 2, 4, "OPS101", "m"), Finding(str(path), 2, 13, "OPS201", "m")]

    edits = add_noqa(findings)

    assert [(edit.codes, edit.lines) for edit in edits] == [(2, 1)]
    assert path.read_text() == "def f():\n    return g(h())  # noqa:E501, OPS101, OPS201 long call\n"


def test_add_noqa_keeps_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_bytes(b"import os\r\nx = os.sep\r\ny = 2")
    findings = [Finding(str(path), 2, 0, "OPS101", "m"), Finding(str(path), 3, 0, "OPS102", "m")]

    add_noqa(findings)

    assert path.read_bytes() == b"import os\r\nx = os.sep  # noqa: OPS101\r\ny = 2  # noqa: OPS102"


def test_add_noqa_keeps_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text("x = 1\n")
    path.chmod(0o750)

    add_noqa([Finding(str(path), 1, 0, "OPS101", "m")])

    assert path.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.py"]


def test_add_noqa_leaves_untokenizable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text('x = """never closed\n')

    edits = add_noqa([Finding(str(path), 1, 0, "OPS101", "m")])

    assert edits[0].error == "the file does not tokenize"
    assert path.read_text() == 'x = """never closed\n'


def test_noqa_after_multiline_string_suppresses_first_line() -> None:
    lines = ['run("""', "SQL", '""")  # noqa: OPS102', "other()  # noqa: OPS101"]
    noqa_lines = NoqaLines.read(lines)

    assert is_suppressed(Finding("m.py", 1, 0, "OPS102", "m"), lines, noqa_lines)
    assert is_suppressed(Finding("m.py", 2, 0, "OPS102", "m"), lines, noqa_lines)
    assert not is_suppressed(Finding("m.py", 1, 0, "OPS101", "m"), lines, noqa_lines)
    assert is_suppressed(Finding("m.py", 4, 0, "OPS101", "m"), lines, noqa_lines)


def test_noqa_inside_string_does_not_suppress() -> None:
    lines = ['run("""  # noqa', "SQL", '""")']

    assert not is_suppressed(Finding("m.py", 1, 0, "OPS102", "m"), lines, NoqaLines.read(lines))


def test_add_noqa_excludes_fix_and_diff(tmp_path: Path) -> None:
    root = project(tmp_path, {"services.py": SERVICES})

    run = lint(root, "--add-noqa", "--fix")

    assert run.returncode == 2
    assert "not allowed with argument" in run.stderr
    assert (root / "services.py").read_text() == SERVICES


#: A stale ``# noqa: OPS202`` on a single F() update (line 7), and an OPS101 finding on
#: line 13, whose comment lists only a stale OPS207.
STALE_NOQA = '''\
import requests
from django.db import transaction
from django.db.models import F


def restock(sku, quantity):
    Product.objects.filter(sku=sku).update(stock=F("stock") + quantity)  # noqa: OPS202


def place(order):
    with transaction.atomic():
        order.save()
        requests.post(order.hook, json={"id": order.pk})  # noqa: OPS207
'''


def test_add_noqa_skips_unused_noqa_code(tmp_path: Path) -> None:
    root = project(tmp_path, {"services.py": STALE_NOQA})

    run = lint(root, "--extend-select", "OPS003", "--add-noqa")

    assert run.returncode == 0, run.stderr
    assert "added 1 noqa code(s) to 1 line(s) in 1 file(s)" in run.stderr
    assert "left 2 unused noqa comment(s) (OPS003) unchanged; 'opsgen lint --fix' removes the unused codes" in run.stderr
    lines = (root / "services.py").read_text().splitlines()
    assert lines[6] == '    Product.objects.filter(sku=sku).update(stock=F("stock") + quantity)  # noqa: OPS202'
    assert lines[12] == '        requests.post(order.hook, json={"id": order.pk})  # noqa: OPS207, OPS101'
    assert "OPS003" not in (root / "services.py").read_text()


def test_add_noqa_then_unused_codes_still_reported(tmp_path: Path) -> None:
    root = project(tmp_path, {"services.py": STALE_NOQA})
    lint(root, "--extend-select", "OPS003", "--add-noqa")

    run = lint(root, "--extend-select", "OPS003", "--format", "concise")

    reported = [re.match(r"services\.py:(\d+):\d+: (OPS\d+)", line) for line in run.stdout.splitlines()]
    assert [(match.group(1), match.group(2)) for match in reported if match] == [("7", "OPS003"), ("13", "OPS003")]
    assert "OPS202 suppresses no finding" in run.stdout
    assert "OPS207 suppresses no finding" in run.stdout


def test_add_noqa_ignores_unused_noqa_finding(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text("x = 1  # noqa: OPS202\n")

    edits = add_noqa([Finding(str(path), 1, 7, "OPS003", "OPS003 unused noqa code: OPS202 suppresses no finding here; remove it")])

    assert edits == []
    assert path.read_text() == "x = 1  # noqa: OPS202\n"
