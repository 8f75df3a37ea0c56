# expect: none
# fixed shape: the receiver defers the remote delete to the commit of the delete's alias
from functools import partial

import stripe
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.models import Customer


@receiver(pre_delete, sender=Customer)
def delete_remote_customer(sender, instance, using, **kwargs):
    if instance.stripe_id:
        transaction.on_commit(partial(stripe.Customer.delete, instance.stripe_id), using=using)


def purge_workspace(workspace):
    with transaction.atomic():
        Customer.objects.filter(workspace=workspace).delete()
        workspace.delete()
