# expect: missing-lock
# pattern: a download counter read with a raw SELECT and written back with the value
#          computed in Python; concurrent downloads overwrite each other's count
from django.db import connection


def count_download(file_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT downloads FROM files_file WHERE id = %s", [file_id])  # expect-line
        (downloads,) = cursor.fetchone()
        cursor.execute(
            "UPDATE files_file SET downloads = %s WHERE id = %s",
            [downloads + 1, file_id],
        )
    return downloads + 1
