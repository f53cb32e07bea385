"""
The site search: what people type finds the right page first, on SQLite
and (in CI) on PostgreSQL; results say what they are; the filter by kind
counts right; editors' promoted results and the search terms report; the
index follows publishing; no input breaks the page.
"""

import io
import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import PageViewRestriction

from events.models import EventPage, NewsAndEventsIndexPage, NewsPage
from home.models import StandardPage
from reports.models import ReportDocument, ReportIndexPage, ReportPage
from tests.conftest import RESTRICTION_TYPES, SECRET, html
from tests.events.factories import add_event, add_news, make_venue
from tests.reports.factories import add_report, make_document, pdf_bytes

pytestmark = pytest.mark.django_db

EXAMPLE_WORKSHOP = "Example workshop (for trying the site: not a real event)"
PLANNING_WORKSHOP = "Workshop on strategic workforce planning in mental health settings"
THRIVING_REPORT = "Thriving at Work: the Collaborative workshop report"
THRIVING_WORKSHOP = "Workshop for HR Directors on the Thriving at Work report"
COVID_VIDEOCONFERENCE = "Videoconference on Workforce issues arising from the COVID-19 (coronavirus) outbreak"


def result_titles(response):
    return [a.get_text(strip=True) for a in html(response).select(".search-results h3 a")]


def search(client, query, **params):
    return client.get("/search/", {"q": query, **params})


@pytest.fixture
def site_with_demo(initial_content):
    """The real initial content, with the example upcoming workshop that make run adds."""
    call_command("load_initial_content", "--demo", stdout=io.StringIO())
    return initial_content


# What people type, and what they expect first ---------------------------------------------

RELEVANCE = [
    ("Manchester", EXAMPLE_WORKSHOP),
    ("Malmaison", EXAMPLE_WORKSHOP),
    ("psychological support", "Videoconference on psychological support for NHS staff"),
    ("Oxford Health", PLANNING_WORKSHOP),
    ("workforce planning", PLANNING_WORKSHOP),
    ("Calderdale", PLANNING_WORKSHOP),
    ("skills mix", PLANNING_WORKSHOP),
    ("report", THRIVING_REPORT),
    ("Thriving at Work", THRIVING_REPORT),
    ("Stevenson Farmer", THRIVING_REPORT),
    ("HR directors", THRIVING_WORKSHOP),
    ("wellbeing", THRIVING_WORKSHOP),
    ("diversity", "Collaborative workshop on diversity and inclusion"),
    ("COVID", COVID_VIDEOCONFERENCE),
    ("coronavirus", COVID_VIDEOCONFERENCE),
    (
        "Health Education England",
        "Videoconference on Health Education England National Mental Health programme of work",
    ),
    ("workshop", EXAMPLE_WORKSHOP),
    ("nursing", EXAMPLE_WORKSHOP),
    ("reports", "Reports"),
    ("news", "News and events"),
    ("privacy", "Privacy notice"),
    ("accessibility", "Accessibility statement"),
    ("contact", "Contact us"),
    ("Joanna", "Contact us"),
    ("Birmingham", "About the Collaborative"),
    ("about", "About the Collaborative"),
    # Word forms: both databases stem English words.
    ("plans", PLANNING_WORKSHOP),
    ("planned workforce", PLANNING_WORKSHOP),
    ("collaborate", "About the Collaborative"),
    ("why collaborate", "About the Collaborative"),
    ("supporting staff psychologically", "Videoconference on psychological support for NHS staff"),
    # Abbreviations and other names, both ways (the synonyms load_initial_content loads).
    ("PTSD", "Videoconference on psychological support for NHS staff"),
    ("post traumatic stress disorder", "Videoconference on psychological support for NHS staff"),
    ("HEE", "Videoconference on Health Education England National Mental Health programme of work"),
    ("PHE", PLANNING_WORKSHOP),
    ("CQC", "About the Collaborative"),
    ("Care Quality Commission", "About the Collaborative"),
    ("STP", PLANNING_WORKSHOP),
    ("Integrated Care System", PLANNING_WORKSHOP),
    ("COVID 19", COVID_VIDEOCONFERENCE),
    # Phrases as the texts write them.
    ("strategic workforce planning", PLANNING_WORKSHOP),
    ("reasons for collaboration", "About the Collaborative"),
]


@pytest.mark.parametrize(("query", "expected_first"), RELEVANCE, ids=[query for query, _ in RELEVANCE])
def test_what_people_type_finds_the_right_page_first(client, site_with_demo, query, expected_first):
    titles = result_titles(search(client, query))

    assert titles, f"nothing found for {query!r}"
    assert titles[0] == expected_first, f"{query!r}: {titles[:3]}"


# Typing slips: what was meant is offered ("Did you mean"), and its link finds the right page first.
TYPOS = [
    ("workfroce planning", "workforce planning", PLANNING_WORKSHOP),
    ("Malmasion", "Malmaison", EXAMPLE_WORKSHOP),
    ("psycological support", "psychological support", "Videoconference on psychological support for NHS staff"),
    ("Birmigham", "Birmingham", "About the Collaborative"),
]


@pytest.mark.parametrize(("query", "meant", "expected_first"), TYPOS, ids=[query for query, _, _ in TYPOS])
def test_a_typing_slip_is_offered_what_was_meant(client, site_with_demo, query, meant, expected_first):
    offered = html(search(client, query)).select_one(".search-suggestion a")

    assert offered is not None, f"no suggestion for {query!r}"
    assert offered.get_text(strip=True) == meant
    assert result_titles(client.get(offered["href"]))[0] == expected_first


# What a result shows -----------------------------------------------------------------------


def test_a_result_shows_its_kind_date_summary_and_section(client, site_with_demo):
    results = html(search(client, "workshop")).select(".search-results li")
    by_title = {result.select_one("h3 a").get_text(strip=True): result for result in results}

    example = by_title[EXAMPLE_WORKSHOP]
    workshop = EventPage.objects.get(slug="example-workshop")
    meta = example.select_one(".search-result__meta").get_text(" ", strip=True)
    assert meta == f"Workshop Upcoming {workshop.when}"
    assert example.select_one(".search-result__section").get_text(strip=True) == "In News and events"
    assert workshop.summary in example.get_text()

    past = by_title[PLANNING_WORKSHOP].select_one(".search-result__meta").get_text(" ", strip=True)
    assert past == "Workshop Thursday 5 March 2020"
    report = by_title[THRIVING_REPORT]
    assert report.select_one(".search-result__type").get_text() == "Report"
    assert report.select_one(".search-result__section").get_text(strip=True) == "In Reports"


def test_results_can_be_narrowed_to_one_kind_with_counts(client, site_with_demo):
    soup = html(search(client, "Thriving at Work"))
    filters = [item.get_text(" ", strip=True) for item in soup.select(".search-filters li")]

    assert filters == ["All results (3)", "Workshops and events (1)", "Reports (1)", "News (1)"]
    assert soup.select_one("#result-count").get_text() == "3 results for ‘Thriving at Work’"
    news_link = soup.select_one('.search-filters a[href*="type=news"]')["href"]
    narrowed = client.get("/search/" + news_link)
    assert result_titles(narrowed) == ["Read our report on ‘Thriving at Work’"]
    current = html(narrowed).select_one('.search-filters [aria-current="true"]').get_text()
    assert current == "News (1)"
    # An unknown kind shows everything rather than nothing.
    assert len(result_titles(search(client, "Thriving at Work", type="recipes"))) == 3


def test_results_are_paginated_and_keep_the_filter(client, initial_content):
    for number in range(12):
        initial_content.add_child(
            instance=StandardPage(
                title=f"Workforce planning note {number}",
                slug=f"note-{number}",
                body=[("paragraph", "<p>Strategic workforce planning.</p>")],
            )
        )
    first = search(client, "workforce planning note", type="pages")
    assert len(result_titles(first)) == 10
    next_link = html(first).select_one("a.nhsuk-pagination__link--next")
    assert "Page 2 of 2" in next_link.get_text()
    assert "type=pages" in next_link["href"]
    assert len(result_titles(client.get("/search/" + next_link["href"]))) == 2


# The empty and the fruitless search --------------------------------------------------------


def test_an_empty_query_offers_upcoming_workshops_and_latest_reports(client, site_with_demo):
    soup = html(client.get("/search/"))

    assert soup.main.h1.get_text() == "Search"
    assert "Type what you are looking for" in soup.main.get_text()
    headings = [h2.get_text(strip=True) for h2 in soup.main.select("h2")]
    assert headings == ["Upcoming workshops", "Latest reports"]
    assert EXAMPLE_WORKSHOP in soup.main.get_text() and THRIVING_REPORT in soup.main.get_text()


def test_no_results_suggests_what_to_try(client, site_with_demo):
    soup = html(search(client, "xylophone"))

    text = soup.main.get_text(" ")
    assert "No results for ‘xylophone’" in text
    assert "check the spelling" in text and "Oxford Health" in text
    assert EXAMPLE_WORKSHOP in text, "and somewhere to go next"


# Editors' tools ----------------------------------------------------------------------------


def test_a_promoted_result_comes_first_once(client, site_with_demo):
    about = StandardPage.objects.get(slug="about")
    SearchPromotion.objects.create(query=Query.get("Workforce Planning"), page=about, sort_order=0)

    soup = html(search(client, "workforce planning"))

    titles = result_titles(search(client, "workforce planning"))
    assert titles[0] == "About the Collaborative"
    assert titles.count("About the Collaborative") == 1
    first = soup.select_one(".search-results li")
    assert "Recommended" in first.select_one(".search-result__meta").get_text()


def test_searches_are_counted_for_the_search_terms_report(client, site_with_demo, log_in):
    search(client, "Workforce planning")
    search(client, "workforce  planning")
    search(client, "workforce planning", page=2)

    assert Query.get("workforce planning").hits == 2, "the first page of each search, not every page turned"
    log_in(superuser=True)
    report = client.get(reverse("wagtailsearchpromotions:search_terms"))
    assert report.status_code == 200
    assert "workforce planning" in report.content.decode()


# The index follows publishing ------------------------------------------------------------


def test_unpublished_and_private_pages_are_never_found(client, initial_content):
    StandardPage.objects.get(slug="contact-us").unpublish()
    PageViewRestriction.objects.create(
        page=StandardPage.objects.get(slug="about"),
        restriction_type="password",
        password="secret",  # noqa: S106
    )
    assert result_titles(search(client, "Joanna Daci")) == []
    assert result_titles(search(client, "Birmingham")) == []


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_private_workshops_news_and_reports_are_never_found_nor_suggested(client, private_content):
    for page in (private_content.workshop, private_content.news, private_content.report):
        SearchPromotion.objects.create(query=Query.get(SECRET.lower()), page=page, sort_order=0)
    for query in (SECRET, "listing summary", "meta description"):
        response = search(client, query)
        assert response.status_code == 200
        # The query itself is shown back; the results are what must say nothing.
        assert SECRET not in " ".join(item.get_text() for item in html(response).select(".search-results li"))
        links = [link["href"] for link in html(response).select(".search-results a")]
        assert not {private_content.workshop.url, private_content.news.url, private_content.report.url} & set(links)
    # The empty search suggests upcoming workshops and the latest reports.
    empty = client.get("/search/")
    assert "Open workshop" in empty.content.decode()
    assert SECRET not in empty.content.decode()


def test_the_index_follows_what_is_published(client, initial_content):
    about = StandardPage.objects.get(slug="about")
    about.body = [("paragraph", "<p>Kaleidoscope of trusts.</p>")]
    about.save_revision()
    assert result_titles(search(client, "kaleidoscope")) == [], "a draft is not searchable"

    about.get_latest_revision().publish()
    assert result_titles(search(client, "kaleidoscope")) == ["About the Collaborative"]
    assert result_titles(search(client, "Birmingham")) == [], "the old words are gone"

    about.refresh_from_db()
    about.unpublish()
    assert result_titles(search(client, "kaleidoscope")) == []


# What is searchable ------------------------------------------------------------------------


def test_speakers_venues_audiences_authors_documents_and_tags_are_searchable(client, initial_content):
    index = NewsAndEventsIndexPage.objects.get()
    from events.models import AudienceRole

    venue = make_venue(name="The Quokka Centre", address_line_1="1 Road", town_or_city="Wolverhampton")
    event = add_event(index, "midlands-workshop", timezone.localdate() + timedelta(days=60), venue=venue)
    event.audience.add(AudienceRole.objects.create(name="Chief Zephyr Officer"))
    event.save_revision().publish()
    news = NewsPage(title="Newsworthy", slug="newsworthy", summary="Something happened.")
    index.add_child(instance=news)
    news.tags.add("Marmalade")
    news.save_revision().publish()
    reports = ReportIndexPage.objects.get()
    report = add_report(reports, "authored", date(2025, 1, 1), title="Authored", authors="Tavistock Quillwork Group")
    report.documents.add(ReportDocument(document=make_document("Axolotl survey results", "survey.pdf", pdf_bytes(1))))
    report.save_revision().publish()

    assert result_titles(search(client, "Quokka"))[0] == "Midlands workshop"
    assert result_titles(search(client, "Wolverhampton"))[0] == "Midlands workshop"
    assert result_titles(search(client, "Zephyr"))[0] == "Midlands workshop"
    assert result_titles(search(client, "Quillwork"))[0] == "Authored"
    assert result_titles(search(client, "Axolotl"))[0] == "Authored"
    assert result_titles(search(client, "Marmalade"))[0] == "Newsworthy"


# Cost and robustness -----------------------------------------------------------------------


def add_matching_news(number, word):
    index = NewsAndEventsIndexPage.objects.get()
    for position in range(number):
        add_news(index, f"{word}-{position}", timezone.localdate() - timedelta(days=position), summary=f"On {word}.")


QUERY_BUDGET = 15


@pytest.mark.parametrize("matches", [2, 45], ids=["few matches", "many matches"])
@pytest.mark.parametrize("params", [{}, {"page": "2"}, {"type": "news"}], ids=["first page", "page 2", "one kind"])
def test_a_results_page_takes_the_same_few_queries_however_many_match(
    client, initial_content, django_assert_max_num_queries, matches, params
):
    add_matching_news(matches, "zanzibar")
    search(client, "zanzibar", **params)  # warm Wagtail's site caches, as a running server has

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = search(client, "zanzibar", **params)

    assert response.status_code == 200
    on_page_two = params.get("page") == "2" and matches > 10
    assert len(result_titles(response)) == (min(matches - 10, 10) if on_page_two else min(matches, 10))


def test_many_matches_cost_no_query_per_match(client, initial_content):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_matching_news(2, "zanzibar")
    add_matching_news(45, "quagga")
    counts = {}
    for word in ("zanzibar", "quagga"):
        search(client, word)
        with CaptureQueriesContext(connection) as captured:
            search(client, word)
        counts[word] = len(captured)

    assert counts["zanzibar"] == counts["quagga"], counts


def ranked_as_the_rules_say(query):
    """
    The order the ranking rules give, worked out here in Python from the
    search backend's own results and scores, as the site once did: titles
    holding every word first, then titles holding a form of each word that
    is not a stop word, then the score weighted by kind, by a title
    starting with the query and by a workshop still to come; equals kept in
    the backend's order.
    """
    from wagtail.models import Page

    from events.models import BookingFormPage
    from home.models import HomePage
    from search.language import STOP_WORDS, Synonyms, search_query, stem, words_of
    from search.views import STARTS_WITH_QUERY, TYPE_WEIGHTS, UPCOMING

    searchable = Page.objects.live().not_type(HomePage, BookingFormPage)
    matches = list(searchable.search(search_query(query, Synonyms([]))).annotate_score("_score"))
    specific = searchable.filter(pk__in=[page.pk for page in matches]).specific().in_bulk()
    words = words_of(query)

    def key(page):
        own = specific[page.pk]
        title_words = words_of(page.title)
        weight = TYPE_WEIGHTS.get(type(own), 1.0)
        if " ".join(title_words).startswith(" ".join(words)):
            weight *= STARTS_WITH_QUERY
        if isinstance(own, EventPage) and own.date >= timezone.localdate():
            weight *= UPCOMING
        holds_forms = all(
            any(title_word.startswith(stem(word)) for title_word in title_words)
            for word in words
            if word not in STOP_WORDS
        )
        return (all(word in title_words for word in words), holds_forms, abs(page._score) * weight)

    return [page.title for page in sorted(matches, key=key, reverse=True)]


def every_result_title(client, query):
    """The titles on every page of results, in order (a page past the last shows the last again)."""
    titles, previous, page = [], None, 1
    while (shown := result_titles(search(client, query, page=str(page)))) != previous:
        titles += shown
        previous, page = shown, page + 1
    return titles


@pytest.mark.parametrize("query", ["workshop", "okapi", "thriving at work", "report", "workforce planning"])
def test_the_database_ranks_as_the_rules_say(client, site_with_demo, query):
    """
    Ranking in the database gives the order of the rules, page after page,
    including among equals: identical pages (equal scores on PostgreSQL)
    keep the backend's order, the newest first.
    """
    index = NewsAndEventsIndexPage.objects.get()
    day = timezone.localdate()
    for position in range(12):
        add_news(index, f"twin-{position}", day, title="Twin note", summary="Okapi sightings at the workshop.")
    reports = ReportIndexPage.objects.get()
    add_report(reports, "planning-report", date(2025, 1, 1), title="Workforce planning report")
    add_event(index, "future-okapi", day + timedelta(days=30), title="Okapi workshop")
    add_event(index, "past-okapi", day - timedelta(days=30), title="Okapi workshop")

    expected = ranked_as_the_rules_say(query)

    assert len(expected) > 1
    assert every_result_title(client, query) == expected


def test_a_title_holding_the_words_beats_one_holding_part_of_a_word(client, initial_content):
    """'report' in the title is the word, not 'reporting' or 'Reports': whole words, as typed."""
    index = NewsAndEventsIndexPage.objects.get()
    day = timezone.localdate()
    add_news(index, "reporting", day, title="Reporting on capybara numbers", summary="Capybara capybara capybara.")
    add_news(index, "capybara-report", day, title="A capybara report", summary="Capybara.")

    assert result_titles(search(client, "capybara report"))[0] == "A capybara report"


def test_promoted_pages_are_not_counted_twice(client, site_with_demo):
    report = ReportPage.objects.get()
    SearchPromotion.objects.create(query=Query.get("Thriving at Work"), page=report, sort_order=0)

    soup = html(search(client, "Thriving at Work"))

    filters = [item.get_text(" ", strip=True) for item in soup.select(".search-filters li")]
    assert filters == ["All results (2)", "Workshops and events (1)", "News (1)"]
    assert soup.select_one("#result-count").get_text() == "3 results for ‘Thriving at Work’"
    assert result_titles(search(client, "Thriving at Work")).count(THRIVING_REPORT) == 1


@pytest.mark.parametrize(
    "query",
    [
        "a" * 5000,
        "'; DROP TABLE wagtailcore_page; --",
        '"unbalanced',
        "(((",
        "AND OR NOT",
        "NEAR(a b)",
        "title:report",
        "report*",
        "\u202e\u0000x",
        "%_*?",
        "-",
        "^",
        "🏥🏥",
        "the a of",
    ],
)
def test_odd_input_never_breaks_the_page(client, initial_content, query):
    response = client.get("/search/", {"q": query, "page": "not-a-number", "type": "<script>"})
    assert response.status_code == 200
    value = html(response).select_one("#search-page-field")["value"]
    assert len(value) <= 255


def test_random_queries_never_break_the_page(client, initial_content):
    rng = random.Random(20261124)  # noqa: S311 (a repeatable fuzz, not a secret)
    alphabet = [chr(code) for code in range(0, 0x250)] + list("漢字😀\u200b\u202e\ufeff*\"'():^-+~")
    for _ in range(60):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, repr(query)


def test_a_query_is_tidied_before_it_is_searched():
    from search.views import clean_query

    assert clean_query('  "strategic\tworkforce"\n planning\u200b ') == "strategic workforce planning"
    assert len(clean_query("x" * 1000)) == 255


def test_editors_choose_promoted_results_in_the_admin(client, site_with_demo, log_in):
    log_in("Editors")

    listing = client.get(reverse("wagtailsearchpromotions:index"))
    add_form = client.get(reverse("wagtailsearchpromotions:add"))

    assert listing.status_code == 200
    assert add_form.status_code == 200


def test_search_hits_are_counted_by_the_worker(initial_content, queued_in_the_database, client):
    """The visitor's search does not wait on the count's writes: the worker makes them."""
    from wagtail.contrib.search_promotions.models import Query

    from tests.conftest import run_worker

    client.get("/search/", {"q": "workforce"})

    assert not Query.objects.filter(query_string="workforce").exists(), "the visitor's request does not write it"
    run_worker()
    assert Query.objects.get(query_string="workforce").hits == 1
