# expect: none
# fixed shape: closing and opening run in one transaction
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from billing.models import Customer, Statement


class Command(BaseCommand):
    help = "Close this month's statements and open next month's."

    @transaction.atomic
    def handle(self, *args, **options):
        today = timezone.now().date()
        Statement.objects.filter(closed_on__isnull=True).update(closed_on=today)
        for customer in Customer.objects.filter(active=True):
            Statement.objects.create(customer=customer, opened_on=today)
