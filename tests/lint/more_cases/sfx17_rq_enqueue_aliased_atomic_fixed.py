# expect: none
# fixed shape for sfx17: the job is enqueued from on_commit on the same database
from django.db import transaction
from django.db.transaction import atomic as ledger_transaction
from redis import Redis
from rq import Queue

from ledger.jobs import render_statement
from ledger.models import Statement

statements = Queue("statements", connection=Redis(host="127.0.0.1"))


@ledger_transaction(using="ledger")
def close_period(account, period):
    statement = Statement.objects.using("ledger").create(account=account, period=period)
    account.entries.filter(period=period).update(statement=statement)
    statement_id = statement.pk
    transaction.on_commit(lambda: statements.enqueue(render_statement, statement_id), using="ledger")
    return statement
