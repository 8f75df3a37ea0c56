# expect: side-effect-in-transaction
import json

import aioboto3
import aiosqlite

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/thumbnails"


async def store_upload(path: str, owner_id: int, key: str) -> None:
    async with aiosqlite.connect(path) as db:
        await db.execute("INSERT INTO uploads (owner_id, s3_key) VALUES (?, ?)", (owner_id, key))
        await db.execute("UPDATE owners SET uploads = uploads + 1 WHERE id = ?", (owner_id,))
        session = aioboto3.Session()
        async with session.client("sqs") as sqs:
            await sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"key": key}))  # expect-line
        await db.commit()
