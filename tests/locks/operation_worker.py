"""Operations with locks and singletons, run in a worker process by the lock tests.

``python operation_worker.py COMMAND DATABASE_URL LOCK_URL ...`` builds a runtime on
the database (``LOCK_URL`` ``default`` means the runtime's own choice) and then:

- ``increment ACCOUNT COUNT LOCKED GO_FILE``: waits for ``GO_FILE``, then calls
  ``accounts.increment`` ``COUNT`` times, with its lock when ``LOCKED`` is ``1``;
- ``singleton KEY POLICY HOLD GO_FILE``: creates ``GO_FILE.ready.PID``, waits for
  ``GO_FILE``, then calls ``reports.nightly``, which runs for ``HOLD`` seconds;
- ``hold ACCOUNT SECONDS``: calls ``accounts.hold``, which prints its execution id
  and sleeps ``SECONDS`` under the lock, so the test can kill it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Table, select, update

from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import (
    LockDeclaration,
    OperationDeclaration,
    SingletonDeclaration,
    TransactionDeclaration,
)
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime

#: Pause between reading and writing the balance: the window in which updates get lost.
RACE_WINDOW = 0.003

app_metadata = MetaData()
balances = Table(
    "lock_test_balances",
    app_metadata,
    Column("account_id", Integer, primary_key=True),
    Column("amount", Integer, nullable=False),
)


class AccountInput(BaseModel):
    account_id: int
    seconds: float = 0.0


class AccountOutput(BaseModel):
    amount: int


class ReportInput(BaseModel):
    seconds: float


class ReportOutput(BaseModel):
    pid: int


class Increment(Operation[AccountInput, AccountOutput]):
    def run(self, ctx: ExecutionContext, **inputs: Any) -> AccountOutput:  # type: ignore[override]
        session = ctx.session
        account = balances.c.account_id == inputs["account_id"]
        if session.get_bind().dialect.name == "sqlite":
            # Take SQLite's write lock before reading. A transaction that reads first
            # fails with "database is locked" at its first write whenever another
            # process wrote to the file since the read (SQLITE_BUSY_SNAPSHOT in WAL).
            session.execute(update(balances).where(account).values(amount=balances.c.amount))
        amount = session.execute(select(balances.c.amount).where(account)).scalar_one()
        time.sleep(RACE_WINDOW)
        session.execute(update(balances).where(account).values(amount=amount + 1))
        return AccountOutput(amount=amount + 1)


class Hold(Operation[AccountInput, AccountOutput]):
    def run(self, ctx: ExecutionContext, **inputs: Any) -> AccountOutput:  # type: ignore[override]
        print("holding", ctx.execution_id, flush=True)
        time.sleep(inputs["seconds"])
        return AccountOutput(amount=0)


class Nightly(Operation[ReportInput, ReportOutput]):
    def run(self, ctx: ExecutionContext, **inputs: Any) -> ReportOutput:  # type: ignore[override]
        time.sleep(inputs["seconds"])
        return ReportOutput(pid=os.getpid())


def increment_handle(locked: bool) -> OperationHandle[AccountInput, AccountOutput]:
    locks = (LockDeclaration("account:{account_id}", timeout=60, lease=10),) if locked else ()
    declaration = OperationDeclaration(
        "accounts.increment", 1, "", AccountInput, AccountOutput, transaction=TransactionDeclaration(), locks=locks
    )
    Increment.declaration = declaration
    return OperationHandle(declaration, Increment)


def hold_handle(lease: float) -> OperationHandle[AccountInput, AccountOutput]:
    declaration = OperationDeclaration(
        "accounts.hold", 1, "", AccountInput, AccountOutput,
        locks=(LockDeclaration("account:{account_id}", timeout=10, lease=lease),),
    )
    Hold.declaration = declaration
    return OperationHandle(declaration, Hold)


def nightly_handle(key: str, policy: str) -> OperationHandle[ReportInput, ReportOutput]:
    declaration = OperationDeclaration(
        "reports.nightly", 1, "", ReportInput, ReportOutput,
        singleton=SingletonDeclaration(key, on_conflict=policy, timeout=1.0, lease=10.0),  # type: ignore[arg-type]
    )
    Nightly.declaration = declaration
    return OperationHandle(declaration, Nightly)


def build_runtime(database_url: str, lock_url: str) -> Runtime:
    settings = Settings(root=Path.cwd(), database_url=database_url, lock_url=None if lock_url == "default" else lock_url)
    return Runtime(settings, migrate=False)


def wait_for(go_file: str) -> None:
    while not os.path.exists(go_file):
        time.sleep(0.001)


def main(argv: list[str]) -> None:
    command, database_url, lock_url, *args = argv
    runtime = build_runtime(database_url, lock_url)

    if command == "increment":
        account_id, count, locked, go_file = int(args[0]), int(args[1]), args[2] == "1", args[3]
        handle = increment_handle(locked).bind(runtime)
        wait_for(go_file)
        for _ in range(count):
            result = handle(Context(actor="worker"), account_id=account_id)
            if not result.ok:
                print("failed", result, file=sys.stderr, flush=True)
    elif command == "singleton":
        key, policy, hold_for, go_file = args[0], args[1], float(args[2]), args[3]
        handle_nightly = nightly_handle(key, policy).bind(runtime)
        runtime.get_lock_backend().holder(key)
        Path(f"{go_file}.ready.{os.getpid()}").touch()
        wait_for(go_file)
        handle_nightly(Context(actor="worker"), seconds=hold_for)
    elif command == "hold":
        account_id, seconds, lease = int(args[0]), float(args[1]), float(args[2])
        hold_handle(lease).bind(runtime)(Context(actor="worker"), account_id=account_id, seconds=seconds)
    else:
        raise SystemExit(f"unknown command {command!r}: expected increment, singleton or hold")
    runtime.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
