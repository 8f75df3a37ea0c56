# expect: none
# fixed shape for r10_04: the message is sent after session_scope() has committed
import json

import boto3

from .db import session_scope
from .models import Upload, UploadVariant

sqs = boto3.client("sqs")
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/transcode"


def register_upload(owner_id, key, variant_names):
    with session_scope() as session:
        upload = Upload(owner_id=owner_id, s3_key=key, state="pending")
        session.add(upload)
        session.flush()
        for name in variant_names:
            session.add(UploadVariant(upload_id=upload.id, name=name))
        upload_id = upload.id
    sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"upload_id": upload_id}))
    return upload_id
