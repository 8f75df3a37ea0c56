# expect: none
# fixed shape for rs04: the module's public functions are receivers, which Django calls
# for a signal (by decorator or by connect()), so no caller mixes calling conventions.
from django.db.models.signals import post_save
from django.dispatch import receiver

from payouts.models import Payout
from payouts.signals import nightly


def _settle(day):
    for payout in Payout.objects.filter(day=day, settled=False):
        payout.settle()


@receiver(signal=nightly)
def settle_yesterday(sender, **kwargs):
    _settle(kwargs["day"])


def audit_payout(sender, instance, created, **kwargs):
    if created:
        instance.audit_trail.create(action="created")


post_save.connect(audit_payout, sender=Payout)
