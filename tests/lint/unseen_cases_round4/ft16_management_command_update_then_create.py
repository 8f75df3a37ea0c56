# expect: forgotten-transaction
# pattern: a monthly job closes the open statements with update() and creates the next
#          ones row by row, all in autocommit mode; a crash halfway leaves customers with
#          no open statement
from django.core.management.base import BaseCommand
from django.utils import timezone

from billing.models import Customer, Statement


class Command(BaseCommand):
    help = "Close this month's statements and open next month's."

    def handle(self, *args, **options):
        today = timezone.now().date()
        Statement.objects.filter(closed_on__isnull=True).update(closed_on=today)  # expect-line
        for customer in Customer.objects.filter(active=True):
            Statement.objects.create(customer=customer, opened_on=today)
