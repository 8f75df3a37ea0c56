# expect: forgotten-transaction
# pattern: a management command inserts the month's invoices and then marks the
#          subscriptions billed; a crash between them bills everyone twice on rerun
from django.core.management.base import BaseCommand

from billing.models import Invoice, Subscription


class Command(BaseCommand):
    help = "Create this month's invoices"

    def handle(self, *args, **options):
        due = list(Subscription.objects.filter(billed=False))
        Invoice.objects.bulk_create(  # expect-line
            [Invoice(subscription=s, amount=s.plan.price) for s in due]
        )
        Subscription.objects.filter(pk__in=[s.pk for s in due]).update(billed=True)
        self.stdout.write(f"billed {len(due)} subscriptions")
