# expect: forgotten-transaction
# Every lease of a building gets its rent frozen, one save() per lease. The query does
# not select the leases by the field the loop changes, so a failure midway leaves part
# of the building frozen and the rest not, with nothing to pick the job up again.
from django.core.management.base import BaseCommand

from estates.models import Lease


class Command(BaseCommand):
    def handle(self, building_id, **options):
        for lease in Lease.objects.filter(building_id=building_id):
            lease.rent_frozen = True
            lease.save()  # expect-line
