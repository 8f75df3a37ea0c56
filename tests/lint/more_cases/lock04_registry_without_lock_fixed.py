# expect: none
# fixed shape for lock04: one lock covers the check and the write
import threading

_plugins = {}
_plugins_lock = threading.RLock()


def plugin(name):
    with _plugins_lock:
        if name not in _plugins:
            _plugins[name] = load_plugin(name)
            announce(name)
        return _plugins[name]


def load_plugin(name):
    return object()


def announce(name):
    print("loaded", name)
