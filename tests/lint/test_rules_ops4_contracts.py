"""The spec-contract rules (OPS204, OPS4xx) on the example billing application and its specs."""

from __future__ import annotations

import shutil
from pathlib import Path

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

ROOT = Path(__file__).resolve().parents[2]
CREDIT_SPEC = Path("specs/billing/credit_account.yaml")
CREDIT_IMPL = Path("examples/billing/operations/billing/credit_account.py")


def _copy_example(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples", project / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "specs", project / "specs")
    (project / "pyproject.toml").write_text('[tool.opsgen]\nspecs = "specs"\n')
    return project


def _findings(project: Path, prefix: str) -> list[Finding]:
    result = lint_paths([project / "examples"], use_cache=False)
    return [f for f in result.findings if f.code.startswith(prefix)]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_example_application_is_clean(tmp_path: Path) -> None:
    project = _copy_example(tmp_path)
    assert [f"{f.path}:{f.line} {f.message}" for f in _findings(project, "OPS2")] == []
    assert [f"{f.path}:{f.line} {f.message}" for f in _findings(project, "OPS4")] == []


def test_lock_removed_from_spec(tmp_path: Path) -> None:
    project = _copy_example(tmp_path)
    spec = project / CREDIT_SPEC
    text = spec.read_text()
    assert 'key: "account:{account_id}"' in text
    spec.write_text(text.replace('  - key: "account:{account_id}"\n    timeout: 5\n', "").replace("locks:\n", ""))
    findings = _findings(project, "OPS204")
    load_line = _line_of(project / CREDIT_IMPL, "ctx.session.get(Account, account_id)")
    assert [(Path(f.path).name, f.line) for f in findings] == [("credit_account.py", load_line)]
    assert "billing.credit_account" in findings[0].message


def test_input_renamed_in_spec(tmp_path: Path) -> None:
    project = _copy_example(tmp_path)
    spec = project / CREDIT_SPEC
    spec.write_text(spec.read_text().replace("  account_id: uuid\n", "  account: uuid\n", 1))
    findings = _findings(project, "OPS404")
    assert len(findings) == 1
    assert "no parameter for account" in findings[0].message
    assert "parameter account_id is not an input" in findings[0].message


def test_effect_sent_directly(tmp_path: Path) -> None:
    project = _copy_example(tmp_path)
    impl = project / CREDIT_IMPL
    text = impl.read_text()
    direct = "        smtplib.SMTP('localhost').sendmail('billing@example.com', [account.owner_email], 'credited')\n"
    text = text.replace("        self.email_receipt(ctx,", direct + "        self.email_receipt(ctx,", 1)
    impl.write_text("import smtplib\n" + text)
    findings = _findings(project, "OPS401")
    assert [f.line for f in findings] == [_line_of(impl, "smtplib.SMTP('localhost')")]
    assert "email_receipt" in findings[0].message


def _with_json_input(tmp_path: Path, parameter: str) -> Path:
    """Copy the example, add the spec input ``json`` and give ``run`` the parameter ``parameter``."""
    project = _copy_example(tmp_path)
    spec = project / CREDIT_SPEC
    spec.write_text(spec.read_text().replace("  reference:\n", "  json: {type: str, optional: true}\n  reference:\n", 1))
    impl = project / CREDIT_IMPL
    impl.write_text(impl.read_text().replace("reference: str | None,", f"reference: str | None,\n        {parameter}: str | None,", 1))
    assert f"{parameter}: str | None" in impl.read_text()
    return project


def test_aliased_input_takes_python_name(tmp_path: Path) -> None:
    project = _with_json_input(tmp_path, "json_")

    assert _findings(project, "OPS404") == []


def test_aliased_input_by_spec_name_flagged(tmp_path: Path) -> None:
    project = _with_json_input(tmp_path, "json")

    findings = _findings(project, "OPS404")
    assert len(findings) == 1
    assert "no parameter for json" in findings[0].message
    assert "parameter json is not an input" in findings[0].message


def _with_data_input(tmp_path: Path, lock: bool) -> Path:
    """Copy the example with its input ``account_id`` renamed to ``data``, which run() takes as ``data_``."""
    project = _copy_example(tmp_path)
    spec = project / CREDIT_SPEC
    text = spec.read_text().replace("  account_id: uuid\n", "  data: uuid\n", 1)
    text = text.replace('key: "account:{account_id}"', 'key: "account:{data}"')
    if not lock:
        text = text.replace('  - key: "account:{data}"\n    timeout: 5\n', "").replace("locks:\n", "")
    spec.write_text(text)
    impl = project / CREDIT_IMPL
    impl.write_text(impl.read_text().replace("account_id: UUID,", "data_: UUID,", 1).replace("get(Account, account_id)", "get(Account, data_)"))
    return project


def test_aliased_input_lock_covers_load(tmp_path: Path) -> None:
    project = _with_data_input(tmp_path, lock=True)

    assert _findings(project, "OPS404") == []
    assert _findings(project, "OPS204") == []


def test_aliased_input_unlocked_load_flagged(tmp_path: Path) -> None:
    project = _with_data_input(tmp_path, lock=False)

    findings = _findings(project, "OPS204")
    assert [f.line for f in findings] == [_line_of(project / CREDIT_IMPL, "ctx.session.get(Account, data_)")]
    assert "by its input data and changes it" in findings[0].message
    assert 'add `locks: [{key: "data:{data}"}]`' in findings[0].message
