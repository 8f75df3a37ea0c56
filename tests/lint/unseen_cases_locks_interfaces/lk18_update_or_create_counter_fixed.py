# expect: none
# fixed shape for lk18: the row is created if missing, then the database adds the units
from django.db import transaction
from django.db.models import F

from metering.models import Usage


def record_usage(account, period, units):
    with transaction.atomic():
        Usage.objects.get_or_create(account=account, period=period, defaults={"units": 0})
        Usage.objects.filter(account=account, period=period).update(units=F("units") + units)
