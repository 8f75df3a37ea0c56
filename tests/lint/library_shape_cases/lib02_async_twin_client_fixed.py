# expect: none
# fixed shape for lib02: `AsyncLuaScript` is the coroutine twin of `LuaScript`, so the
# client offers both ways to call the script and neither is the odd one out.
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
