"""
Counting searches for the search terms report (Admin reports > Search terms in
the admin, Wagtail's Query and QueryDailyHits) without a database write per
search.

With a shared Redis (the site's cache when REDIS_URL is set), a search adds
one to its term's count in a Redis hash, one round trip and no database
write; `manage.py count_search_hits`, on the schedule (collaborative_site/
crontab), adds the counts to the report. Without one, or while Redis cannot
be reached, each search queues count_search_hit for the worker, as before:
a search is counted either way, and searching never fails for it.

Why Redis's own commands rather than Django's cache API: the cache API has no
atomic "add to a set of terms", nor a way to take the counts and reset them
in one step, so searches counted while the report is brought up to date
would be lost or counted twice. A hash renamed away (RENAME is atomic) hands
the counts over whole, while new searches start a new hash.
"""

import functools
import logging
import time
import uuid
from datetime import date

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits
from wagtail.search.utils import normalise_query_string

from .tasks import count_search_hit

logger = logging.getLogger(__name__)

PENDING = "search-hits:pending"
CLAIMED = "search-hits:claimed"
# A claimed hash still there after this long belongs to a run that stopped
# before it finished (the schedule runs every 10 minutes; a run takes well
# under a second): the next run adds it.
ABANDONED_AFTER_SECONDS = 15 * 60
# After Redis fails, searches leave it alone (and queue their counts) for
# this long, so that a Redis that does not answer costs one search its
# timeout, not every search.
RETRY_AFTER_SECONDS = 5
_resting_until = 0.0


def _key(name):
    return caches["default"].make_key(name)


@functools.cache
def _client(location, connect_timeout, timeout):
    return redis.Redis.from_url(location, socket_connect_timeout=connect_timeout, socket_timeout=timeout)


def shared_redis():
    """The Redis the site's shared cache lives in, or None (no shared cache, or one that is not Redis)."""
    config = settings.CACHES["default"]
    if not settings.SHARED_CACHE or not issubclass(import_string(config["BACKEND"]), RedisCache):
        return None
    location = config["LOCATION"]
    # Django's Redis cache writes to the first of several servers.
    location = location.split(",")[0] if isinstance(location, str) else location[0]
    options = config.get("OPTIONS", {})
    return _client(location, options.get("socket_connect_timeout", 0.5), options.get("socket_timeout", 0.5))


def count_search(query_string):
    """One more search for these terms: in Redis when the site shares one, else (or if it fails) by a task."""
    global _resting_until
    client = shared_redis()
    if client is not None and time.monotonic() >= _resting_until:
        field = f"{timezone.now().date().isoformat()} {normalise_query_string(query_string)}"
        try:
            client.hincrby(_key(PENDING), field, 1)
            return
        except (redis.RedisError, OSError):
            _resting_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("Redis is unreachable: search hits are queued as tasks instead", exc_info=True)
    try:
        count_search_hit.enqueue(query_string)
    except Exception:
        # The report loses one search; the visitor still gets their results.
        logger.exception("Could not count a search for the search terms report")


def add_counted_searches():
    """
    Add the searches counted in Redis to the search terms report, and any
    a stopped run left claimed. Returns (searches, terms) added.
    """
    client = shared_redis()
    if client is None:
        return 0, 0
    claimed = []
    now = int(timezone.now().timestamp())
    for name in client.scan_iter(match=_key(f"{CLAIMED}:*")):
        claimed_at = int(name.decode().rsplit(":", 2)[-2])
        if now - claimed_at > ABANDONED_AFTER_SECONDS:
            claimed.append(name)
    mine = _key(f"{CLAIMED}:{now}:{uuid.uuid4().hex}")
    try:
        client.rename(_key(PENDING), mine)
        claimed.append(mine)
    except redis.ResponseError:
        pass  # no search since the last run
    searches = terms = 0
    for name in claimed:
        counts = client.hgetall(name)
        with transaction.atomic():
            for field, hits in counts.items():
                day, query_string = field.decode().split(" ", 1)
                _add_hits(query_string, date.fromisoformat(day), int(hits))
        # Deleted once the counts are in the database: a run stopped in
        # between counts them again rather than losing them.
        client.delete(name)
        searches += sum(int(hits) for hits in counts.values())
        terms += len(counts)
    return searches, terms


def _add_hits(query_string, day, hits):
    """Wagtail's Query.add_hit, for several searches at once."""
    daily, _created = QueryDailyHits.objects.get_or_create(query=Query.get(query_string), date=day)
    QueryDailyHits.objects.filter(pk=daily.pk).update(hits=F("hits") + hits)
