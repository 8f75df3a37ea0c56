# expect: forgotten-transaction
# pattern: closing a reporting period is decorated with @transaction.atomic, which opens its
#          transaction on "default", while both writes go to the "reporting" database. The
#          closed period and its snapshot commit one by one, so a failing snapshot insert
#          leaves a closed period that no report can show.
from django.db import transaction

from reports.models import Period, Snapshot


@transaction.atomic
def close_period(period_id):
    period = Period.objects.using("reporting").get(pk=period_id)
    period.closed = True
    period.save(using="reporting")  # expect-line
    Snapshot.objects.using("reporting").create(period=period, totals=period.totals())
