# expect: side-effect-in-transaction
import boto3
import psycopg2

sns = boto3.client("sns")
TOPIC = "arn:aws:sns:eu-west-1:123456789012:refunds"


def refund_payment(dsn: str, payment_id: int, amount: int) -> None:
    conn = psycopg2.connect(dsn)
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("UPDATE payments SET status = 'refunded' WHERE id = %s", (payment_id,))
                cur.execute(
                    "INSERT INTO refunds (payment_id, amount) VALUES (%s, %s)",
                    (payment_id, amount),
                )
                sns.publish(TopicArn=TOPIC, Message=str(payment_id))  # expect-line
    finally:
        conn.close()
