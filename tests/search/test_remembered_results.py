"""
A search's ranked results are remembered until a page is published,
unpublished, moved, deleted or made private, so that a common word's ranking
over thousands of matches is paid once per change to the site; every such
change shows in the very next search.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import NewsAndEventsIndexPage
from tests.conftest import html, restrict
from tests.events.factories import add_news

pytestmark = pytest.mark.django_db

WORD = "lighthouse"


@pytest.fixture
def news_about_the_word(initial_content, committing):
    index = NewsAndEventsIndexPage.objects.get()
    with committing():
        return [
            add_news(
                index,
                f"lighthouse-{number}",
                timezone.localdate() - timedelta(days=number),
                title=f"The {WORD} programme, part {number}",
            )
            for number in range(1, 4)
        ]


def searched(query, **params):
    with CaptureQueriesContext(connection) as captured:
        response = Client().get("/search/", {"q": query, **params})
    assert response.status_code == 200
    titles = [link.get_text(strip=True) for link in html(response).select(".search-results h3 a")]
    ranked_again = any("wagtailsearch_indexentry" in query["sql"] for query in captured.captured_queries)
    return titles, ranked_again


def test_the_same_search_again_is_not_ranked_again(news_about_the_word):
    first, ranked = searched(WORD)
    assert ranked
    again, ranked_again = searched(WORD)
    assert again == first and len(first) == 3
    assert not ranked_again
    # Another kind, another page, another query: ranked afresh.
    assert searched(WORD, type="news")[1]
    assert searched(f"{WORD} programme")[1]


def test_a_page_published_shows_in_the_next_search(news_about_the_word, committing):
    searched(WORD)
    with committing():
        item = add_news(
            NewsAndEventsIndexPage.objects.get(), "lighthouse-new", timezone.localdate(), title="A new item"
        )
        item.unpublish()
    assert len(searched(WORD)[0]) == 3
    # As an editor does: the word added in a draft, then published.
    item.title = f"A new {WORD} item"
    with committing():
        item.save_revision().publish()
    titles, ranked = searched(WORD)
    assert ranked
    assert f"A new {WORD} item" in titles and len(titles) == 4


def test_a_result_unpublished_or_made_private_leaves_the_next_search(news_about_the_word, committing):
    first, second, third = news_about_the_word
    searched(WORD)
    with committing():
        first.unpublish()
    titles, _ = searched(WORD)
    assert first.title not in titles and len(titles) == 2

    with committing():
        restrict(second)
    titles, _ = searched(WORD)
    assert titles == [third.title]


def test_without_a_shared_cache_every_search_is_ranked(news_about_the_word, settings):
    settings.SHARED_CACHE = False
    searched(WORD)
    assert searched(WORD)[1]
