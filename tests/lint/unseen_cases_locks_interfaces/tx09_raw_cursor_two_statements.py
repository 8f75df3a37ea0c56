# expect: forgotten-transaction
# pattern: a raw-SQL archive job copies rows and then deletes them in autocommit mode;
#          a failing DELETE leaves the rows in both tables
from django.db import connection


def archive_old_events(before):
    with connection.cursor() as cursor:
        cursor.execute(  # expect-line
            "INSERT INTO events_archive SELECT * FROM events WHERE created < %s", [before]
        )
        cursor.execute("DELETE FROM events WHERE created < %s", [before])
