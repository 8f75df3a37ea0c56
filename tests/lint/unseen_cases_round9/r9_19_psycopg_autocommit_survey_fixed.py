# expect: none
# fixed shape for r9_19: conn.transaction() groups the statements into one transaction
# on the autocommit connection
import psycopg


def store_response(dsn: str, survey_id: int, respondent: str, answers: dict[int, str]) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "INSERT INTO survey_responses (survey_id, respondent) VALUES (%s, %s) RETURNING id",
                (survey_id, respondent),
            )
            response_id = cur.fetchone()[0]
            cur.executemany(
                "INSERT INTO answers (response_id, question_id, value) VALUES (%s, %s, %s)",
                [(response_id, question_id, value) for question_id, value in answers.items()],
            )
    return response_id
