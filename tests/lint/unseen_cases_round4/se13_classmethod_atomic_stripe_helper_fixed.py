# expect: none
# fixed shape: the Stripe call runs first, outside the transaction, and the rows are then
#          written in one atomic() block
import stripe
from django.db import models, transaction


class Subscription(models.Model):
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE)
    plan = models.CharField(max_length=32)
    stripe_id = models.CharField(max_length=64, blank=True)

    @classmethod
    def start(cls, customer, plan):
        stripe_id = cls._create_remote(customer, plan)
        with transaction.atomic():
            return cls.objects.create(customer=customer, plan=plan, stripe_id=stripe_id)

    @classmethod
    def _create_remote(cls, customer, plan):
        remote = stripe.Subscription.create(
            customer=customer.stripe_id,
            items=[{"price": plan}],
        )
        return remote.id
