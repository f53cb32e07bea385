"""
Redis as a cache the site can live without.

Django's Redis backend raises when Redis cannot be reached, and Wagtail asks
the cache on every page (the site's root paths), so an outage of the cache
would take the whole site down. Here an unreachable Redis is a miss: reads
find nothing, writes are dropped, each failure is logged, and pages are
rendered from the database as if there were no cache at all. Short socket
timeouts (settings) keep a dead Redis from holding up requests, and after a
failure Redis is left alone for RETRY_AFTER, so that a page which asks the
cache many times waits for it at most once.
"""

import logging
from datetime import timedelta

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Once Redis has failed, it is not asked again for this long. A page asks the
# cache many times, and a Redis that does not answer (a black-holed network,
# not a refused connection) costs each call its whole socket timeout: pages
# would take seconds. After the pause, the next call tries Redis again.
RETRY_AFTER = timedelta(seconds=5)


class TolerantRedisCacheClient(RedisCacheClient):
    # When each Redis server (by address) may be asked again, shared by every
    # cache alias in this process that uses it.
    _resting_until = {}

    def _resting(self):
        until = self._resting_until.get(tuple(self._servers))
        return until is not None and timezone.now() < until

    def _unreachable(self, operation):
        self._resting_until[tuple(self._servers)] = timezone.now() + RETRY_AFTER
        logger.warning(
            "Redis is unreachable (%s): carrying on without the cache for %s seconds",
            operation,
            int(RETRY_AFTER.total_seconds()),
            exc_info=True,
        )

    def get(self, key, default):
        if self._resting():
            return default
        try:
            return super().get(key, default)
        except UNREACHABLE:
            self._unreachable("get")
            return default

    def get_many(self, keys):
        if self._resting():
            return {}
        try:
            return super().get_many(keys)
        except UNREACHABLE:
            self._unreachable("get_many")
            return {}

    def has_key(self, key):
        if self._resting():
            return False
        try:
            return super().has_key(key)
        except UNREACHABLE:
            self._unreachable("has_key")
            return False

    def add(self, key, value, timeout):
        if self._resting():
            return False
        try:
            return super().add(key, value, timeout)
        except UNREACHABLE:
            self._unreachable("add")
            return False

    def incr(self, key, delta):
        if not self._resting():
            try:
                return super().incr(key, delta)
            except UNREACHABLE:
                self._unreachable("incr")
        # What a missing key gives: callers already handle it.
        raise ValueError(f"Key '{key}' not found (Redis is unreachable)")

    def _write(self, operation, *args):
        if self._resting():
            return None
        try:
            return getattr(super(), operation)(*args)
        except UNREACHABLE:
            self._unreachable(operation)
            return None

    def set(self, key, value, timeout):
        self._write("set", key, value, timeout)

    def set_many(self, data, timeout):
        self._write("set_many", data, timeout)

    def touch(self, key, timeout):
        return bool(self._write("touch", key, timeout))

    def delete(self, key):
        return bool(self._write("delete", key))

    def delete_many(self, keys):
        self._write("delete_many", keys)

    def clear(self):
        return bool(self._write("clear"))


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
