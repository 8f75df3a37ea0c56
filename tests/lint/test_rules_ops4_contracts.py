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
