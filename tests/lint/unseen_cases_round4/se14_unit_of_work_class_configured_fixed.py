# expect: none
# fixed shape: the message is sent after the unit of work has committed
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
    sqs.send_message(QueueUrl=queue_url, MessageBody=str(payout.pk))
    return payout
