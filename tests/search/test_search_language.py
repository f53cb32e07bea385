"""
Search speaks the Collaborative's language: English word forms on both
databases, the synonyms editors keep (loaded from the source texts' own
usage, and changed in the admin with effect at the next search), "Did you
mean" for typing slips, and an honest page when nothing matches.
tests/search/test_search.py's relevance table holds the queries and the page
each must find first, on SQLite and PostgreSQL.
"""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from wagtail.search.query import And, Or, Phrase, PlainText

from search.initial_content import SYNONYMS
from search.language import Synonyms, search_query, suggestion
from search.models import SearchSynonym
from tests.conftest import html

pytestmark = pytest.mark.django_db

PSYCHOLOGICAL_SUPPORT = "Videoconference on psychological support for NHS staff"


def result_titles(response):
    return [a.get_text(strip=True) for a in html(response).select(".search-results h3 a")]


def search(client, query):
    return client.get("/search/", {"q": query})


def add_synonym(client, term, stands_for):
    return client.post("/admin/snippets/search/searchsynonym/add/", {"term": term, "stands_for": stands_for})


# Word forms --------------------------------------------------------------------------------


def test_both_databases_stem_english_words():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'wagtailsearch_indexentry_fts'")
            (created,) = cursor.fetchone()
        assert "porter" in created
    assert settings.WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] == "english"


def test_a_query_of_stop_words_only_still_finds_titles(client, initial_content):
    # "about" is a stop word to both databases: the title still matches.
    assert result_titles(search(client, "about"))[0] == "About the Collaborative"


# The query handed to the search ------------------------------------------------------------


def test_abbreviations_and_names_are_searched_as_any_of_their_forms():
    synonyms = Synonyms(
        [("PTSD", ["Post Traumatic Stress Disorder"]), ("STP", ["Sustainability and Transformation Partnership"])]
    )

    # Wagtail's query objects compare by what they say (their repr).
    assert repr(search_query("why PTSD support", synonyms)) == repr(
        And(
            [
                PlainText("support", operator="and"),
                Or([PlainText("ptsd"), Phrase("post traumatic stress disorder"), PlainText("ptsds")]),
            ]
        )
    )
    # Both ways, the longest name first, and an abbreviation's plural as the texts write it ("STPs").
    assert repr(search_query("Post-traumatic stress disorder", synonyms)) == repr(search_query("PTSD", synonyms))
    assert repr(search_query("STPs", synonyms)) == repr(search_query("STP", synonyms))
    assert search_query("the of and", synonyms) is None


def test_a_suggestion_corrects_only_unknown_words_keeping_the_case_typed():
    vocabulary = {"workforce": "Workforce", "planning": "planning", "malmaison": "Malmaison"}

    assert suggestion("workfroce planning", vocabulary) == "workforce planning"
    assert suggestion("Malmasion Manchester", vocabulary) == "Malmaison Manchester"
    assert suggestion("workforce planning", vocabulary) is None
    assert suggestion("zzzz qqqq", vocabulary) is None
    # A word repeated is compared once; too many unknown words is not a slip: nothing is suggested.
    assert suggestion("workfroce workfroce workfroce workfroce workfroce", vocabulary) == " ".join(["workforce"] * 5)
    assert suggestion("workfroce plannign malmasion wrokforce plannnig", vocabulary) is None


# The synonyms editors keep -----------------------------------------------------------------


def test_the_initial_synonyms_are_loaded_once_and_editors_keep_them(initial_content):
    assert sorted(SearchSynonym.objects.values_list("term", flat=True)) == sorted(term for term, _ in SYNONYMS)

    SearchSynonym.objects.filter(term="MH").delete()
    SearchSynonym.objects.filter(term="HEE").update(stands_for="Health Education England\nHealth Education")
    call_command("load_initial_content", stdout=io.StringIO())

    assert not SearchSynonym.objects.filter(term="MH").exists()
    assert SearchSynonym.objects.get(term="HEE").meanings == ["Health Education England", "Health Education"]


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_an_editor_adds_a_synonym_and_the_next_search_uses_it(client, initial_content, log_in, role):
    assert result_titles(search(client, "psychological first aid")) == []

    log_in(role)
    settings_menu = client.get("/admin/")
    assert b"Search synonyms" in settings_menu.content
    response = add_synonym(client, "psychological first aid", "psychological support")
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()

    assert result_titles(search(client, "psychological first aid"))[0] == PSYCHOLOGICAL_SUPPORT


@pytest.mark.parametrize(
    ("term", "stands_for", "message"),
    [
        ("PTSD", "", "This field is required."),
        ("PTSD", "PTSD", "A line repeats the term itself"),
        ("--", "Something", "Give a term with at least one letter or digit."),
        ("HEE", "Health Education England", "Search synonym with this Term already exists."),
    ],
)
def test_a_synonym_that_cannot_work_is_refused_with_a_reason(
    client, initial_content, log_in, term, stands_for, message
):
    log_in("Editors")
    response = add_synonym(client, term, stands_for)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_booking_administrators_cannot_change_synonyms(client, initial_content, log_in):
    log_in("Booking administrators")
    assert add_synonym(client, "OD", "organisation development").status_code in (302, 403)
    assert not SearchSynonym.objects.filter(stands_for="organisation development").exists()


# When nothing matches ----------------------------------------------------------------------


def test_no_results_says_so_first_then_offers_what_was_meant_then_what_is_not_a_result(client, initial_content):
    soup = html(search(client, "workfroce"))
    column = soup.select_one("main .nhsuk-grid-column-two-thirds")
    headings = [heading.get_text(" ", strip=True) for heading in column.select("h2")]

    assert headings[0] == "No results for ‘workfroce’"
    assert column.select_one(".search-suggestion a").get_text(strip=True) == "workforce"
    note = column.select_one(".search-browse-note").get_text(" ", strip=True)
    assert "These are not search results" in note
    # The note comes before the workshops and reports it describes.
    text = column.get_text(" ", strip=True)
    assert text.index("No results") < text.index("Did you mean") < text.index("These are not search results")
    if "Upcoming workshops" in headings:
        assert text.index("These are not search results") < text.index("Upcoming workshops")


def test_a_search_that_finds_a_little_offers_a_better_query_above_its_results(client, initial_content):
    soup = html(search(client, "Birmigham"))
    assert soup.select_one(".search-suggestion a").get_text(strip=True) == "Birmingham"


def test_no_suggestion_is_offered_when_the_query_is_spelt_right(client, initial_content):
    assert html(search(client, "workforce planning")).select_one(".search-suggestion") is None
    assert html(search(client, "xylophone")).select_one(".search-suggestion") is None


def test_without_a_shared_cache_the_known_words_are_read_once_in_a_while(client, initial_content, settings, clock):
    from datetime import timedelta

    from search import views

    settings.SHARED_CACHE = False
    views._known_words_in_process.update(words=None, read_at=None)
    first = views.known_words()
    assert "malmaison" in first
    assert views.known_words() is first
    clock.shift(views.KNOWN_WORDS_IN_PROCESS_FOR + timedelta(seconds=1))
    assert views.known_words() is not first
    views._known_words_in_process.update(words=None, read_at=None)


def test_a_common_word_cannot_be_a_term(client, initial_content, log_in):
    log_in("Editors")
    response = add_synonym(client, "IT", "information technology")

    assert response.status_code == 200
    assert "Search leaves out common words such as “it”" in response.content.decode()


def test_a_site_that_had_no_synonyms_gets_the_initial_list_from_its_next_migrate():
    # The test database is made by the migrations, as a release's migrate is.
    assert set(SearchSynonym.objects.values_list("term", flat=True)) == {term for term, _ in SYNONYMS}
