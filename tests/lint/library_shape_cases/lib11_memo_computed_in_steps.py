# expect: missing-lock
# A miss starts a counter that the function then increments: two threads that miss
# together both store 0, and one increment is lost.
_hits = {}


def count_hit(path):
    if path not in _hits:  # expect-line
        _hits[path] = 0
    _hits[path] += 1
    return _hits[path]
