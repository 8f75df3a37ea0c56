from uuid import uuid4

from app.generated import ops

ops.billing.change_plan(None, uuid4(), "team")  # E: call-arg
