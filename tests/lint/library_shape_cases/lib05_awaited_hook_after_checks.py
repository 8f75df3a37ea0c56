# expect: non-uniform-interface
# `BaseRoute.__call__()` checks the match and awaits `self.handle()`, but `HostRoute`
# overrides `__call__()` and does the work there, so it handles requests for hosts it
# does not match.
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


class HostRoute(BaseRoute):
    async def __call__(self, scope, receive, send):  # expect-line
        scope["host_matched"] = True
        await self.app(scope, receive, send)
