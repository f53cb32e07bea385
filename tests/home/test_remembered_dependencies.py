"""
What a remembered part depends on is what its build says while it runs: the
page types it lists, the scopes it shows (places left), and the moment it
changes by the clock. Each makes the part built again; and the page around
the part is told the same, whether the part was built or read.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import WORKSHOP_PLACES, NewsPage
from home import page_cache

pytestmark = pytest.mark.django_db

NEWS = page_cache.page_type_scope(NewsPage)
ADDRESS = "tree:/news-and-events/"


class Build:
    """A part's build that counts its runs and says what it depends on."""

    def __init__(self, *, shows=(), places=False, changes_in=None):
        self.runs = 0
        self.shows, self.places, self.changes_in = shows, places, changes_in

    def __call__(self):
        self.runs += 1
        page_cache.shows(*self.shows)
        if self.places:
            page_cache.depends_on(WORKSHOP_PLACES)
        if self.changes_in is not None:
            page_cache.changes_at(timezone.now() + self.changes_in)
        return f"built {self.runs}"


def remember(build):
    return page_cache.remembered("a-list", build, 3600, scopes=(ADDRESS,))


def test_a_part_is_built_again_when_a_page_type_it_lists_is_published():
    build = Build(shows=(NewsPage,))
    assert remember(build) == remember(build) == "built 1"
    page_cache.forget_cached_pages([page_cache.page_type_scope("reports.ReportPage")])
    assert remember(build) == "built 1"
    page_cache.forget_cached_pages([NEWS])
    assert remember(build) == "built 2"


def test_a_part_is_built_again_when_places_are_taken():
    build = Build(places=True)
    remember(build)
    page_cache.forget_cached_pages([WORKSHOP_PLACES])
    assert remember(build) == "built 2"


def test_a_part_is_built_again_once_the_clock_reaches_the_moment_it_changes(clock):
    build = Build(changes_in=timedelta(minutes=5))
    remember(build)
    clock.shift(timedelta(minutes=4))
    assert remember(build) == "built 1"
    clock.shift(timedelta(minutes=1, seconds=1))
    assert remember(build) == "built 2"


def test_a_part_that_depends_on_nothing_but_its_scopes_is_kept_until_they_move_on():
    build = Build()
    remember(build)
    page_cache.forget_cached_pages([NEWS, WORKSHOP_PLACES])
    assert remember(build) == "built 1"
    page_cache.forget_cached_pages([ADDRESS])
    assert remember(build) == "built 2"


@pytest.mark.parametrize("read_from_the_cache", [False, True])
def test_the_page_around_a_part_is_told_what_the_part_depends_on(read_from_the_cache):
    build = Build(shows=(NewsPage,), places=True, changes_in=timedelta(hours=1))
    if read_from_the_cache:
        remember(build)
    with page_cache._collecting() as (declared, until):
        remember(build)
    assert build.runs == 1
    assert declared == {NEWS, WORKSHOP_PLACES}
    assert until[0] is not None and timedelta(minutes=59) < until[0] - timezone.now() <= timedelta(hours=1)


def test_a_part_kept_in_an_earlier_shape_is_built_again():
    from django.core.cache import cache

    build = Build()
    remember(build)
    generation, dependencies, _ = cache.get("page-cache:part:a-list")
    cache.set("page-cache:part:a-list", (generation, dependencies, "a bare value"), 60)
    assert remember(build) == "built 2"
