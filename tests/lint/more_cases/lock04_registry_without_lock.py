# expect: missing-lock
# pattern: a plugin registry filled on first use from several threads
_plugins = {}


def plugin(name):
    if name not in _plugins:  # expect-line
        _plugins[name] = load_plugin(name)
        announce(name)
    return _plugins[name]


def load_plugin(name):
    return object()


def announce(name):
    print("loaded", name)
