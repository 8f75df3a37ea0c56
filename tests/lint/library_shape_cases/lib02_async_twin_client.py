# expect: non-uniform-interface
# `LuaScript` and `AsyncLuaScript` are twins, but `KeyWatcher` is a coroutine with no
# plain twin among plain services, so its callers must know to await it.
class LuaScript:
    def __init__(self, client, source):
        self.client = client
        self.source = source

    def __call__(self, keys, args):
        return self.client.evalsha(self.source, len(keys), *keys, *args)


class AsyncLuaScript:
    def __init__(self, client, source):
        self.client = client
        self.source = source

    async def __call__(self, keys, args):
        return await self.client.evalsha(self.source, len(keys), *keys, *args)


class BitCounter:
    def __init__(self, client):
        self.client = client

    def __call__(self, key, start, end):
        return self.client.bitcount(key, start, end)


class KeyExpirer:
    def __init__(self, client):
        self.client = client

    def __call__(self, key, seconds):
        return self.client.expire(key, seconds)


class KeyWatcher:
    def __init__(self, client):
        self.client = client

    async def __call__(self, key, timeout):  # expect-line
        return await self.client.blpop(key, timeout)
