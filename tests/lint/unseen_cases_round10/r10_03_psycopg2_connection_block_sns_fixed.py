# expect: none
# fixed shape for r10_03: publish once the "with conn:" block has committed
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
            cur.execute(
                "INSERT INTO shipment_events (shipment_id, kind) VALUES (%s, 'shipped')",
                (shipment_id,),
            )
        sns.publish(TopicArn=TOPIC_ARN, Message=json.dumps({"shipment": shipment_id}))
    finally:
        conn.close()
