# expect: none
# fixed shape for sfx07: the publish is registered with on_commit()
import json

import boto3
from django.db import transaction

from payments.models import Refund

sns = boto3.client("sns", region_name="eu-west-1")


class RefundDesk:
    topic_arn = "arn:aws:sns:eu-west-1:000000000000:refunds"

    @transaction.atomic()
    def approve(self, payment, amount):
        refund = Refund.objects.create(payment=payment, amount=amount, state="approved")
        message = json.dumps({"refund": refund.pk})
        transaction.on_commit(lambda: sns.publish(TopicArn=self.topic_arn, Message=message))
        payment.ledger_entries.create(kind="refund", amount=-amount)
        return refund
