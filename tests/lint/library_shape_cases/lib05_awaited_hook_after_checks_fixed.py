# expect: none
# fixed shape for lib05: `BaseRoute.__call__()` sends a 404 response when the route does
# not match, then awaits `self.handle()`, which each route implements. The lifespan's
# `__call__()` only returns the instance, to be entered with `async with`: it does no work.
class BaseRoute:
    def matches(self, scope):
        raise NotImplementedError

    async def handle(self, scope, receive, send):
        raise NotImplementedError

    async def __call__(self, scope, receive, send):
        matched, child_scope = self.matches(scope)
        if not matched:
            await send({"type": "http.response.start", "status": 404})
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)


class PathRoute(BaseRoute):
    async def handle(self, scope, receive, send):
        await self.endpoint(scope, receive, send)


class MountedApp(BaseRoute):
    async def handle(self, scope, receive, send):
        await self.app(scope, receive, send)


class DefaultLifespan:
    def __init__(self, router):
        self.router = router

    async def __aenter__(self):
        await self.router.startup()

    async def __aexit__(self, *exc_info):
        await self.router.shutdown()

    def __call__(self, app):
        return self
