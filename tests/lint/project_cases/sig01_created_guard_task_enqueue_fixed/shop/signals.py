from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.models import Order
from shop.tasks import sync_order_to_erp


@receiver(post_save, sender=Order)
def push_order_to_erp(sender, instance, created, **kwargs):
    if created:
        transaction.on_commit(partial(sync_order_to_erp.delay, instance.pk))
