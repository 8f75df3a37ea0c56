# expect: side-effect-in-transaction
# pattern: a digest job writes its "sent" marks in the reporting database's transaction
#          and hands the whole batch to send_mass_mail() before that transaction commits
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
        send_mass_mail(batch, fail_silently=False)  # expect-line
    return len(batch)
