from django.http import Http404
from wagtail.models import Site

from .feeds import NewsAndEventsFeed
from .models import EventPage, NewsAndEventsIndexPage


def public_page_at(request, page_path, page_types):
    """
    The live, public page at page_path, if it is one of page_types. Wagtail's
    page addresses end in a slash, so files that sit beside a page
    (calendar.ics, feed.xml) need their own routes to it.
    """
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    page = site.root_page.specific.route(request, [part for part in page_path.split("/") if part]).page.specific
    if not isinstance(page, page_types) or not page.live or page.get_view_restrictions():
        raise Http404("There is nothing like that here.")
    return page


def calendar_file(request, page_path):
    return public_page_at(request, page_path, EventPage | NewsAndEventsIndexPage).serve_calendar(request)


def news_and_events_feed(request, page_path):
    return NewsAndEventsFeed(public_page_at(request, page_path, NewsAndEventsIndexPage))(request)
