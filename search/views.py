import unicodedata
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search.utils import normalise_query_string

from events.models import BookingFormPage, EventPage, NewsAndEventsIndexPage, NewsPage
from events.templatetags.events_tags import upcoming_events
from home.models import HomePage, StandardPage
from home.pagination import paginate
from home.restrictions import private_q
from reports.models import ReportIndexPage, ReportPage
from reports.templatetags.reports_tags import latest_reports

from .tasks import count_search_hit

RESULTS_PER_PAGE = 10
# Longer queries are cut rather than refused: nobody types more, and it keeps
# the search backend's work bounded.
MAX_QUERY_LENGTH = 255

# The kinds of result a visitor can narrow to, in the order the filter lists them.
RESULT_TYPES = {
    "events": ("Workshops and events", (EventPage,)),
    "reports": ("Reports", (ReportPage,)),
    "news": ("News", (NewsPage,)),
    "pages": ("Pages", (StandardPage, NewsAndEventsIndexPage, ReportIndexPage)),
}
# Not results in their own right: the home page only lists other pages, and a
# booking form is reached from its workshop.
NOT_SEARCHED = (HomePage, BookingFormPage)

# How much a kind of page counts when ranking. Workshops and reports are what
# visitors come for; general pages and news come next.
TYPE_WEIGHTS = {EventPage: 1.2, ReportPage: 1.5}
STARTS_WITH_QUERY = 1.3
UPCOMING = 2.0


def clean_query(raw_query):
    """
    What a visitor typed, made safe to hand to any search backend: control
    and formatting characters dropped, double quotes (which SQLite's
    full-text syntax would read as an unfinished phrase) turned into spaces,
    white space folded, and the length capped.
    """
    characters = (" " if char == '"' or char.isspace() else char for char in raw_query)
    printable = "".join(char for char in characters if unicodedata.category(char) not in {"Cc", "Cf"})
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


def _words(text):
    """Lower-case words, without punctuation, for comparing a query with a title."""
    return "".join(char.lower() if char.isalnum() else " " for char in text).split()


def rank(pages, query, today, event_dates=None):
    """
    The search backend's results, ordered as people expect: first the pages
    whose title holds every word typed, then the rest; within each, by the
    backend's score, weighted towards workshops and reports, titles that
    start with the query, and workshops still to come. (SQLite's scores are
    negative, PostgreSQL's positive: the size of the score is what counts.)

    The pages may be plain matches (their type read from their content type)
    with the workshops' dates given in event_dates, so that ranking many
    results never loads each as its own type.
    """
    query_words = _words(query)
    phrase = " ".join(query_words)
    event_dates = event_dates or {}

    def key(page):
        title_words = _words(page.title)
        title = " ".join(title_words)
        page_type = _type_of_page(page)
        weight = TYPE_WEIGHTS.get(page_type, 1.0)
        if title.startswith(phrase):
            weight *= STARTS_WITH_QUERY
        if page_type is EventPage:
            day = event_dates.get(page.pk, getattr(page, "date", None))
            if day is not None and day >= today:
                weight *= UPCOMING
        in_title = bool(query_words) and all(word in title_words for word in query_words)
        return (in_title, abs(page._score or 0) * weight)

    return sorted(pages, key=key, reverse=True)


def _type_of_page(page):
    """A page's own type, from its content type (cached by Django: no query)."""
    return page.specific_class or Page


@dataclass
class Match:
    """A search match as four columns: enough to rank, count and page through it."""

    pk: int
    title: str
    content_type_id: int
    _score: float

    @property
    def specific_class(self):
        return ContentType.objects.get_for_id(self.content_type_id).model_class()


def scored_matches(pages, query):
    """
    Every live page matching the query with its score, read as plain
    columns: building a page object for each of a thousand matches cost
    more than the search itself.
    """
    results = pages.search(query).annotate_score("_score")
    # Both of Wagtail's database backends (PostgreSQL and SQLite) expose the
    # query they run; any other backend gives pages.
    if hasattr(results, "get_queryset"):
        return [Match(*row) for row in results.get_queryset().values_list("pk", "title", "content_type_id", "_score")]
    return [Match(page.pk, page.title, page.content_type_id, page._score) for page in results]


def type_of(page):
    page_type = _type_of_page(page)
    for key, (_label, models) in RESULT_TYPES.items():
        if issubclass(page_type, models):
            return key
    return "pages"


def sections_by_path():
    """The site's sections (the pages under the home page), by tree path, to label results in one query."""
    home = HomePage.objects.first()
    if home is None:
        return {}
    return {page.path: page for page in home.get_children().live().only("title", "path", "url_path")}


def section_of(page, sections):
    return sections.get(page.path[: Page.steplen * 3])


def search(request):
    """Search every live, public page on the site, most relevant first, with a filter by kind of page."""
    query = clean_query(request.GET.get("q", ""))
    chosen_type = request.GET.get("type", "")
    if chosen_type not in RESULT_TYPES:
        chosen_type = ""
    # Its one address (canonical, og:url) is the bare search page's: the results
    # for a query are for the visitor, not for search engines' indexes.
    context = {
        "search_query": query,
        "chosen_type": chosen_type,
        "title": "Search",
        "canonical_path": reverse("search"),
    }

    if query:
        # Every match is ranked, but as four columns; only the ten shown are
        # then loaded as their own types. Loading all of them, StreamFields
        # and all, made a common word cost a second.
        searchable = Page.objects.live().exclude(private_q()).not_type(*NOT_SEARCHED)
        pages = scored_matches(searchable, query)
        if not pages:
            # Full-text search drops the commonest words ("about", "the"),
            # so a query of only those finds nothing: titles still match.
            pages = list(searchable.filter(title__icontains=query).order_by("path"))
            for page in pages:
                page._score = 0
        promotions = promoted_pages(query)
        promoted_ids = {page.pk for page in promotions}
        event_ids = [page.pk for page in pages if _type_of_page(page) is EventPage]
        event_dates = dict(EventPage.objects.filter(pk__in=event_ids).values_list("pk", "date"))
        ranked = [page for page in rank(pages, query, timezone.localdate(), event_dates) if page.pk not in promoted_ids]
        counts = {key: 0 for key in RESULT_TYPES}
        for page in ranked:
            counts[type_of(page)] += 1
        if chosen_type:
            ranked = [page for page in ranked if type_of(page) == chosen_type]
        results = paginate(request, ranked, RESULTS_PER_PAGE)
        shown = as_their_own_types(results.object_list)
        sections = sections_by_path()
        context.update(
            {
                "search_results": results,
                "results": [describe(page, sections) for page in shown],
                "promotions": [describe(page, sections) for page in promotions] if results.number == 1 else [],
                "type_filters": [
                    {"key": key, "label": label, "count": counts[key]}
                    for key, (label, _) in RESULT_TYPES.items()
                    if counts[key]
                ],
                "total": sum(counts.values()),
                "shown_total": sum(counts.values()) + len(promotions),
            }
        )
        if not ranked and not promotions:
            context.update(help_for_an_empty_search())
        if request.GET.get("page", "1") == "1" and not chosen_type:
            # For the search terms report (Reports > Search terms in the admin),
            # counted by a task: in production the worker does the counting's
            # writes (a row locked per term), not the visitor's request.
            count_search_hit.enqueue(query)
    else:
        context.update(help_for_an_empty_search())
    return TemplateResponse(request, "search/search.html", context)


def as_their_own_types(pages):
    """The given plain pages as their own types, in one query per type, in the same order, scores kept."""
    specific = Page.objects.filter(pk__in=[page.pk for page in pages]).specific().in_bulk()
    shown = []
    for page in pages:
        own = specific.get(page.pk)
        if own is not None:
            own._score = page._score
            shown.append(own)
    return shown


def promoted_pages(query):
    """The pages editors promote for this query (Settings > Promoted search results), live and public only."""
    promotions = SearchPromotion.objects.filter(query__query_string=normalise_query_string(query))
    page_ids = [promotion.page_id for promotion in promotions.order_by("sort_order") if promotion.page_id]
    pages = Page.objects.live().exclude(private_q()).filter(pk__in=page_ids).specific().in_bulk()
    return [pages[page_id] for page_id in page_ids if page_id in pages]


def describe(page, sections):
    """What a result shows: its kind, date, summary and section."""
    upcoming = False
    if isinstance(page, EventPage):
        label, when, upcoming = page.get_event_type_display(), page.when, not page.is_past()
    elif isinstance(page, NewsPage):
        label, when = "News", page.date
    elif isinstance(page, ReportPage):
        label, when = "Report", page.publication_date
    else:
        label, when = "Page", None
    section = section_of(page, sections)
    return {
        "page": page,
        "label": label,
        "when": when,
        "upcoming": upcoming,
        "summary": getattr(page, "listing_text", "") or page.search_description,
        "section": section if section is not None and section.pk != page.pk else None,
    }


def help_for_an_empty_search():
    """Somewhere to go when there is nothing to show: the next workshops and the latest reports."""
    return {"upcoming_events": upcoming_events(3), "latest_reports": latest_reports(3)}
