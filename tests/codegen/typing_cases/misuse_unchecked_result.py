from uuid import uuid4

from app.generated import ops

result = ops.billing.change_plan(None, account_id=uuid4(), plan="team")
print(result.value.plan)  # E: union-attr
