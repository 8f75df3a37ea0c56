"""The README's main job: generate the example and run its scenario on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]


def run_scenario(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    subprocess.run([sys.executable, "-m", "opsgen.cli.main", "generate", "-q"], cwd=ROOT, check=True)
    database = f"sqlite:///{tmp_path}/example.db"
    env = {**os.environ, "OPSGEN_DATABASE_URL": database, "COLUMNS": "200"}
    completed = subprocess.run(
        [sys.executable, "-m", "examples.billing.scenario", "--accounts", "30"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return completed, database


def test_scenario_runs_and_logs(tmp_path: Path) -> None:
    completed, database = run_scenario(tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]

    engine = sa.create_engine(database)
    with engine.connect() as connection:
        statuses = dict(
            connection.execute(
                sa.text("SELECT operation || ':' || status, count(*) FROM opsgen_executions GROUP BY 1")
            ).all()
        )
        emails = connection.execute(sa.text("SELECT count(*) FROM sent_messages WHERE channel = 'email'")).scalar_one()
        invoices = connection.execute(sa.text("SELECT count(*) FROM invoices")).scalar_one()
        secrets = connection.execute(
            sa.text("SELECT count(*) FROM opsgen_executions WHERE input LIKE '%horse battery%'")
        ).scalar_one()
    engine.dispose()

    assert statuses["accounts.register_user:succeeded"] == 1
    assert statuses["billing.change_plan:succeeded"] == 1
    assert statuses["billing.credit_account:failed"] == 1
    assert statuses["billing.credit_account:succeeded"] == 2
    assert statuses["billing.sync_payment_provider:succeeded"] == 1
    assert statuses["billing.sync_payment_provider:skipped"] == 1
    assert statuses["billing.generate_invoices:succeeded"] == 1
    # the welcome email and two receipts; the failed credit sent nothing
    assert emails == 3
    assert invoices == 30
    assert secrets == 0


def test_scenario_prints_log_tree(tmp_path: Path) -> None:
    completed, _ = run_scenario(tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "call tree" in completed.stdout
    assert "currency_mismatch" in completed.stdout
    assert "horse battery" not in completed.stdout + completed.stderr
