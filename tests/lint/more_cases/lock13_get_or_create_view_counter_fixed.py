# expect: none
# fixed shape for lock13: the row is created once, then the database adds the view
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from stats.models import DailyCount


def count_view(page):
    day = timezone.localdate()
    with transaction.atomic():
        DailyCount.objects.get_or_create(page=page, day=day)
        DailyCount.objects.filter(page=page, day=day).update(views=F("views") + 1)
