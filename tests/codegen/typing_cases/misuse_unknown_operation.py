from app.generated import ops

ops.billing.credit_acount(None)  # E: attr-defined
