"""OPS106: operation code that ends the runtime's transaction, or reads ctx.session without one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]

OPSGEN = str(Path(sys.executable).with_name("opsgen"))
FLAKE8 = str(Path(sys.executable).with_name("flake8"))

SPEC = """\
name: billing.close_invoice
transaction: true
locks:
  - key: "invoice:{invoice_id}"
input:
  invoice_id: int
"""

GENERATED = """\
class CloseInvoiceBase:
    pass
"""

NUMBERS = """\
from billing.models import InvoiceNumber


def reserve_number(session, invoice):
    session.add(InvoiceNumber(invoice_id=invoice.id))
    session.commit()


def reserve_through(db_session, invoice):
    reserve_number(db_session, invoice)


def cancel_with(context):
    context.session.rollback()


def reserve_in_savepoint(session, invoice):
    savepoint = session.begin_nested()
    session.add(InvoiceNumber(invoice_id=invoice.id))
    savepoint.rollback()
    with session.begin_nested():
        session.add(InvoiceNumber(invoice_id=invoice.id))
    session.flush()


def count_numbers(session):
    return session.query(InvoiceNumber).count()


def retry(session, attempts):
    if attempts:
        retry(session, attempts - 1)
"""

OPERATION = """\
from billing.generated import CloseInvoiceBase
from billing.models import Invoice, InvoiceNumber
from billing.numbers import cancel_with, count_numbers, reserve_in_savepoint, reserve_number, reserve_through, retry


class CloseInvoice(CloseInvoiceBase):
    def run(self, ctx, *, invoice_id):
        invoice = ctx.session.get(Invoice, invoice_id)
{body}
"""


def write_billing(tmp_path: Path, body: str, spec: str = SPEC) -> Path:
    """Write a project with one operation whose run() continues with ``body`` (line 9 onwards)."""
    files = {
        "billing/__init__.py": "",
        "billing/generated.py": GENERATED,
        "billing/models.py": "class Invoice:\n    pass\n\n\nclass InvoiceNumber:\n    pass\n",
        "billing/numbers.py": NUMBERS,
        "billing/close_invoice.py": OPERATION.format(body=body),
        "specs/close_invoice.yaml": spec,
    }
    return write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')


def ops106(root: Path) -> list[Finding]:
    return [f for f in lint_paths([root], use_cache=False).findings if f.code == "OPS106"]


def test_ops106_direct_calls_each_method(tmp_path: Path) -> None:
    body = (
        "        ctx.session.commit()\n"
        "        ctx.session.rollback()\n"
        "        ctx.session.close()\n"
        "        with ctx.session.begin():\n"
        "            invoice.status = 'closed'\n"
        "        ctx.session.begin()\n"
    )
    findings = ops106(write_billing(tmp_path, body))

    assert [(Path(f.path).name, f.line) for f in findings] == [
        ("close_invoice.py", 9),
        ("close_invoice.py", 10),
        ("close_invoice.py", 11),
        ("close_invoice.py", 12),
        ("close_invoice.py", 14),
    ]

    messages = [f.message for f in findings]
    assert messages[0].startswith("OPS106 ctx.session.commit() commits ctx.session in operation billing.close_invoice, ")
    assert "TransactionOwnedError" in messages[0]
    assert messages[1].startswith("OPS106 ctx.session.rollback() rolls back ctx.session ")
    assert "transaction_rolled_back" in messages[1]
    assert messages[2].startswith("OPS106 ctx.session.close() closes ctx.session ")
    assert "commit_failed" in messages[2]
    assert messages[3].startswith("OPS106 ctx.session.begin() begins a transaction on ctx.session ")
    assert "InvalidRequestError" in messages[3]

    for message in messages:
        assert "whose transaction the runtime owns" in message
        assert "`with ctx.session.begin_nested():`" in message
        assert message.endswith("or split the work into operations")
    for finding in findings:
        assert finding.via == ()
        assert finding.fix is None
        assert finding.no_fix_reason


def test_ops106_name_bound_to_session(tmp_path: Path) -> None:
    body = (
        "        session = ctx.session\n"
        "        session.commit()\n"
        "        session = ctx.runtime.session_factory()\n"
        "        session.commit()\n"
    )
    findings = ops106(write_billing(tmp_path, body))
    assert [f.line for f in findings] == [10]
    assert findings[0].message.startswith("OPS106 session.commit() commits ctx.session ")


def test_ops106_helper_given_session(tmp_path: Path) -> None:
    body = (
        "        reserve_number(ctx.session, invoice)\n"
        "        reserve_number(invoice=invoice, session=ctx.session)\n"
        "        session = ctx.session\n"
        "        reserve_through(session, invoice)\n"
    )
    findings = ops106(write_billing(tmp_path, body))
    assert [f.line for f in findings] == [9, 10, 12]
    assert findings[0].message.startswith(
        "OPS106 reserve_number() leads to session.commit() at billing/numbers.py:6, which commits ctx.session "
    )
    assert [(Path(h.path).name, h.line, h.name) for h in findings[0].via] == [("numbers.py", 6, "session.commit")]
    assert [(h.line, h.name) for h in findings[2].via] == [(10, "reserve_number"), (6, "session.commit")]


def test_ops106_helper_given_context(tmp_path: Path) -> None:
    body = (
        "        cancel_with(ctx)\n"
        "        self._close(ctx)\n"
        "\n"
        "    def _close(self, context):\n"
        "        with context.session.begin():\n"
        "            context.session.add(InvoiceNumber(invoice_id=1))\n"
    )
    findings = ops106(write_billing(tmp_path, body))
    assert [f.line for f in findings] == [9, 10]
    assert findings[0].message.startswith("OPS106 cancel_with() leads to context.session.rollback() at billing/numbers.py:14, ")
    assert "which rolls back ctx.session " in findings[0].message
    assert [(h.line, h.name) for h in findings[1].via] == [(13, "context.session.begin")]


def test_ops106_with_session_block(tmp_path: Path) -> None:
    body = (
        "        with ctx.session as session:\n"
        "            session.add(InvoiceNumber(invoice_id=invoice_id))\n"
        "        self._number(ctx.session)\n"
        "        with ctx.session.begin_nested():\n"
        "            invoice.status = 'closed'\n"
        "\n"
        "    def _number(self, session):\n"
        "        with session:\n"
        "            session.add(InvoiceNumber(invoice_id=1))\n"
    )
    findings = ops106(write_billing(tmp_path, body))

    assert [(f.line, f.column) for f in findings] == [(9, 13), (11, 8)]
    assert findings[0].message.startswith("OPS106 `with ctx.session:` closes ctx.session at the end of its block ")
    assert "commit_failed" in findings[0].message
    assert findings[0].via == ()
    assert findings[1].message.startswith(
        "OPS106 self._number() leads to `with session:` at billing/close_invoice.py:16, which closes ctx.session "
    )
    assert [(h.line, h.name) for h in findings[1].via] == [(16, "with session")]


def test_ops106_savepoints_and_reads_ignored(tmp_path: Path) -> None:
    body = (
        "        savepoint = ctx.session.begin_nested()\n"
        "        savepoint.commit()\n"
        "        with ctx.session.begin_nested() as inner:\n"
        "            inner.rollback()\n"
        "        ctx.session.flush()\n"
        "        reserve_in_savepoint(ctx.session, invoice)\n"
        "        count_numbers(ctx.session)\n"
        "        retry(ctx.session, 3)\n"
        "        reserve_number(ctx.runtime.session_factory(), invoice)\n"
    )
    assert ops106(write_billing(tmp_path, body)) == []


def test_ops106_deferred_code_ignored(tmp_path: Path) -> None:
    body = (
        "        ctx.after_commit(reserve_number, ctx.session, invoice)\n"
        "        ctx.after_commit(lambda: ctx.session.commit())\n"
        "\n"
        "        def later():\n"
        "            ctx.session.commit()\n"
        "\n"
        "        ctx.after_commit(later)\n"
    )
    assert ops106(write_billing(tmp_path, body)) == []


def test_ops106_other_context_name(tmp_path: Path) -> None:
    source = OPERATION.replace("def run(self, ctx,", "def run(self, execution,").replace(
        "ctx.session.get", "execution.session.get"
    )
    root = write_billing(tmp_path, "")
    (root / "billing" / "close_invoice.py").write_text(
        source.format(body="        execution.session.commit()\n        reserve_number(execution.session, invoice)\n")
    )
    findings = ops106(root)
    assert [f.line for f in findings] == [9, 10]
    assert "commits execution.session " in findings[0].message
    assert "`with execution.session.begin_nested():`" in findings[0].message


def test_ops106_transaction_options_count(tmp_path: Path) -> None:
    spec = SPEC.replace("transaction: true\n", "transaction:\n  isolation: serializable\n")
    findings = ops106(write_billing(tmp_path, "        ctx.session.commit()\n", spec=spec))
    assert [f.line for f in findings] == [9]
    assert "whose transaction the runtime owns" in findings[0].message


def test_ops106_session_without_transaction(tmp_path: Path) -> None:
    spec = SPEC.replace("transaction: true\n", "")
    body = "        ctx.session.commit()\n        session = ctx.session\n"
    findings = ops106(write_billing(tmp_path, body, spec=spec))
    assert [(f.line, f.column) for f in findings] == [(8, 18)]
    message = findings[0].message
    assert message.startswith("OPS106 ctx.session in operation billing.close_invoice, whose spec declares no transaction: ")
    assert "NoTransactionError" in message
    assert "`transaction: true`" in message
    assert message.endswith("`with ctx.runtime.session_factory() as session:`")


def test_ops106_factory_session_without_transaction(tmp_path: Path) -> None:
    spec = SPEC.replace("transaction: true\n", "transaction: false\n")
    root = write_billing(tmp_path, "", spec=spec)
    (root / "billing" / "close_invoice.py").write_text(
        OPERATION.replace("ctx.session.get", "ctx.runtime.session_factory().get").format(body="        reserve_number(ctx.runtime.session_factory(), invoice)\n")
    )
    assert ops106(root) == []


def test_ops106_json_names_no_fix_reason(tmp_path: Path) -> None:
    root = write_billing(tmp_path, "        reserve_number(ctx.session, invoice)\n")
    completed = subprocess.run(
        [OPSGEN, "lint", "--no-cache", "--select", "OPS106", "--format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    assert [entry["code"] for entry in report] == ["OPS106"]
    assert report[0]["fixable"] is False
    assert "person" in report[0]["not_fixable_reason"]
    assert [hop["call"] for hop in report[0]["via"]] == ["session.commit"]


def test_ops106_flake8_reports_it(tmp_path: Path) -> None:
    root = write_billing(tmp_path, "        ctx.session.rollback()\n")
    completed = subprocess.run(
        [FLAKE8, "--select=OPS106", "."], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == 1, completed.stdout
    assert lines[0].startswith("./billing/close_invoice.py:9:9: OPS106 ctx.session.rollback() rolls back ctx.session ")
