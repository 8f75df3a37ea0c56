# expect: forgotten-transaction
# Every lease of the building the function is given gets its rent frozen, one save()
# per lease. Those leases change together, so a failure midway leaves part of the
# building frozen and the rest not.
from django.core.management.base import BaseCommand

from estates.models import Lease


class Command(BaseCommand):
    def handle(self, building_id, **options):
        for lease in Lease.objects.filter(building_id=building_id):
            lease.rent_frozen = True
            lease.save()  # expect-line
