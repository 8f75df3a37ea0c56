# expect: non-uniform-interface
# The hooks are left to the plugin manager, but `clear_cache()` is no hook: nothing here
# calls it, and it changes the cache it is given beside the two cache services.
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


def clear_cache(cache):  # expect-line
    cache.entries = {}
