# expect: forgotten-transaction
import psycopg2


def archive_project(dsn: str, project_id: int) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        cur = conn.cursor()
        cur.execute(  # expect-line
            "INSERT INTO archived_projects SELECT * FROM projects WHERE id = %s",
            (project_id,),
        )
        cur.execute("DELETE FROM projects WHERE id = %s", (project_id,))
    finally:
        conn.close()
