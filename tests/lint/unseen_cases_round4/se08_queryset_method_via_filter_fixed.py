# expect: none
# fixed shape: each mail is deferred with on_commit, binding the address as a lambda
#          default so every callback keeps its own recipient
from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone


class ShipmentQuerySet(models.QuerySet):
    def mark_dispatched(self, carrier):
        for shipment in self.select_related("order__customer"):
            shipment.carrier = carrier
            shipment.dispatched_at = timezone.now()
            shipment.save(update_fields=["carrier", "dispatched_at"])
            transaction.on_commit(
                lambda email=shipment.order.customer.email: send_mail(
                    "Your order is on its way",
                    f"Carrier: {carrier}",
                    settings.DEFAULT_FROM_EMAIL,
                    [email],
                )
            )


class Shipment(models.Model):
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE)
    ready = models.BooleanField(default=False)
    carrier = models.CharField(max_length=32, blank=True)
    dispatched_at = models.DateTimeField(null=True)

    objects = ShipmentQuerySet.as_manager()


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("carrier")

    def handle(self, *args, carrier, **options):
        with transaction.atomic():
            Shipment.objects.filter(ready=True, dispatched_at__isnull=True).mark_dispatched(carrier)
