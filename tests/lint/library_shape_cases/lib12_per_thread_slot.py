# expect: missing-lock
# The container is keyed by a topic the caller names, so two threads adding the first
# callback of one topic both store an empty list, and one callback is lost.
_callbacks = {}


def add_callback(topic, callback):
    if topic not in _callbacks:  # expect-line
        _callbacks[topic] = []
    _callbacks[topic].append(callback)
