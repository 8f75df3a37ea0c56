# expect: side-effect-in-transaction
# pattern: contextlib.ExitStack enters engine.begin() and a temporary file, and the S3
#          upload runs before the stack unwinds. A failing UPDATE after it rolls back the
#          export row and leaves an object in the bucket that nothing refers to
import csv
import tempfile
from contextlib import ExitStack

import boto3
from sqlalchemy import insert, select, update

from reports.db import engine, exports, sales

s3 = boto3.client("s3")


def export_sales(month: str, bucket: str) -> str:
    key = f"sales/{month}.csv"
    with ExitStack() as stack:
        conn = stack.enter_context(engine.begin())
        out = stack.enter_context(tempfile.NamedTemporaryFile("w+", suffix=".csv", newline=""))
        conn.execute(insert(exports).values(month=month, s3_key=key, status="pending"))
        csv.writer(out).writerows(conn.execute(select(sales).where(sales.c.month == month)))
        out.flush()
        s3.upload_file(out.name, bucket, key)  # expect-line
        conn.execute(update(exports).where(exports.c.s3_key == key).values(status="uploaded"))
    return key
