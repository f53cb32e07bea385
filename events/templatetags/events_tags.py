"""Template tags the News and events section lends to other pages, such as the home page."""

from django import template
from django.utils import timezone

from events.formatting import format_time
from events.models import NEWEST_NEWS_FIRST, NOT_ON_NEWS_CARDS, SOONEST_FIRST, EventPage, NewsPage
from home import page_cache
from home.restrictions import private_q

register = template.Library()


@register.simple_tag
def upcoming_events(limit=3):
    """The next live, public events, soonest first, with what their cards show (venue, places left) in one query."""
    page_cache.shows(EventPage)
    page_cache.changes_tomorrow()
    return list(
        EventPage.objects.live()
        .exclude(private_q())
        .filter(date__gte=timezone.localdate())
        .for_cards()
        .order_by(*SOONEST_FIRST)[:limit]
    )


@register.simple_tag
def latest_news(limit=3):
    page_cache.shows(NewsPage)
    return list(
        NewsPage.objects.live().exclude(private_q()).defer(*NOT_ON_NEWS_CARDS).order_by(*NEWEST_NEWS_FIRST)[:limit]
    )


@register.filter
def event_time(value):
    return format_time(value) if value else ""


@register.filter
def speaker_line(speaker):
    """ "Dr Jacqui Dyer, Chair, NHS England" from whichever of the three parts are known."""
    return ", ".join(part for part in (speaker["name"], speaker["role"], speaker["organisation"]) if part)


@register.filter
def places_of_each_kind(event):
    """
    At an event in person and online, each kind of place's label, places left
    and number of places (None for no limit), for "In person: 12 of 50 left".
    Read from the counts the page has already made (count_bookings).
    """
    return [
        {"label": label, "left": left, "capacity": event.capacity_for(kind)}
        for kind, label, left in event.places_by_kind
    ]
