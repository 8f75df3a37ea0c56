# expect: none
# fixed shape for r9_24: copy and delete commit together, and SKIP LOCKED keeps two
# overlapping runs from archiving the same rows
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from audit.models import ArchivedEvent, Event


@shared_task
def archive_old_events(batch_size=5000):
    cutoff = timezone.now() - timedelta(days=90)
    with transaction.atomic():
        batch = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(created_at__lt=cutoff)
            .order_by("pk")[:batch_size]
        )
        ArchivedEvent.objects.bulk_create(
            [
                ArchivedEvent(original_id=e.pk, kind=e.kind, payload=e.payload, created_at=e.created_at)
                for e in batch
            ]
        )
        Event.objects.filter(pk__in=[e.pk for e in batch]).delete()
    return len(batch)
