# expect: side-effect-in-transaction
# pattern: atomic imported under another name and applied with arguments; an RQ job is
#          enqueued from inside, and the worker reads the statement before it is committed
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
    statements.enqueue(render_statement, statement.pk)  # expect-line
    return statement
