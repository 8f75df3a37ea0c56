# expect: side-effect-in-transaction
# pattern: an @transaction.atomic classmethod of a model creates the subscription and
#          calls another classmethod that creates it at Stripe; a failing insert after
#          the call leaves a paying Stripe customer with no subscription row
import stripe
from django.db import models, transaction


class Subscription(models.Model):
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE)
    plan = models.CharField(max_length=32)
    stripe_id = models.CharField(max_length=64, blank=True)

    @classmethod
    @transaction.atomic
    def start(cls, customer, plan):
        subscription = cls.objects.create(customer=customer, plan=plan)
        subscription.stripe_id = cls._create_remote(customer, plan)  # via-indirection
        subscription.save(update_fields=["stripe_id"])
        return subscription

    @classmethod
    def _create_remote(cls, customer, plan):
        remote = stripe.Subscription.create(  # expect-line
            customer=customer.stripe_id,
            items=[{"price": plan}],
        )
        return remote.id
