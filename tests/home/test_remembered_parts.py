"""
A page's own blocks (a body, a report's contents and body, a workshop's
aims and agenda) are rendered once and remembered until the page changes:
every visitor gets them unrendered again, a published change, a change made
in code, a linked page moved and a document changed show at once, and an
editor's preview of a draft is never kept or shown to anyone else.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page
from wagtail.rich_text import RichText

from home import page_cache
from home.models import StandardPage
from tests.conftest import html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pages_rendered_afresh(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def about(initial_content):
    return Page.objects.get(slug="about").specific


def body_text(response):
    return html(response).select_one("main").get_text(" ", strip=True)


def with_paragraph(page, text):
    page.body = [("paragraph", RichText(text))]
    return page


def rendered(path):
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(path)
    assert response.status_code == 200
    return response, [query["sql"] for query in captured.captured_queries]


def remembered_parts():
    from django.core.cache import cache

    return [key for key in cache._cache if ":page-part:" in key]


def test_a_body_is_rendered_once_and_kept_for_every_visitor(about, committing):
    news_and_events = Page.objects.get(slug="news-and-events")
    with committing():
        with_paragraph(about, f'<p>See <a linktype="page" id="{news_and_events.pk}">our events</a>.</p>')
        about.save_revision().publish()

    first, first_queries = rendered(about.url)
    again, queries = rendered(about.url)
    assert remembered_parts()
    assert 'href="/news-and-events/"' in first.content.decode()
    assert body_text(again) == body_text(first)
    # The link's page was looked up to render it, the first time only.
    assert len(queries) < len(first_queries)


def test_a_published_change_and_a_change_made_in_code_show_at_once(about, committing):
    rendered(about.url)
    with committing():
        with_paragraph(about, "<p>Published words.</p>").save_revision().publish()
    assert "Published words." in body_text(rendered(about.url)[0])

    with committing():
        with_paragraph(StandardPage.objects.get(pk=about.pk), "<p>Saved in code.</p>").save()
    assert "Saved in code." in body_text(rendered(about.url)[0])


def test_a_linked_page_given_a_new_address_is_linked_there_at_once(about, committing):
    reports = Page.objects.get(slug="reports").specific
    with committing():
        with_paragraph(about, f'<p>Read <a linktype="page" id="{reports.pk}">our reports</a>.</p>')
        about.save_revision().publish()
    rendered(about.url)

    reports.slug = "publications"
    with committing():
        reports.save_revision().publish()
    page = rendered(about.url)[0].content.decode()
    assert 'href="/publications/"' in page
    assert 'href="/reports/"' not in page


def test_a_preview_of_a_draft_is_neither_kept_nor_shown_to_visitors(about, committing, admin_client):
    with committing():
        with_paragraph(about, "<p>Live words.</p>").save_revision().publish()
    rendered(about.url)

    draft = with_paragraph(StandardPage.objects.get(pk=about.pk), "<p>Draft words nobody may see yet.</p>")
    preview = draft.make_preview_request(original_request=None)
    assert "Draft words nobody may see yet." in preview.content.decode()

    page = body_text(rendered(about.url)[0])
    assert "Live words." in page
    assert "Draft words" not in page


def test_nothing_remembered_is_used_while_a_clearing_is_owed(about, committing):
    from home.models import PageCacheClear

    rendered(about.url)
    changed = with_paragraph(about, "<p>Changed while Redis was away.</p>").body
    StandardPage.objects.filter(pk=about.pk).update(body=changed)
    PageCacheClear.objects.create()
    assert "Changed while Redis was away." in body_text(rendered(about.url)[0])


def test_without_a_shared_cache_a_body_is_rendered_for_every_request(about, settings):
    settings.SHARED_CACHE = False
    page_cache.forget_in_process()
    rendered(about.url)
    assert not remembered_parts()
