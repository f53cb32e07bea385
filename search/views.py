import hashlib
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, FloatField, Q, Value, When
from django.db.models.functions import Abs
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page
from wagtail.search.utils import normalise_query_string

from events.models import BookingFormPage, EventPage, FeedbackFormPage, NewsAndEventsIndexPage, NewsPage, Venue
from events.templatetags.events_tags import upcoming_events
from home.models import HomePage, StandardPage
from home.page_cache import page_type_scope, remembered
from home.pagination import paginate
from home.restrictions import private_q
from home.serving import site_for_request, site_root_paths_for_request
from reports.models import ReportIndexPage, ReportPage
from reports.templatetags.reports_tags import latest_reports

from .language import STOP_WORDS, Synonyms, search_query, stem, suggestion, word_key, words_of
from .models import SearchSynonym
from .search_hits import count_search

RESULTS_PER_PAGE = 10
# Changes clear remembered results at once; this only bounds how long an unused one stays.
RESULTS_SECONDS = 10 * 60
# Fewer matches than this, and a query with a typing slip in it is offered
# the closest known words ("Did you mean").
FEW_RESULTS = 3
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
# Not results in their own right: the home page only lists other pages, a
# booking form is reached from its workshop, and a feedback form from the
# link each attendee is e-mailed.
NOT_SEARCHED = (HomePage, BookingFormPage, FeedbackFormPage)

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


# "The title holds this word" and "the title starts with these words" as
# regular expressions that Python's re (SQLite's REGEXP, as Django defines it)
# and PostgreSQL both read, so that the database compares titles as words_of
# splits them. The words come from words_of, letters and digits only: nothing
# to escape.
def _holds_word(word):
    return rf"(^|\W){word}(\W|$)"


def _holds_stem(word_stem):
    return rf"(^|\W){word_stem}"


def _starts_with_words(words):
    return r"^\W*" + r"\W+".join(words)


def relevance_order(matches, query, today, tie_break):
    """
    The matches (with the search backend's score in _score) ordered as
    people expect, in the database: first the pages whose title holds every
    word typed, then the rest; within each, by the backend's score,
    weighted towards workshops and reports, titles that start with the
    query, and workshops still to come (SQLite's scores are negative,
    PostgreSQL's positive: the size of the score is what counts); equal
    weighted scores by tie_break.
    """
    query_words = words_of(query)
    # Content types are cached by Django: no query after the first.
    event_type, report_type = (ContentType.objects.get_for_model(model).pk for model in (EventPage, ReportPage))
    weight = Case(
        When(content_type_id=event_type, eventpage__date__gte=today, then=TYPE_WEIGHTS[EventPage] * UPCOMING),
        When(content_type_id=event_type, then=TYPE_WEIGHTS[EventPage]),
        When(content_type_id=report_type, then=TYPE_WEIGHTS[ReportPage]),
        default=1.0,
        output_field=FloatField(),
    )
    if query_words:
        weight *= Case(
            When(title__iregex=_starts_with_words(query_words), then=STARTS_WITH_QUERY),
            default=1.0,
            output_field=FloatField(),
        )
    weighted_score = Abs("_score") * weight
    if not query_words:
        return matches.order_by(weighted_score.desc(), tie_break)
    # Ordering by "title holds every word" first, a fact of the page alone,
    # let PostgreSQL sort every page on it before looking for matches, one
    # index look-up per page: a common word in no title took 0.4 s. So the
    # first key is the weighted score of the pages whose title holds every
    # word (the others below any score, at -1) and the second that of the
    # others, which also computes each page's score once.
    holds_every_word = Q(*(Q(title__iregex=_holds_word(word)) for word in query_words))
    # Then the pages whose title holds another form of each word that is not
    # a stop word ("collaborate": "About the Collaborative"), as the search
    # itself matches them.
    stems = [stem(word) for word in query_words if word not in STOP_WORDS] or [stem(word) for word in query_words]
    holds_every_stem = Q(*(Q(title__iregex=_holds_stem(word_stem)) for word_stem in stems))
    score_in_title = Case(When(holds_every_word, then=weighted_score), default=-1.0, output_field=FloatField())
    score_in_title_forms = Case(
        When(holds_every_word, then=0.0),
        When(holds_every_stem, then=weighted_score),
        default=-1.0,
        output_field=FloatField(),
    )
    score_elsewhere = Case(
        When(holds_every_word | holds_every_stem, then=0.0), default=weighted_score, output_field=FloatField()
    )
    return matches.order_by(score_in_title.desc(), score_in_title_forms.desc(), score_elsewhere.desc(), tie_break)


def full_text_matches(pages, query):
    """
    The pages matching the query (a Wagtail query: search_query()), with
    the search backend's score in _score, as a queryset still to be
    filtered, counted and ordered. Both of Wagtail's database backends
    (SQLite's FTS5 and PostgreSQL's, the site's WAGTAILSEARCH_BACKENDS)
    expose the query they run.
    """
    return pages.search(query).annotate_score("_score").get_queryset()


def synonyms():
    """The editors' synonyms (Settings > Search synonyms), remembered until one changes (which clears everything)."""
    return remembered(
        "search-synonyms",
        lambda: Synonyms([(synonym.term, synonym.meanings) for synonym in SearchSynonym.objects.all()]),
        RESULTS_SECONDS,
    )


def known_words():
    """
    Every word a suggestion may offer, lower-cased, with the form it is
    shown in: the words of live, public pages' titles, venues' names and
    towns, speakers' names and the synonyms. Remembered until a page is
    published or anything else changes.
    """

    def build():
        texts = list(Page.objects.live().exclude(private_q()).not_type(*NOT_SEARCHED).values_list("title", flat=True))
        for venue in Venue.objects.values_list("name", "town_or_city"):
            texts.extend(venue)
        for agenda in EventPage.objects.live().exclude(private_q()).values_list("agenda", flat=True):
            texts.extend(speaker_names(agenda))
        for term, meanings in SearchSynonym.objects.values_list("term", "stands_for"):
            texts.extend([term, *meanings.splitlines()])
        vocabulary = {}
        for text in texts:
            for word in text.split():
                key = word_key(word)
                if key and not key.isdigit():
                    # The first form seen is kept: "Malmaison", not "MALMAISON".
                    vocabulary.setdefault(key, "".join(char for char in word if char.isalnum() or char in "-'"))
        return vocabulary

    if not settings.SHARED_CACHE:
        # remembered() would keep nothing past the request, and reading every
        # title and agenda for each search that finds little costs too much
        # on a large site. A list some minutes old only makes a suggestion
        # less likely: each is checked against the live search (better_query).
        held = _known_words_in_process
        if held["words"] is None or timezone.now() - held["read_at"] > KNOWN_WORDS_IN_PROCESS_FOR:
            held["words"], held["read_at"] = build(), timezone.now()
        return held["words"]
    return remembered("search-known-words", build, RESULTS_SECONDS, scopes=(page_type_scope(Page),))


# Without a shared cache, the known words are kept in each process for a while.
KNOWN_WORDS_IN_PROCESS_FOR = timedelta(minutes=10)
_known_words_in_process = {"words": None, "read_at": None}


def speaker_names(agenda):
    """The names of the speakers in a workshop's agenda, read from its stored blocks."""
    for part in agenda.raw_data if agenda else ():
        for session in (part.get("value") or {}).get("sessions") or ():
            for speaker in (session.get("value", session) or {}).get("speakers") or ():
                name = (speaker.get("value", speaker) or {}).get("name") if isinstance(speaker, dict) else None
                if name:
                    yield name


def title_matches(pages, query):
    """
    Full-text search drops the commonest words ("about", "the"), so a query
    of only those finds nothing: titles still match, scored alike.
    """
    return pages.filter(title__icontains=query).annotate(_score=Value(0.0, output_field=FloatField()))


def kind_q(kind):
    """The pages of one kind of result (RESULT_TYPES): "pages" is every page of no other kind."""
    if kind == "pages":
        others = [model for key, (_label, models) in RESULT_TYPES.items() if key != "pages" for model in models]
        return ~Page.objects.type_q(*others)
    return Page.objects.type_q(*RESULT_TYPES[kind][1])


def counts_by_kind(matches, promoted_ids):
    """
    How many pages matched at all, and how many of each kind are listed
    (promoted pages apart: they are shown above the rest), in one query.
    """
    not_promoted = ~Q(pk__in=promoted_ids) if promoted_ids else Q()
    counts = matches.order_by().aggregate(
        matched=Count("pk"),
        **{key: Count("pk", filter=kind_q(key) & not_promoted) for key in RESULT_TYPES},
    )
    return counts.pop("matched"), counts


def remembered_results(name, search_key, build):
    """
    What build() finds for this search, remembered until a page is
    published, unpublished, moved, deleted or made private (the page cache's
    scope for every page: the search index changes as a page is published,
    search/signal_handlers.py), so that ranking a common word's thousands of
    matches is paid once per change to the site, not once per search.
    Without a shared cache, built for every search.
    """
    return remembered(f"search:{name}:{search_key}", build, RESULTS_SECONDS, scopes=(page_type_scope(Page),))


class RankedResults:
    """
    Ranked matches as Django's paginator reads them: their number, already
    counted (the paginator would otherwise count the search again), and the
    slice shown, read as their own types in their order.
    """

    def __init__(self, ranked, total, search_key):
        self.ranked = ranked
        self.total = total
        self.search_key = search_key

    def __len__(self):
        return self.total

    def __getitem__(self, shown):
        def rank():
            return list(self.ranked[shown].values_list("pk", flat=True))

        ids = remembered_results(f"{shown.start}-{shown.stop}", self.search_key, rank)
        # Results show no StreamField: leave the bodies and agendas unread.
        pages = Page.objects.live().exclude(private_q()).filter(pk__in=ids).specific().defer_streamfields().in_bulk()
        return [pages[page_id] for page_id in ids if page_id in pages]


def sections_by_path(pages):
    """
    The sections (the pages under the home page) the given pages are in, by
    tree path, to label results: read by path, in one query, whatever the
    size of the site.
    """
    paths = {page.path[: Page.steplen * 3] for page in pages}
    return {page.path: page for page in Page.objects.live().filter(path__in=paths).only("title", "path", "url_path")}


def section_of(page, sections):
    return sections.get(page.path[: Page.steplen * 3])


def search(request):
    """Search every live, public page on the site, most relevant first, with a filter by kind of page."""
    # The Site and its root paths as pages have them: remembered until content changes.
    site_for_request(request)
    site_root_paths_for_request(request)
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
        # Ranked, filtered by kind, counted and cut to the page shown in the
        # database: whatever the number of matches, only the ten shown are
        # read, as their own types.
        searchable = Page.objects.live().exclude(private_q()).not_type(*NOT_SEARCHED)
        promotions = promoted_pages(query)
        promoted_ids = [page.pk for page in promotions]
        today = timezone.localdate()
        expanded = search_query(query, synonyms())
        # By the query as searched too: what a release or a synonym changes in
        # it is searched afresh, not read from what the old query found.
        search_key = hashlib.sha256(
            repr((query, repr(expanded), chosen_type, promoted_ids, today)).encode()
        ).hexdigest()

        def count():
            found = {"full_text": False, "suggestion": None}
            matched = 0
            if expanded is not None:
                matched, found["counts"] = counts_by_kind(full_text_matches(searchable, expanded), promoted_ids)
                found["full_text"] = bool(matched)
            if not matched:
                matched, found["counts"] = counts_by_kind(title_matches(searchable, query), promoted_ids)
            if matched < FEW_RESULTS:
                found["suggestion"] = better_query(searchable, query, matched)
            return found

        found = remembered_results("counts", search_key, count)
        counts = found["counts"]
        if found["full_text"]:
            # Equal weighted scores keep the backend's own order (newest page first).
            matches, tie_break = full_text_matches(searchable, expanded), "-pk"
        else:
            matches, tie_break = title_matches(searchable, query), "path"
        listed = matches.exclude(pk__in=promoted_ids)
        if chosen_type:
            listed = listed.filter(kind_q(chosen_type))
        ranked = relevance_order(listed, query, today, tie_break)
        total = sum(counts.values())
        listed_total = counts[chosen_type] if chosen_type else total
        results = paginate(request, RankedResults(ranked, listed_total, search_key), RESULTS_PER_PAGE)
        sections = sections_by_path([*results.object_list, *promotions])
        context.update(
            {
                "search_results": results,
                "results": [describe(page, sections) for page in results.object_list],
                "promotions": [describe(page, sections) for page in promotions] if results.number == 1 else [],
                "type_filters": [
                    {"key": key, "label": label, "count": counts[key]}
                    for key, (label, _) in RESULT_TYPES.items()
                    if counts[key]
                ],
                "total": total,
                "shown_total": total + len(promotions),
                "suggestion": found.get("suggestion"),
            }
        )
        if not total and not promotions:
            context.update(help_for_an_empty_search())
        if request.GET.get("page", "1") == "1" and not chosen_type:
            # For the search terms report (Admin reports > Search terms in the admin).
            count_search(query)
    else:
        context.update(help_for_an_empty_search())
    return TemplateResponse(request, "search/search.html", context)


def better_query(searchable, query, matched):
    """
    The query with its typing slips corrected to the closest known words,
    if that finds more than it does: None otherwise (nothing to suggest).
    """
    suggested = suggestion(query, known_words())
    if suggested is None or words_of(suggested) == words_of(query):
        return None
    expanded = search_query(suggested, synonyms())
    if expanded is None or full_text_matches(searchable, expanded).count() <= matched:
        return None
    return suggested


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
