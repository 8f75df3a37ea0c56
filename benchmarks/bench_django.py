"""A locked read-modify-write inside a Django view's atomic block, against hand-written ORM code.

Usage: python benchmarks/bench_django.py [--quick] [--cpu] [--request-audit]

Each call runs in ``transaction.atomic()``, as a view does under ``ATOMIC_REQUESTS``,
and adds one to a counter row on PostgreSQL. The baselines, measured in the same run on
the same Django connection:

- the ORM alone: ``select_for_update()`` on the row, add one, ``save()``;
- the same with one row about the call in the execution log, inserted by hand in the
  same transaction (what a team writes when it wants a record of each call).

The operation is the example project's ``notes.count_up``: a declared lock on the
counter's name (a PostgreSQL advisory lock, held until the view's block commits), the
execution log on, the same ORM read and write. The variants alternate in every round;
figures are medians of the per-round means.

``--request-audit`` measures instead what ``OpsgenMiddleware`` adds to a request that
makes one ORM ``update()`` outside any atomic block, on a table with audit triggers:
the request's own write, attributed to its actor, against the same write recorded as
``raw`` (the audit hook not installed), and against the same write on a table without
triggers. Each request goes through the middleware with a request from Django's
``RequestFactory``, without the URL routing and response handling of the test client.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "integrations"))

from bench_common import compare, machine, postgres_database  # noqa: E402


def measure(url: str, calls: int, rounds: int, cpu: bool) -> None:
    os.environ["OPSGEN_TEST_DJANGO_DATABASE"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)

    from django.db import connection, transaction
    from django_project.notesapp.models import Counter
    from django_project.notesapp.operations import ops

    from opsgen.integrations.django import django_runtime
    from opsgen.runtime.context import Context
    from opsgen.runtime.runtime import configure, reset_runtime

    runtime = configure(django_runtime())
    runtime.ensure_schema()
    for name in ("orm", "orm-logged", "opsgen"):
        Counter.objects.get_or_create(name=name)
    context = Context(actor="bench")

    def orm(name: str = "orm") -> None:
        with transaction.atomic():
            counter = Counter.objects.select_for_update().get(name=name)
            counter.value += 1
            counter.save(update_fields=["value"])

    def orm_logged() -> None:
        with transaction.atomic():
            counter = Counter.objects.select_for_update().get(name="orm-logged")
            counter.value += 1
            counter.save(update_fields=["value"])
            now = datetime.now(timezone.utc)
            call_id = str(uuid.uuid4())
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO opsgen_executions (id, operation, operation_version, status, root_id, actor,"
                    " input, output, created_at, started_at, finished_at)"
                    " VALUES (%s, %s, 1, 'succeeded', %s, %s, %s, %s, %s, %s, %s)",
                    [call_id, "notes.count_up", call_id, "bench", '{"name": "orm-logged"}',
                     f'{{"value": {counter.value}}}', now, now, now],
                )

    def operation() -> None:
        with transaction.atomic():
            ops.notes.count_up(context, name="opsgen").unwrap()

    times = compare(
        {"orm": orm, "orm_logged": orm_logged, "operation": operation},
        calls=calls,
        rounds=rounds,
        clock=time.process_time if cpu else time.perf_counter,
    )
    # Every variant ran as many calls, so the three counters agree unless a call failed.
    values = dict(Counter.objects.values_list("name", "value"))
    assert values["opsgen"] == values["orm"] == values["orm-logged"] > 0, values

    print("\nPostgreSQL, in a view's atomic block (median of per-call means)")
    print(f"  ORM: select_for_update, add one, save         {times['orm']:9.1f} us")
    print(f"  ORM and a log row inserted by hand            {times['orm_logged']:9.1f} us")
    print(f"  operation: lock, log, the same ORM code       {times['operation']:9.1f} us"
          f"   ratio {times['operation'] / times['orm']:5.2f} to the ORM alone,"
          f" {times['operation'] / times['orm_logged']:5.2f} to the ORM with a log row")
    reset_runtime()
    connection.close()


def measure_request_audit(url: str, calls: int, rounds: int, cpu: bool) -> None:
    os.environ["OPSGEN_TEST_DJANGO_DATABASE"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_project.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)

    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import F
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django_project.notesapp.models import Counter, Note

    from opsgen.audit import AuditConfig, AuditedEntity, install
    from opsgen.audit.hook import audit_hook
    from opsgen.integrations.django import OpsgenMiddleware, django_runtime
    from opsgen.runtime.runtime import configure, reset_runtime

    runtime = configure(django_runtime())
    runtime.ensure_schema()
    install(runtime, AuditConfig.of(AuditedEntity(name="counter", table="notesapp_counter")), install_triggers=True)
    counter, _ = Counter.objects.get_or_create(name="request-audit")
    note = Note.objects.create(text="not audited")
    user, _ = User.objects.get_or_create(username="bench")
    request = RequestFactory().post("/", headers={"X-Request-ID": "bench"})
    request.user = user

    def update_counter(_request: object) -> HttpResponse:
        Counter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
        return HttpResponse()

    def update_note(_request: object) -> HttpResponse:
        Note.objects.filter(pk=note.pk).update(actor="bench")
        return HttpResponse()

    audited = OpsgenMiddleware(update_counter)
    unaudited = OpsgenMiddleware(update_note)

    def raw_write() -> None:
        runtime.on_transaction_begin.remove(audit_hook)
        try:
            audited(request)
        finally:
            runtime.on_transaction_begin.append(audit_hook)

    times = compare(
        {"untriggered": lambda: unaudited(request), "raw": raw_write, "attributed": lambda: audited(request)},
        calls=calls,
        rounds=rounds,
        clock=time.process_time if cpu else time.perf_counter,
    )
    print("\nPostgreSQL, a request with one ORM update() outside any atomic block (median of per-request means)")
    print(f"  table without audit triggers                    {times['untriggered']:9.1f} us")
    print(f"  audited table, write recorded as raw            {times['raw']:9.1f} us")
    print(f"  audited table, write attributed to the request  {times['attributed']:9.1f} us"
          f"   ratio {times['attributed'] / times['raw']:5.2f} to the raw write,"
          f" {times['attributed'] / times['untriggered']:5.2f} to the table without triggers")
    reset_runtime()
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds")
    parser.add_argument("--cpu", action="store_true", help="count this process's CPU time instead of wall time")
    parser.add_argument("--request-audit", action="store_true",
                        help="measure the attribution of a request's autocommit write instead")
    args = parser.parse_args()
    calls, rounds = (30, 5) if args.quick else (100, 15)
    logging.getLogger().setLevel(logging.WARNING)
    print(f"machine: {machine()}; clock: {'process CPU time' if args.cpu else 'wall time'}")
    with postgres_database() as url:
        if url is None:
            sys.exit("PostgreSQL is not reachable on 127.0.0.1:5432; see the README's services section")
        (measure_request_audit if args.request_audit else measure)(url, calls, rounds, args.cpu)


if __name__ == "__main__":
    main()
