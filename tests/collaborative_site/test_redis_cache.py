"""
Redis as the shared cache: pages cached by one app server are cleared for
all of them, and a Redis that cannot be reached costs the site nothing but
speed. Tests that need a Redis server skip without one (CI has one).
"""

import logging
import os
import socket
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCacheClient
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from collaborative_site.cache import RETRY_AFTER, TolerantRedisCache
from events.models import Booking, NewsAndEventsIndexPage
from home.models import PageCacheClear
from home.page_cache import HIT_HEADER, forget_cached_pages
from tests.conftest import _skip_or_fail, html, restrict
from tests.events.factories import add_booking_form, add_event, booking_answers

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/13")
UNREACHABLE_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing answers

# They share one Redis database, and empty it.
pytestmark = [pytest.mark.django_db, pytest.mark.one_process_at_a_time("redis")]


def redis_caches(location):
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return {
        alias: {
            "BACKEND": "collaborative_site.cache.TolerantRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-{alias}",
            "OPTIONS": options,
        }
        for alias in ("default", "renditions")
    }


@pytest.fixture(autouse=True)
def _redis_not_resting():
    """
    After a failure a process leaves that Redis alone for a few seconds: an
    earlier test's unreachable Redis must not keep this one from asking it.
    """
    from collaborative_site.cache import TolerantRedisCacheClient

    TolerantRedisCacheClient._resting_until.clear()
    yield
    TolerantRedisCacheClient._resting_until.clear()


@pytest.fixture
def shared_redis(settings):
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        _skip_or_fail(
            f"needs a Redis server at {REDIS_TEST_URL} (set REDIS_TEST_URL; CI has one)", "REDIS_TESTS_REQUIRED"
        )
    settings.CACHES = redis_caches(REDIS_TEST_URL)
    settings.PAGE_CACHE_SECONDS = 300
    yield
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()


def test_a_page_cached_by_one_server_is_served_and_cleared_for_every_server(
    shared_redis, initial_content, django_capture_on_commit_callbacks
):
    assert Client().get("/")[HIT_HEADER] == "miss"
    assert Client().get("/")[HIT_HEADER] == "hit"

    # Another app server: its own connection to the same Redis.
    other_server = TolerantRedisCache(REDIS_TEST_URL, {"KEY_PREFIX": "test-default"})
    assert list(redis.Redis.from_url(REDIS_TEST_URL).scan_iter("test-default:1:page-cache:*"))

    with django_capture_on_commit_callbacks(execute=True):
        forget_cached_pages()  # as publishing on this server does
    assert other_server.get("page-cache:generation") == cache.get("page-cache:generation")
    assert Client().get("/")[HIT_HEADER] == "miss"


def test_a_booking_on_one_server_refreshes_its_workshop_for_every_server_and_nothing_else(
    shared_redis, initial_content, django_capture_on_commit_callbacks, redis_asked
):
    with django_capture_on_commit_callbacks(execute=True):
        workshop = add_event(
            NewsAndEventsIndexPage.objects.get(), "redis-workshop", timezone.localdate() + timedelta(days=9), capacity=5
        )
        form_page = add_booking_form(workshop)
    pages = [workshop.url, "/", "/about/", "/reports/"]
    for path in pages:
        assert Client().get(path)[HIT_HEADER] == "miss"
    asked_before = len(redis_asked)
    for path in pages:
        assert Client().get(path)[HIT_HEADER] == "hit"
    # The page, its generation and every generation it may depend on: one round trip each.
    assert len(redis_asked) - asked_before == len(pages)

    other_server = TolerantRedisCache(REDIS_TEST_URL, {"KEY_PREFIX": "test-default"})
    places_before = other_server.get("page-cache:scope:workshop-places")
    everything_before = other_server.get("page-cache:generation")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(form_page.url, booking_answers())
    assert Booking.objects.filter(event=workshop).count() == 1

    assert other_server.get("page-cache:scope:workshop-places") > places_before
    assert other_server.get("page-cache:generation") == everything_before
    assert Client().get("/about/")[HIT_HEADER] == "hit"
    assert Client().get("/reports/")[HIT_HEADER] == "hit"
    fresh = Client().get(workshop.url)
    assert fresh[HIT_HEADER] == "miss"
    assert "4 left of 5" in html(fresh).select_one(".event-places").get_text()
    assert Client().get("/")[HIT_HEADER] == "miss"


def test_counters_are_shared_and_atomic(shared_redis):
    first = TolerantRedisCache(REDIS_TEST_URL, {"KEY_PREFIX": "test-default"})
    second = TolerantRedisCache(REDIS_TEST_URL, {"KEY_PREFIX": "test-default"})
    first.add("attempts", 0)
    assert [first.incr("attempts"), second.incr("attempts"), first.incr("attempts")] == [1, 2, 3]


def test_the_site_carries_on_when_redis_cannot_be_reached(settings, initial_content, caplog):
    settings.CACHES = redis_caches(UNREACHABLE_REDIS)
    settings.PAGE_CACHE_SECONDS = 300

    for _ in range(2):
        response = Client().get("/")
        assert response.status_code == 200
        assert HIT_HEADER not in response or response[HIT_HEADER] == "miss"
    assert "Redis is unreachable" in caplog.text

    assert cache.get("anything", "default") == "default"
    assert cache.add("anything", 1) is False
    with pytest.raises(ValueError):
        cache.incr("anything")
    cache.set("anything", 1)
    assert cache.delete("anything") is False


def test_a_page_made_private_while_redis_blinks_is_never_served_public_once_it_is_back(
    shared_redis, initial_content, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    about = Page.objects.get(slug="about")
    assert Client().get(about.url)[HIT_HEADER] == "miss"
    assert Client().get(about.url)[HIT_HEADER] == "hit"

    with monkeypatch.context() as blink:
        # This server's connections now go to a port where nothing answers.
        client = caches["default"]._cache
        blink.setattr(client, "_servers", [UNREACHABLE_REDIS])
        blink.setattr(client, "_pools", {})
        with django_capture_on_commit_callbacks(execute=True):
            restrict(about)
        assert html(Client().get(about.url)).select_one("input[name=password]") is not None
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(error.startswith("Could not clear the page cache") for error in errors), errors

    # Redis is back, still holding the public copy and the generation it was stored in.
    assert list(redis.Redis.from_url(REDIS_TEST_URL).scan_iter("test-default:1:page-cache:page:*"))
    for _ in range(2):
        answer = Client().get(about.url)
        assert HIT_HEADER not in answer
        assert html(answer).select_one("input[name=password]") is not None
    assert not PageCacheClear.objects.exists()


@pytest.fixture
def black_holed_redis(settings):
    """A Redis address that takes connections and never answers, as a black-holed network does."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        settings.CACHES = redis_caches(f"redis://127.0.0.1:{hole.getsockname()[1]}/0")
        yield


@pytest.fixture
def redis_asked(monkeypatch):
    """Each time the site asks Redis for something (every operation takes a client first)."""
    asked = []
    original = RedisCacheClient.get_client

    def counting(self, *args, **kwargs):
        asked.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RedisCacheClient, "get_client", counting)
    return asked


def test_a_black_holed_redis_is_waited_for_once_per_page_not_once_per_call(
    black_holed_redis, settings, initial_content, redis_asked, clock
):
    settings.PAGE_CACHE_SECONDS = 300
    response = Client().get("/news-and-events/")
    assert response.status_code == 200
    # Without the pause, this page asked the silent Redis 19 times, half a second each.
    assert len(redis_asked) == 1, "each call would wait the whole socket timeout"
    assert Client().get("/").status_code == 200
    assert len(redis_asked) == 1, "nor asked again by the next page, moments later"

    clock.shift(RETRY_AFTER + timedelta(seconds=1))
    assert cache.get("anything", "default") == "default"
    assert len(redis_asked) == 2, "after the pause, Redis is tried again"


def test_a_slow_redis_costs_a_request_no_more_than_its_budget(
    shared_redis, settings, initial_content, redis_asked, monkeypatch, caplog
):
    """A Redis that answers, but slowly: each call takes 200 ms, and a listing asks about twenty times."""
    settings.REDIS_REQUEST_BUDGET_MS = 500
    waited = [0.0]
    monkeypatch.setattr("collaborative_site.cache._now", lambda: waited[0])
    original = RedisCacheClient.get_client

    def slow(self, *args, **kwargs):
        waited[0] += 0.2
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RedisCacheClient, "get_client", slow)

    assert Client().get("/news-and-events/").status_code == 200
    assert len(redis_asked) == 3, "0.2 + 0.2 + 0.2 s spends the 500 ms: the rest of the page goes without"
    assert "Redis is slow: this request has spent its 500 ms on it" in caplog.text
    assert Client().get("/").status_code == 200
    assert len(redis_asked) == 6, "each request has a budget of its own"
    # Outside a request (a command, the worker) there is no budget.
    for number in range(5):
        cache.set(f"key-{number}", number)
    assert len(redis_asked) == 11
