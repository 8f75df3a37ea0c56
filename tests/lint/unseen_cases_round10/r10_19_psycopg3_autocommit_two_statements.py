# expect: forgotten-transaction
# pattern: a psycopg 3 connection opened with autocommit=True runs the two halves of a
#          move as separate statements. A crash between them leaves the message in both
#          folders.
import psycopg


def move_message(dsn, message_id, target_folder_id):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO folder_items (folder_id, message_id) VALUES (%s, %s)", (target_folder_id, message_id))  # expect-line
        conn.execute("DELETE FROM folder_items WHERE message_id = %s AND folder_id <> %s", (message_id, target_folder_id))
