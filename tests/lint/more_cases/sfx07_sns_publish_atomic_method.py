# expect: side-effect-in-transaction
# pattern: @transaction.atomic() with parentheses on a method; the SNS topic hears about
#          the refund before the refund row is committed
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
        sns.publish(TopicArn=self.topic_arn, Message=json.dumps({"refund": refund.pk}))  # expect-line
        payment.ledger_entries.create(kind="refund", amount=-amount)
        return refund
