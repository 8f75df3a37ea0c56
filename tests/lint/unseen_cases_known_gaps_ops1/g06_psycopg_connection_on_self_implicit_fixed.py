# expect: none
import boto3
import psycopg


class SignupStore:
    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn)
        self.ses = boto3.client("ses")

    def register(self, email: str, name: str) -> int:
        row = self.conn.execute(
            "INSERT INTO users (email, name) VALUES (%s, %s) RETURNING id",
            (email, name),
        ).fetchone()
        self.conn.commit()
        self.ses.send_email(
            Source="welcome@example.invalid",
            Destination={"ToAddresses": [email]},
            Message={"Subject": {"Data": "Welcome"}, "Body": {"Text": {"Data": f"Hello {name}"}}},
        )
        return row[0]
