from decimal import Decimal

from app.generated import ops

ops.billing.credit_account(None, account_id="not a uuid", amount=Decimal(1), currency="EUR")  # E: arg-type
