# expect: forgotten-transaction
# pattern: a psycopg 3 connection is opened with autocommit=True, so every INSERT commits
#          on its own, and a bad answer leaves a response with only part of its answers
import psycopg


def store_response(dsn: str, survey_id: int, respondent: str, answers: dict[int, str]) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.execute(  # expect-line
                "INSERT INTO survey_responses (survey_id, respondent) VALUES (%s, %s) RETURNING id",
                (survey_id, respondent),
            )
            response_id = cur.fetchone()[0]
            cur.executemany(
                "INSERT INTO answers (response_id, question_id, value) VALUES (%s, %s, %s)",
                [(response_id, question_id, value) for question_id, value in answers.items()],
            )
    return response_id
