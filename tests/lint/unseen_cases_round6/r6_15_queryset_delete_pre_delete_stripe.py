# expect: side-effect-in-transaction
# pattern: QuerySet.delete() fires pre_delete for every row; the receiver deletes the
#          Stripe customer although the surrounding block may still roll back
import stripe
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import Customer


@receiver(pre_delete, sender=Customer)
def delete_remote_customer(sender, instance, **kwargs):
    if instance.stripe_id:
        stripe.Customer.delete(instance.stripe_id)  # expect-line


def purge_workspace(workspace):
    with transaction.atomic():
        Customer.objects.filter(workspace=workspace).delete()  # via-indirection
        workspace.delete()
