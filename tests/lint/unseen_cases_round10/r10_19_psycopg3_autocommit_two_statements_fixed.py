# expect: none
# fixed shape for r10_19: conn.transaction() opens one BEGIN ... COMMIT around both
#          statements on the autocommit connection
import psycopg


def move_message(dsn, message_id, target_folder_id):
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("INSERT INTO folder_items (folder_id, message_id) VALUES (%s, %s)", (target_folder_id, message_id))
            conn.execute("DELETE FROM folder_items WHERE message_id = %s AND folder_id <> %s", (message_id, target_folder_id))
