# expect: none
# fixed shape: the decorator names the database that receives the writes
from django.db import transaction

from reports.models import Period, Snapshot


@transaction.atomic(using="reporting")
def close_period(period_id):
    period = Period.objects.using("reporting").get(pk=period_id)
    period.closed = True
    period.save(using="reporting")
    Snapshot.objects.using("reporting").create(period=period, totals=period.totals())
