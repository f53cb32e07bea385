"""
Searches counted for the search terms report without a database write per
search: in the shared Redis, added to the report by the schedule; without
Redis, or while it is down, by a task as before. Every search counted once,
and searching never fails for it.
"""

import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.contrib.search_promotions.models import Query

from search import search_hits
from tests.collaborative_site.test_redis_cache import (  # noqa: F401 (shared_redis is a fixture)
    REDIS_TEST_URL,
    UNREACHABLE_REDIS,
    redis_caches,
    shared_redis,
)
from tests.search.test_search import result_titles

# The Redis tests share one Redis database, and empty it.
pytestmark = [pytest.mark.django_db, pytest.mark.one_process_at_a_time("redis")]

CRONTAB = Path(__file__).resolve().parents[2] / "collaborative_site" / "crontab"


@pytest.fixture(autouse=True)
def _redis_not_resting(monkeypatch):
    """Each test starts with Redis not known to be down."""
    monkeypatch.setattr(search_hits, "_resting_until", 0.0)


def hits(query_string):
    found = Query.objects.filter(query_string=query_string).first()
    return found.hits if found else 0


def add_counted_searches():
    output = io.StringIO()
    call_command("count_search_hits", stdout=output)
    return output.getvalue()


def test_searches_counted_in_redis_reach_the_report_when_the_schedule_runs(
    shared_redis,  # noqa: F811
    initial_content,
    queued_in_the_database,
    client,
):
    for number in range(25):
        client.get("/search/", {"q": "Workforce planning" if number % 5 else "workforce  PLANNING"})
    for _ in range(3):
        client.get("/search/", {"q": "wellbeing"})
    client.get("/search/", {"q": "wellbeing", "page": "2"})  # a page turned is not another search

    assert hits("workforce planning") == 0, "nothing written to the database while searching"
    assert not DBTaskResult.objects.exists(), "nor queued"

    assert add_counted_searches() == "Searches added to the search terms report: 28 (2 terms).\n"
    assert hits("workforce planning") == 25
    assert hits("wellbeing") == 3

    # Added once: the next run finds nothing new, and later searches start afresh.
    assert add_counted_searches() == "Searches added to the search terms report: 0 (0 terms).\n"
    client.get("/search/", {"q": "wellbeing"})
    add_counted_searches()
    assert hits("wellbeing") == 4


def test_counts_left_by_a_run_that_stopped_are_added_by_the_next(shared_redis, initial_content):  # noqa: F811
    server = redis.Redis.from_url(REDIS_TEST_URL)
    yesterday = timezone.localdate() - timedelta(days=1)
    stopped_at = int((timezone.now() - timedelta(minutes=20)).timestamp())
    running_since = int(timezone.now().timestamp())
    cache = caches["default"]
    server.hset(cache.make_key(f"search-hits:claimed:{stopped_at}:a"), f"{yesterday.isoformat()} okapi", 2)
    server.hset(cache.make_key(f"search-hits:claimed:{running_since}:b"), f"{yesterday.isoformat()} quagga", 5)

    add_counted_searches()

    assert Query.objects.get(query_string="okapi").daily_hits.get().date == yesterday
    assert hits("okapi") == 2
    assert hits("quagga") == 0, "another run, still going, adds its own"


def test_a_redis_outage_never_breaks_search_and_loses_no_search(settings, initial_content, client, caplog):
    settings.CACHES = redis_caches(UNREACHABLE_REDIS)

    with caplog.at_level(logging.WARNING, logger="search.search_hits"):
        responses = [client.get("/search/", {"q": "workforce planning"}) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert result_titles(responses[-1])
    assert hits("workforce planning") == 3, "counted by the task instead"
    assert "search hits are queued as tasks instead" in caplog.text
    assert caplog.text.count("search hits are queued as tasks instead") == 1, "Redis is not asked again at once"
    with pytest.raises(Exception, match="Redis cannot be reached"):
        add_counted_searches()


def test_without_a_shared_redis_each_search_is_counted_as_before(initial_content, client):
    client.get("/search/", {"q": "wellbeing"})

    assert hits("wellbeing") == 1
    assert add_counted_searches().startswith("No shared Redis")


def test_the_schedule_adds_the_counted_searches_every_ten_minutes():
    jobs = [line for line in CRONTAB.read_text().splitlines() if "manage.py count_search_hits" in line]
    assert len(jobs) == 1 and jobs[0].startswith("*/10 ")
