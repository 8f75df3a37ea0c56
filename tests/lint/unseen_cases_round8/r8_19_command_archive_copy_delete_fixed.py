# expect: none
# fixed shape for r8_19: each batch is copied and deleted in one transaction
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
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
            with transaction.atomic():
                batch = list(
                    AuditEvent.objects.select_for_update(skip_locked=True)
                    .filter(created_at__lt=cutoff)
                    .order_by("pk")[:BATCH_SIZE]
                )
                if not batch:
                    break
                ArchivedAuditEvent.objects.bulk_create(
                    [
                        ArchivedAuditEvent(original_id=event.pk, actor_id=event.actor_id, payload=event.payload, created_at=event.created_at)
                        for event in batch
                    ]
                )
                AuditEvent.objects.filter(pk__in=[event.pk for event in batch]).delete()
            moved += len(batch)
        self.stdout.write(f"archived {moved} events")
