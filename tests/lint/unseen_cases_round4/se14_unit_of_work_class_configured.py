# expect: side-effect-in-transaction
# pattern: the project's UnitOfWork class enters atomic() in __enter__; code inside
#          `with UnitOfWork():` runs in a transaction, and the SQS message it sends can be
#          consumed before the commit
# configuration: the class is a transaction opener named in pyproject.toml
# lint-config: transaction-openers = ["se14_unit_of_work_class_configured.UnitOfWork"]
import boto3
from django.db import transaction

from payouts.models import Payout

sqs = boto3.client("sqs")


class UnitOfWork:
    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._atomic.__exit__(*exc_info)


def request_payout(account, amount, queue_url):
    with UnitOfWork():
        payout = Payout.objects.create(account=account, amount=amount)
        sqs.send_message(QueueUrl=queue_url, MessageBody=str(payout.pk))  # expect-line
    return payout
