# expect: none
# fixed shape for sfx06: the batch goes out once the reporting transaction has committed
from functools import partial

from django.core.mail import send_mass_mail
from django.db import transaction

from digest.models import Digest


def send_weekly_digests(week):
    batch = []
    with transaction.atomic(using="reporting"):
        for digest in Digest.objects.using("reporting").filter(week=week, sent=False):
            batch.append((digest.subject, digest.body, None, [digest.email]))
            digest.sent = True
            digest.save(using="reporting", update_fields=["sent"])
        transaction.on_commit(partial(send_mass_mail, batch, fail_silently=False), using="reporting")
    return len(batch)
