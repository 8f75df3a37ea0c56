# expect: none
# fixed shape: a row lock in the database replaces the per-process lock
from app.extensions import db
from app.models import Quota


class QuotaExceeded(Exception):
    pass


def consume_quota(tenant_id, units):
    quota = db.session.get(Quota, tenant_id, with_for_update=True)
    if quota.used + units > quota.limit:
        raise QuotaExceeded(f"tenant {tenant_id} would use {quota.used + units} of {quota.limit}")
    quota.used += units
    db.session.commit()
