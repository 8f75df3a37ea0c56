# expect: none
# fixed shape for r9_11: the "pending" row commits in its own transaction, the upload
# runs with no transaction open, and a second transaction marks the row "uploaded"
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
        out = stack.enter_context(tempfile.NamedTemporaryFile("w+", suffix=".csv", newline=""))
        with engine.begin() as conn:
            conn.execute(insert(exports).values(month=month, s3_key=key, status="pending"))
            csv.writer(out).writerows(conn.execute(select(sales).where(sales.c.month == month)))
        out.flush()
        s3.upload_file(out.name, bucket, key)
        with engine.begin() as conn:
            conn.execute(update(exports).where(exports.c.s3_key == key).values(status="uploaded"))
    return key
