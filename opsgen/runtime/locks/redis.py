"""Locks in Redis: ``SET NX PX`` with a random token, released and renewed by Lua scripts.

The value of a lock key is ``<random token> <owner>``, so a waiter can name the holder
and only the holder's token can delete or extend the key. Each successful ``SET`` also
increments one counter key, and the new count is the fencing token of the acquisition.
A key held by the same owner is overwritten with the new value, so an owner whose earlier
process died takes its own claim over at once, and the old value can no longer release or
renew it.
Release is a compare-and-delete and renewal a compare-and-``PEXPIRE``, each one script
call for all keys of a held set.

This is a single-instance lock. After a failover, a key written to the old primary may be
missing on the promoted replica, and only the fencing tokens protect storage then. Keys of one held set must live on one node, so Redis Cluster
needs a hash tag in the prefix (``?prefix={opsgen}:lock:``).
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from opsgen.runtime.database_url import hide_password
from opsgen.runtime.locks.base import Backoff, HeldLocks, LockBackend, LockTimeout, WaitHook, WaitNotice

logger = logging.getLogger(__name__)

# KEYS[1] lock key, KEYS[2] fencing counter; ARGV[1] value, ARGV[2] lease in ms, ARGV[3]
# owner. A key whose value names the same owner is overwritten: a takeover of one's own
# claim. Returns the new fencing token as a number, or the current value as a string.
ACQUIRE_SCRIPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('INCR', KEYS[2])
end
local current = redis.call('GET', KEYS[1])
if current then
    local space = string.find(current, ' ', 1, true)
    if space and string.sub(current, space + 1) == ARGV[3] then
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return redis.call('INCR', KEYS[2])
    end
end
return current
"""

# KEYS lock keys, in reverse order of acquisition; ARGV[1] value.
RELEASE_SCRIPT = """
local released = 0
for _, key in ipairs(KEYS) do
    if redis.call('GET', key) == ARGV[1] then
        released = released + redis.call('DEL', key)
    end
end
return released
"""

# KEYS lock keys; ARGV[1] value, ARGV[2] lease in ms. Returns how many were extended.
RENEW_SCRIPT = """
local renewed = 0
for _, key in ipairs(KEYS) do
    if redis.call('GET', key) == ARGV[1] then
        renewed = renewed + redis.call('PEXPIRE', key, ARGV[2])
    end
end
return renewed
"""

DEFAULT_PREFIX = "opsgen:lock:"


class RedisLockBackend(LockBackend):
    """Lock keys named ``<prefix><key>`` on the Redis server at ``url``."""

    name = "redis"
    # AuthenticationError and BusyLoadingError are ConnectionErrors too.
    unavailable_errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
    unavailable_hint = (
        "check that the Redis server at that address is running and reachable from this host, "
        "and that lock-url (or OPSGEN_LOCK_URL) names it"
    )

    def __init__(self, url: str, *, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__()
        self.location = hide_password(url)
        self.prefix = prefix
        self.client: redis.Redis = redis.Redis.from_url(url)
        self._acquire = self.client.register_script(ACQUIRE_SCRIPT)
        self._release_script = self.client.register_script(RELEASE_SCRIPT)
        self._renew_script = self.client.register_script(RENEW_SCRIPT)
        self._fence_key = f"{prefix}fencing-token"

    def holder(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        return None if value is None else owner_of(value)

    def close(self) -> None:
        super().close()
        self.client.close()

    def _acquire_ordered(
        self, keys: tuple[str, ...], *, timeout: float, lease: float, owner: str, on_wait: WaitHook | None = None
    ) -> HeldLocks:
        deadline = time.monotonic() + timeout
        notice = WaitNotice(on_wait, timeout)
        value = f"{secrets.token_hex(16)} {owner}"
        lease_ms = max(1, int(lease * 1000))
        tokens: dict[str, int] = {}

        for key in keys:
            backoff = Backoff()
            while True:
                reply = self._run(self._acquire, [self.prefix + key, self._fence_key], [value, lease_ms, owner])
                if isinstance(reply, int):
                    tokens[key] = reply
                    break
                notice.waiting(key)
                if backoff.sleep(deadline):
                    continue
                self._release_values(list(tokens), value)
                holder = owner_of(reply) if reply is not None else self.holder(key)
                raise LockTimeout(key, holder, timeout)

        return HeldLocks(self, keys, owner, lease, tokens, state=value)

    def _run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """Run ``script`` by its SHA1, loading it into the server first if it is missing there."""
        try:
            return self.client.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            return script(keys=keys, args=args)

    def _release(self, held: HeldLocks) -> None:
        self._release_values(list(held.keys), str(held.state))

    def _release_values(self, keys: list[str], value: str) -> None:
        if keys:
            self._run(self._release_script, [self.prefix + key for key in reversed(keys)], [value])

    def _renew(self, held: HeldLocks) -> bool:
        value = str(held.state)
        lease_ms = max(1, int(held.lease * 1000))
        renewed = self._run(self._renew_script, [self.prefix + key for key in held.keys], [value, lease_ms])
        return int(renewed) == len(held.keys)


def owner_of(value: bytes | str) -> str:
    """Return the owner part of a lock value ``"<token> <owner>"``."""
    text = value.decode() if isinstance(value, bytes) else value
    return text.split(" ", 1)[1] if " " in text else text
