"""
Redis as a cache the site can live without.

Django's Redis backend raises when Redis cannot be reached, and Wagtail asks
the cache on every page (the site's root paths), so an outage of the cache
would take the whole site down. Here an unreachable Redis is a miss: reads
find nothing, writes are dropped, each failure is logged, and pages are
rendered from the database as if there were no cache at all.

A page asks the cache about twenty times, so a Redis that answers slowly,
or not at all (a black-holed network rather than a refused connection, where
each call waits out its whole socket timeout), would cost a page seconds.
Two limits keep a page to about its normal time:
- each request has a budget of time it may spend waiting for Redis
  (REDIS_REQUEST_BUDGET_MS, set per request by RedisBudgetMiddleware); once
  it is spent, or once a call has failed, the rest of the request skips Redis;
- after a failure each process leaves that Redis alone for RETRY_AFTER, so
  the requests that follow do not each pay a timeout to find it still down.

Why not django-redis with IGNORE_EXCEPTIONS: it turns failures into misses
as this does, but every call still waits out its socket timeout, and it has
neither a budget per request nor a pause after a failure, which are what
keep pages fast while Redis is sick. Django's own Redis backend (maintained
with Django, already a dependency) does the talking to Redis; this module
adds only those limits.
"""

import logging
import time
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

# Once Redis has failed, it is not asked again for this long. After the
# pause, the next call tries Redis again.
RETRY_AFTER = timedelta(seconds=5)

# Seconds the request being answered may still spend waiting for Redis: set
# by RedisBudgetMiddleware for each request, 0 once Redis has failed in it;
# None outside a request (a command, the worker), which has no budget.
_budget_left = ContextVar("redis_budget_left", default=None)


def _now():
    # Elapsed time, not a date: a monotonic clock that nothing resets.
    return time.monotonic()


class RedisBudgetMiddleware:
    """Give each request REDIS_REQUEST_BUDGET_MS of waiting for Redis (see the top)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _budget_left.set(settings.REDIS_REQUEST_BUDGET_MS / 1000)
        try:
            return self.get_response(request)
        finally:
            _budget_left.reset(token)


class TolerantRedisCacheClient(RedisCacheClient):
    # When each Redis server (by address) may be asked again, shared by every
    # cache alias in this process that uses it.
    _resting_until = {}

    def _skipped(self):
        budget = _budget_left.get()
        if budget is not None and budget <= 0:
            return True
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

    def _ask(self, operation, fallback, *args):
        """What Redis answers to the operation, or `fallback` if Redis is skipped or fails."""
        if self._skipped():
            return fallback
        started = _now()
        try:
            return getattr(super(), operation)(*args)
        except UNREACHABLE:
            self._unreachable(operation)
            if _budget_left.get() is not None:
                _budget_left.set(0)
            return fallback
        finally:
            budget = _budget_left.get()
            if budget:
                spent = _now() - started
                if spent >= budget:
                    logger.warning(
                        "Redis is slow: this request has spent its %s ms on it and goes on without the cache",
                        settings.REDIS_REQUEST_BUDGET_MS,
                    )
                _budget_left.set(max(budget - spent, 0))

    def get(self, key, default):
        return self._ask("get", default, key, default)

    def get_many(self, keys):
        return self._ask("get_many", {}, keys)

    def has_key(self, key):
        return self._ask("has_key", False, key)

    def add(self, key, value, timeout):
        return self._ask("add", False, key, value, timeout)

    def incr(self, key, delta):
        skipped = object()
        answer = self._ask("incr", skipped, key, delta)
        if answer is skipped:
            # What a missing key gives: callers already handle it.
            raise ValueError(f"Key '{key}' not found (Redis is unreachable)")
        return answer

    def set(self, key, value, timeout):
        self._ask("set", None, key, value, timeout)

    def set_many(self, data, timeout):
        self._ask("set_many", None, data, timeout)

    def touch(self, key, timeout):
        return bool(self._ask("touch", False, key, timeout))

    def delete(self, key):
        return bool(self._ask("delete", False, key))

    def delete_many(self, keys):
        self._ask("delete_many", None, keys)

    def clear(self):
        return bool(self._ask("clear", False))


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
