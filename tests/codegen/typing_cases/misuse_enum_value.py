from decimal import Decimal
from uuid import uuid4

from app.generated import ops

ops.billing.credit_account(None, account_id=uuid4(), amount=Decimal(1), currency="JPY")  # E: arg-type
