# expect: none
# fixed shape for lk11: a PostgreSQL advisory lock per project serialises the numbering
# until the transaction ends
from django.db import connection, transaction

from tracker.models import Ticket


@transaction.atomic
def file_ticket(project, title, reporter):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [project.pk])
    number = Ticket.objects.filter(project=project).count() + 1
    return Ticket.objects.create(project=project, number=number, title=title, reporter=reporter)
