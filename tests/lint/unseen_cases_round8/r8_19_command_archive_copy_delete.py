# expect: forgotten-transaction
# pattern: a management command copies old audit events into the archive table and
#          deletes them, batch by batch, in autocommit mode; when the job is killed
#          between the two writes, the next run archives the same batch a second time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.models import ArchivedAuditEvent, AuditEvent

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = "Move audit events older than --days into the archive table."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days, **options):
        cutoff = timezone.now() - timedelta(days=days)
        moved = 0
        while True:
            batch = list(AuditEvent.objects.filter(created_at__lt=cutoff).order_by("pk")[:BATCH_SIZE])
            if not batch:
                break
            ArchivedAuditEvent.objects.bulk_create(  # expect-line
                [
                    ArchivedAuditEvent(original_id=event.pk, actor_id=event.actor_id, payload=event.payload, created_at=event.created_at)
                    for event in batch
                ]
            )
            AuditEvent.objects.filter(pk__in=[event.pk for event in batch]).delete()
            moved += len(batch)
        self.stdout.write(f"archived {moved} events")
