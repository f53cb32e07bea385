from django.http import Http404
from wagtail.models import Site

from .models import EventPage, NewsAndEventsIndexPage


def calendar_file(request, page_path):
    """
    The calendar file beside a live, public event or the News and events
    index. Wagtail's page addresses end in a slash, so a file name such as
    calendar.ics needs its own route to the page it belongs to.
    """
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    try:
        page = site.root_page.specific.route(request, [part for part in page_path.split("/") if part]).page
    except Http404:
        raise
    page = page.specific
    if not isinstance(page, EventPage | NewsAndEventsIndexPage) or not page.live or page.get_view_restrictions():
        raise Http404("There is no calendar here.")
    return page.serve_calendar(request)
