# expect: none
# fixed shape for textsql03: SELECT ... FOR UPDATE holds the row until the commit
from django.db import connection, transaction


def award_points(user_id: int, earned: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT points FROM loyalty_account WHERE user_id = %s FOR UPDATE", [user_id])
        row = cursor.fetchone()
        points = row[0]
        total = points + earned
        cursor.execute("UPDATE loyalty_account SET points = %s WHERE user_id = %s", [total, user_id])
    return total
