# expect: side-effect-in-transaction
# pattern: psycopg2's "with conn:" block is a transaction that commits when the block
#          ends. The SNS message is published inside it, before an insert that can fail.
import json

import boto3
import psycopg2

sns = boto3.client("sns")
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:shipments"


def mark_shipped(dsn, shipment_id, tracking_code):
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "UPDATE shipments SET state = 'shipped', tracking_code = %s WHERE id = %s",
                (tracking_code, shipment_id),
            )
            sns.publish(TopicArn=TOPIC_ARN, Message=json.dumps({"shipment": shipment_id}))  # expect-line
            cur.execute(
                "INSERT INTO shipment_events (shipment_id, kind) VALUES (%s, 'shipped')",
                (shipment_id,),
            )
    finally:
        conn.close()
