from uuid import uuid4

from app.generated import ops

ops.billing.credit_account(None, account_id=uuid4(), currency="EUR")  # E: call-arg
