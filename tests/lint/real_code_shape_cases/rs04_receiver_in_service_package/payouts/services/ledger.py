# expect: non-uniform-interface
# lint-config: service-packages = ["payouts.services"]
# settle_day() is a service written as a module-level function, which callers run in a
# way of their own. The receiver beside it is no service: Django calls it for the
# signal, and nothing in the project calls it by name.
from django.dispatch import receiver

from payouts.models import Payout
from payouts.signals import nightly


def settle_day(day):  # expect-line
    for payout in Payout.objects.filter(day=day, settled=False):
        payout.settle()


@receiver(nightly)
def archive_settled(sender, **kwargs):
    Payout.objects.filter(settled=True, day__lt=kwargs["day"]).update(archived=True)
