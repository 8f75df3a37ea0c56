# expect: none
# fixed shape for lk07: one UPDATE adds one in the database and returns the new count
from django.db import connection


def count_download(file_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE files_file SET downloads = downloads + 1 WHERE id = %s RETURNING downloads",
            [file_id],
        )
        (downloads,) = cursor.fetchone()
    return downloads
