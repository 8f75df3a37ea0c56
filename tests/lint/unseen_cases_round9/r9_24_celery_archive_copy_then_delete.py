# expect: forgotten-transaction
# pattern: a periodic Celery task copies old events into the archive table and deletes
#          them in autocommit mode. A worker killed between the two statements archives
#          the same rows again on the next run
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from audit.models import ArchivedEvent, Event


@shared_task
def archive_old_events(batch_size=5000):
    cutoff = timezone.now() - timedelta(days=90)
    batch = list(Event.objects.filter(created_at__lt=cutoff).order_by("pk")[:batch_size])
    ArchivedEvent.objects.bulk_create(  # expect-line
        [
            ArchivedEvent(original_id=e.pk, kind=e.kind, payload=e.payload, created_at=e.created_at)
            for e in batch
        ]
    )
    Event.objects.filter(pk__in=[e.pk for e in batch]).delete()
    return len(batch)
