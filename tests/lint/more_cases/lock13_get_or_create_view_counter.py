# expect: missing-lock
# pattern: a daily page counter fetched or created with get_or_create(), then
#          incremented in Python; two requests read the same count and one view is lost
from django.utils import timezone

from stats.models import DailyCount


def count_view(page):
    row, _ = DailyCount.objects.get_or_create(page=page, day=timezone.localdate())
    row.views = row.views + 1  # expect-line
    row.save(update_fields=["views"])
    return row.views
