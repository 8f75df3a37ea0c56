# expect: missing-lock
# pattern: a usage meter reads the current total, adds the new usage and writes it back
#          with update_or_create(); concurrent reports from two workers lose usage
from metering.models import Usage


def record_usage(account, period, units):
    try:
        current = Usage.objects.get(account=account, period=period).units  # expect-line
    except Usage.DoesNotExist:
        current = 0
    Usage.objects.update_or_create(
        account=account, period=period, defaults={"units": current + units}
    )
