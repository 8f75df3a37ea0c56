# expect: missing-lock
# pattern: a service object guards the invoice counter with a threading.RLock kept on self,
#          but every gunicorn worker and every Celery process builds its own service and
#          lock, so two processes read the same counter and hand out the same number.
import threading

from billing.models import InvoiceCounter


class InvoiceNumbers:
    def __init__(self):
        self._lock = threading.RLock()

    def next_number(self, year):
        with self._lock:
            counter = InvoiceCounter.objects.get(year=year)
            counter.last += 1  # expect-line
            counter.save(update_fields=["last"])
            return counter.last
