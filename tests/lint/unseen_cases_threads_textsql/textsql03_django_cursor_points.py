# expect: missing-lock
# pattern: a Django view reads loyalty points with cursor.execute, adds the earned points
#          in Python and writes the sum back with a second cursor.execute
from django.db import connection, transaction


def award_points(user_id: int, earned: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT points FROM loyalty_account WHERE user_id = %s", [user_id])  # expect-line
        row = cursor.fetchone()
        points = row[0]
        total = points + earned
        cursor.execute("UPDATE loyalty_account SET points = %s WHERE user_id = %s", [total, user_id])
    return total
