from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone

from home import page_cache
from home.restrictions import private_q
from reports.models import NEWEST_FIRST, ReportPage

FEED_LENGTH = 20


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
        events = list(self.index.events().order_by("-date")[:FEED_LENGTH])
        news = list(self.index.news()[:FEED_LENGTH])
        page_cache.shows(ReportPage)
        reports = list(ReportPage.objects.live().exclude(private_q()).order_by(*NEWEST_FIRST)[:FEED_LENGTH])
        items = events + news + reports
        # News and reports without a date sort by when they were published.
        items.sort(key=self.item_date, reverse=True)
        return items[:FEED_LENGTH]

    @staticmethod
    def item_date(item):
        day = item.publication_date if isinstance(item, ReportPage) else item.date
        return day or timezone.localdate(item.first_published_at)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if hasattr(item, "when"):
            return f"{item.get_event_type_display()}: {item.when}, {item.location_label}. {item.summary}"
        return item.summary

    def item_link(self, item):
        return item.full_url

    def item_pubdate(self, item):
        return item.first_published_at

    def item_categories(self, item):
        if isinstance(item, ReportPage):
            return ["Report"]
        return [item.get_event_type_display() if hasattr(item, "when") else "News"]
