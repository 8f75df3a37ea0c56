# expect: none
from functools import partial

import requests
from django.db import models, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from app.tasks import sync_crm


class Customer(models.Model):
    email = models.EmailField()

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        transaction.on_commit(self.push_to_crm)

    def push_to_crm(self):
        requests.put(f"https://crm.example.invalid/{self.pk}", json={"email": self.email}, timeout=5)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)


def notify_order(order):
    sync_crm.apply_async_on_commit((order.pk,))


@receiver(post_save, sender=Order)
def order_saved(sender, instance, created, **kwargs):
    if created:
        notify_order(instance)
