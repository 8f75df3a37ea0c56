# expect: none
# fixed shape for tx09: the copy and the delete are one transaction
from django.db import connection, transaction


def archive_old_events(before):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO events_archive SELECT * FROM events WHERE created < %s", [before]
        )
        cursor.execute("DELETE FROM events WHERE created < %s", [before])
