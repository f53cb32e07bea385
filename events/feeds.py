from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone

FEED_LENGTH = 20


class NewsAndEventsFeed(Feed):
    """The newest news items and events, for feed readers."""

    description = "Workshops, videoconferences and news from the Collaborative."

    def __init__(self, index):
        super().__init__()
        self.index = index

    def title(self):
        return f"{settings.WAGTAIL_SITE_NAME}: news and events"

    def link(self):
        return self.index.url

    def items(self):
        events = list(self.index.events().order_by("-date")[:FEED_LENGTH])
        news = list(self.index.news()[:FEED_LENGTH])
        items = events + news
        # News without a date sorts by when it was published.
        items.sort(key=lambda item: item.date or timezone.localdate(item.first_published_at), reverse=True)
        return items[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        if hasattr(item, "when"):
            return f"{item.get_event_type_display()}: {item.when}, {item.location_label}. {item.summary}"
        return item.summary

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.first_published_at

    def item_categories(self, item):
        return [item.get_event_type_display() if hasattr(item, "when") else "News"]
