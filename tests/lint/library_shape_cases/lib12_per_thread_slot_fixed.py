# expect: none
# fixed shape for lib12: the container is keyed by the calling thread's id, so the check
# and the write touch the thread's own slot, which no other thread reads or writes.
import threading

_callbacks = {}


def add_callback(callback):
    thread_id = threading.get_ident()
    if thread_id not in _callbacks:
        _callbacks[thread_id] = []
    _callbacks[thread_id].append(callback)
