# expect: missing-lock
# pattern: a threading.Lock guards the read-modify-write, but the app runs under gunicorn
#          with several worker processes, and each process has its own lock. Two requests
#          in different processes still read the same usage, and one increment is lost.
import threading

from app.extensions import db
from app.models import Quota

_quota_lock = threading.Lock()


class QuotaExceeded(Exception):
    pass


def consume_quota(tenant_id, units):
    with _quota_lock:
        quota = db.session.get(Quota, tenant_id)
        if quota.used + units > quota.limit:
            raise QuotaExceeded(f"tenant {tenant_id} would use {quota.used + units} of {quota.limit}")
        quota.used += units  # expect-line
        db.session.commit()
