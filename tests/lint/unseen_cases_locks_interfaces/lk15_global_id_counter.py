# expect: missing-lock
# pattern: request ids come from a module-level counter raised with "+= 1" in a threaded
#          server; two threads can read the same value and hand out one id twice
_last_request_id = 0


def next_request_id():
    global _last_request_id
    _last_request_id += 1  # expect-line
    return _last_request_id
