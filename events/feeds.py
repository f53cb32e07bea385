"""
The site's RSS feed of events, news and reports, each item dated by what it
is, never by when it was put on the site (the initial content was loaded in
one go, years after most of it happened):

- an event by the earlier of its start (its date and start time in London,
  or the start of its day) and its first publication: a workshop announced
  months ahead is new when announced, one recorded afterwards is as old as
  the day it happened;
- a news item by its date, a report by its publication date, each from the
  start of that day in London; by its first publication only where the page
  has no date.

Items are ordered by the date they show, newest first.
"""

from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.db.models.functions import Coalesce, Least, TruncDate

from home import page_cache
from home.restrictions import private_q
from reports.models import ReportPage

from .formatting import LONDON
from .models import EventPage

FEED_LENGTH = 20

# A page never published (made by code, not in the admin) has no first
# publication: one without a date of its own either goes last, undated.
UNDATED = datetime.min.replace(tzinfo=UTC)


def first_published_day():
    return TruncDate("first_published_at", tzinfo=LONDON)


def newest(pages, day):
    """
    The pages that can be among the feed's FEED_LENGTH newest, by `day`: the
    London day of the date the feed gives each. Ranked by day in the
    database, each page's moment only in Python (feed_date), so every page on
    the last day that makes the cut is kept, for feed_date to decide.
    """
    pages = pages.annotate(feed_day=day).order_by()
    days = pages.order_by(F("feed_day").desc(nulls_last=True)).values_list("feed_day", flat=True)
    cut = list(days[FEED_LENGTH - 1 : FEED_LENGTH])
    if cut and cut[0] is not None:
        pages = pages.filter(feed_day__gte=cut[0])
    return list(pages)


def feed_date(item):
    """The moment the feed dates an item by, as the module docstring says."""
    if isinstance(item, EventPage):
        first = item.first_published_at
        return min(item.starts_at, first) if first else item.starts_at
    day = item.publication_date if isinstance(item, ReportPage) else item.date
    if day:
        return datetime.combine(day, time.min, tzinfo=LONDON)
    return item.first_published_at or UNDATED


class NewsAndEventsFeed(Feed):
    """The site's feed: the newest news items, events and reports, for feed readers."""

    description = "Workshops, videoconferences, news and reports from the Collaborative."

    def __init__(self, index):
        super().__init__()
        self.index = index

    def title(self):
        return f"{settings.WAGTAIL_SITE_NAME}: news, events and reports"

    # Full addresses from the Site record (SITE_URL): Django would otherwise
    # complete relative links with the Host the request came with.
    def link(self):
        return self.index.full_url

    def feed_url(self):
        return f"{self.index.full_url}feed.xml"

    def items(self):
        events = newest(self.index.events(), Least(F("date"), Coalesce(first_published_day(), F("date"))))
        news = newest(self.index.news(), Coalesce(F("date"), first_published_day()))
        page_cache.shows(ReportPage)
        reports = newest(
            ReportPage.objects.live().exclude(private_q()), Coalesce(F("publication_date"), first_published_day())
        )
        items = events + news + reports
        items.sort(key=feed_date, reverse=True)
        return items[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if hasattr(item, "when"):
            return f"{item.get_event_type_display()}: {item.when}, {item.location_label}. {item.summary}"
        return item.summary

    def item_link(self, item):
        return item.full_url

    def item_pubdate(self, item):
        moment = feed_date(item)
        return None if moment == UNDATED else moment

    def item_categories(self, item):
        if isinstance(item, ReportPage):
            return ["Report"]
        return [item.get_event_type_display() if hasattr(item, "when") else "News"]
