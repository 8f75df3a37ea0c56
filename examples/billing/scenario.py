"""Run the example billing scenario on the configured database and print the log.

Usage: python -m examples.billing.scenario [--accounts N]

One request registers a user, opens accounts, credits one and downgrades its plan. The
downgrade credits a prorated refund through a nested operation. Then a credit in the
wrong currency fails with a declared error, the nightly sync starts twice at once so the
second start is skipped, and every new account is invoiced with progress. Last, the
script prints the execution log as ``opsgen ops list`` and ``opsgen ops show`` do.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import uuid
from datetime import date
from decimal import Decimal

from opsgen.cli.main import main as opsgen_main
from opsgen.runtime.context import Context
from opsgen.runtime.log_context import ContextFilter

from examples.billing.app import build
from examples.billing.generated.registry import ops
from examples.billing.models import PLAN_PRICES, Account, BillingPlan


class ExecutionFormatter(logging.Formatter):
    """Show the execution id and actor on records logged inside an operation."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()}"
        execution_id = getattr(record, "execution_id", None)
        if execution_id:
            line += f"  [execution {execution_id[:8]}, actor {getattr(record, 'actor', None)}]"
        return line


def open_accounts(runtime_session_factory: object, count: int) -> list[uuid.UUID]:
    """Insert ``count`` accounts on the team plan and return their ids."""
    from sqlalchemy.orm import sessionmaker

    assert isinstance(runtime_session_factory, sessionmaker)
    ids = [uuid.uuid4() for _ in range(count)]
    with runtime_session_factory.begin() as session:
        for index, account_id in enumerate(ids):
            session.add(Account(id=account_id, owner_email=f"owner{index}@example.com", currency="EUR"))
        session.flush()
        for account_id in ids:
            session.add(BillingPlan(account_id=account_id, plan="team", monthly_price=PLAN_PRICES["team"]))
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=200, help="number of accounts to invoice (default 200)")
    args = parser.parse_args(argv)

    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(ExecutionFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)

    runtime = build()
    accounts = open_accounts(runtime.session_factory, args.accounts)
    ctx = Context(actor="alice@example.com", organization="acme", request_id=f"req-{uuid.uuid4().hex[:8]}")

    print("\n== register a user (password is sensitive: it never reaches the log)")
    registered = ops.accounts.register_user(
        ctx,
        email=f"bob+{uuid.uuid4().hex[:6]}@example.com",
        password="correct horse battery staple",
        display_name="Bob",
        mailing_lists=["product-news", "billing-updates", "status"],
    )
    print(f"   {registered}")

    print("\n== credit an account; the receipt email goes out after the commit")
    credited = ops.billing.credit_account(ctx, account_id=accounts[0], amount=Decimal("25.00"), currency="EUR")
    print(f"   {credited}")

    print("\n== downgrade a plan; the prorated refund is a nested credit in the same transaction")
    changed = ops.billing.change_plan(ctx, account_id=accounts[0], plan="free", prorate=True)
    print(f"   {changed}")

    print("\n== credit in the wrong currency: a declared failure, nothing written, no email")
    failed = ops.billing.credit_account(ctx, account_id=accounts[1], amount=Decimal("5.00"), currency="USD")
    print(f"   {failed}")

    print("\n== start the nightly sync twice at once: one runs, the other is skipped")
    starts = threading.Barrier(2)
    results: list[object] = []

    def start_sync() -> None:
        starts.wait()
        results.append(ops.billing.sync_payment_provider(ctx))

    threads = [threading.Thread(target=start_sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        print(f"   {result}")

    print(f"\n== invoice {len(accounts)} accounts, with progress")
    invoiced = ops.billing.generate_invoices(
        ctx, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30), account_ids=accounts
    )
    print(f"   invoices created: {invoiced.unwrap().invoices_created}")

    # rich falls back to 80 columns when output is not a terminal; the tables need more.
    os.environ.setdefault("COLUMNS", "160")
    print("\n== the execution log of this run: opsgen ops list")
    opsgen_main(["ops", "list", "--limit", "12"])
    print("\n== the plan change as a tree, with its effects and audited changes: opsgen ops show")
    # The pipeline sets every result's execution id; only a hand-built failure lacks one.
    assert changed.execution_id is not None and failed.execution_id is not None
    opsgen_main(["ops", "show", changed.execution_id])
    print("\n== the failed call: opsgen ops show")
    opsgen_main(["ops", "show", failed.execution_id])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
