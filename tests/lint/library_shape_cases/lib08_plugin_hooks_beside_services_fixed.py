# expect: none
# fixed shape for lib08: the `@hookimpl` methods are plugin hooks, which the plugin
# manager calls, not the module's verb. `tracker_configure()` and
# `tracker_session_start()` are hooks too: they share the marked hooks' first word.
import pluggy

hookimpl = pluggy.HookimplMarker("tracker")


class CacheLookup:
    def __init__(self, store):
        self.store = store

    def __call__(self, key):
        return self.store.get(key)


class CacheWrite:
    def __init__(self, store):
        self.store = store

    def __call__(self, key, value):
        self.store[key] = value


class LastFailedPlugin:
    @hookimpl(wrapper=True)
    def tracker_report(self, report):
        outcome = yield
        return outcome


class StepwisePlugin:
    @hookimpl
    def tracker_report(self, report):
        return report.failed


def tracker_configure(config):
    config.cache = {}


def tracker_session_start(session):
    session.cache_hits = 0
