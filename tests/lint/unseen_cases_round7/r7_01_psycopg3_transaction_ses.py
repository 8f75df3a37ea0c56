# expect: side-effect-in-transaction
import boto3
import psycopg

ses = boto3.client("ses", region_name="eu-west-1")


def register_member(dsn: str, email: str, name: str) -> int:
    with psycopg.connect(dsn) as conn:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO members (email, name) VALUES (%s, %s) RETURNING id",
                (email, name),
            ).fetchone()
            member_id = row[0]
            ses.send_email(  # expect-line
                Source="club@example.org",
                Destination={"ToAddresses": [email]},
                Message={"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": "Hello " + name}}},
            )
    return member_id
