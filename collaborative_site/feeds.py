"""
The site's RSS feed of events, news and reports, each item dated by what it
is, never by when it was put on the site (the initial content was loaded in
one go, years after most of it happened):

- an event by the earlier of its start (its date and start time in London,
  or the start of its day) and its first publication: a workshop announced
  months ahead is new when announced, one recorded afterwards is as old as
  the day it happened;
- a news item by its date, a report by its publication date, each from the
  start of that day in London. Where that date is not known (the editor
  left it blank, as the page's help text asks), the item has no date in the
  feed either: its first publication would say it is new when it may be
  years old.

Items are ordered by the date they show, newest first, the undated last.

It lives in the project package because it spans the sections: events may
not import reports.
"""

from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.db.models.functions import Coalesce, Least, TruncDate

from events.formatting import LONDON
from events.models import EventPage
from home import page_cache
from home.restrictions import private_q
from reports.models import ReportPage

FEED_LENGTH = 20

# Sorts after every date.
EARLIEST = datetime.min.replace(tzinfo=UTC)


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
    """The moment the feed dates an item by, as the module docstring says; None where it is not known."""
    if isinstance(item, EventPage):
        first = item.first_published_at
        return min(item.starts_at, first) if first else item.starts_at
    day = item.publication_date if isinstance(item, ReportPage) else item.date
    return datetime.combine(day, time.min, tzinfo=LONDON) if day else None


def newest_first(item):
    moment = feed_date(item)
    if moment is not None:
        return (True, moment)
    return (False, item.first_published_at or EARLIEST)


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
        news = newest(self.index.news(), F("date"))
        page_cache.shows(ReportPage)
        reports = newest(ReportPage.objects.live().exclude(private_q()), F("publication_date"))
        items = events + news + reports
        items.sort(key=newest_first, reverse=True)
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
        return feed_date(item)

    def item_categories(self, item):
        if isinstance(item, ReportPage):
            return ["Report"]
        return [item.get_event_type_display() if hasattr(item, "when") else "News"]
