# expect: none
# fixed shape for rs01: each pass mails one tenant and records it on that lease. The
# query selects the leases whose reminder is not stored yet, so a failure midway leaves
# each lease either done or still selected, and the next run finishes the job. A
# transaction around the loop would roll back the dates of mails already sent.
from datetime import timedelta

from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.utils.timezone import now

from estates.models import Lease, Plot


class Command(BaseCommand):
    def handle(self, **options):
        cutoff = now() + timedelta(days=30)
        due = Lease.objects.order_by("ends_on")
        due = due.filter(ends_on__lt=cutoff)
        due = due.exclude(renewal_reminder_at__isnull=False)
        for lease in due:
            lease.renewal_reminder_at = now()
            lease.save(update_fields=["renewal_reminder_at"])
            send_mail("Your lease ends soon", "Renew it online.", "office@example.com", [lease.tenant_email])

        for plot in Plot.objects.filter(survey_state="retry", surveyed_at__lt=cutoff):
            plot.survey_state = "queued"
            plot.retry_note = ""
            plot.save()
