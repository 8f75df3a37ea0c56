# expect: side-effect-in-transaction
# pattern: the SQLAlchemy "session_scope" recipe keeps the commit in another module, and
#          the SQS message is sent inside the scope, before session_scope() commits
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
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"upload_id": upload.id}))  # expect-line
        for name in variant_names:
            session.add(UploadVariant(upload_id=upload.id, name=name))
        return upload.id
