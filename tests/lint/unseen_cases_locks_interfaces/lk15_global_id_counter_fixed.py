# expect: none
# fixed shape for lk15: a lock covers the increment and the read of the new value
import threading

_last_request_id = 0
_request_id_lock = threading.Lock()


def next_request_id():
    global _last_request_id
    with _request_id_lock:
        _last_request_id += 1
        return _last_request_id
