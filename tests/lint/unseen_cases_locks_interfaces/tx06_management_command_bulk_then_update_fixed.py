# expect: none
# fixed shape for tx06: the invoices and the billed flags commit together
from django.core.management.base import BaseCommand
from django.db import transaction

from billing.models import Invoice, Subscription


class Command(BaseCommand):
    help = "Create this month's invoices"

    @transaction.atomic
    def handle(self, *args, **options):
        due = list(Subscription.objects.select_for_update().filter(billed=False))
        Invoice.objects.bulk_create(
            [Invoice(subscription=s, amount=s.plan.price) for s in due]
        )
        Subscription.objects.filter(pk__in=[s.pk for s in due]).update(billed=True)
        self.stdout.write(f"billed {len(due)} subscriptions")
