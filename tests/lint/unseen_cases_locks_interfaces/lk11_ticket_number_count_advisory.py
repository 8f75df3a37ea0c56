# expect: missing-lock
# pattern: an issue tracker numbers a project's tickets with count() + 1; two tickets
#          filed at once get the same number
from django.db import transaction

from tracker.models import Ticket


@transaction.atomic
def file_ticket(project, title, reporter):
    number = Ticket.objects.filter(project=project).count() + 1  # expect-line
    return Ticket.objects.create(project=project, number=number, title=title, reporter=reporter)
