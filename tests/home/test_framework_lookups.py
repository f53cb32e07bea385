"""
What every request asks the framework (which Site, which page a path names,
the page's view restrictions, the site's settings, the breadcrumbs' pages)
is remembered until content changes, in each process's memory and the
shared cache: a page rendered afresh reads only the page and what it shows.
Every change that could alter an answer (a page unpublished, moved, renamed,
made private; a setting saved; a change made in another process) is seen by
the next request.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page, get_page_models

from events.models import NewsAndEventsIndexPage
from home import page_cache
from home.models import PageCacheClear, SiteSettings
from home.restrictions import ViewRestrictionsByPathMixin
from tests.conftest import html, restrict
from tests.events.factories import add_booking_form, add_event

pytestmark = pytest.mark.django_db

# What a page served once more must not ask the database again.
FRAMEWORK_TABLES = ("wagtailcore_site", "wagtailcore_pageviewrestriction", "home_sitesettings")


@pytest.fixture(autouse=True)
def pages_rendered_afresh(settings):
    """Whole pages not cached, so that every request renders its page; the look-ups are still remembered."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.SHARED_CACHE = True


@pytest.fixture
def workshop(initial_content, committing):
    with committing():
        event = add_event(
            NewsAndEventsIndexPage.objects.get(),
            "remembered-workshop",
            timezone.localdate() + timedelta(days=30),
            title="Remembered workshop",
        )
        add_booking_form(event)
    return event


def queries_for(path, client=None):
    with CaptureQueriesContext(connection) as captured:
        response = (client or Client()).get(path)
    return response, [query["sql"] for query in captured.captured_queries]


def asked_of(tables, queries):
    return [sql for sql in queries if any(f'FROM "{table}"' in sql for table in tables)]


def test_a_page_served_again_asks_nothing_the_framework_already_knows(workshop):
    first, first_queries = queries_for(workshop.url)
    again, queries = queries_for(workshop.url)

    assert first.status_code == again.status_code == 200
    assert asked_of(FRAMEWORK_TABLES, first_queries), "the first request looks them up"
    assert not asked_of(FRAMEWORK_TABLES, queries)
    # The page itself is read once, as its own type: no walk down the tree.
    page_reads = [sql for sql in queries if 'FROM "events_eventpage"' in sql and "remembered-workshop" not in sql]
    assert len(page_reads) == 1
    assert len(queries) < len(first_queries)
    assert "Remembered workshop" in html(again).h1.get_text()


def ancestors_read(queries):
    """Wagtail's ancestor_of(): the pages whose paths begin the page's own."""
    return [
        sql
        for sql in queries
        if '"wagtailcore_page"."path" IN (' in sql and 'ORDER BY "wagtailcore_page"."depth"' in sql
    ]


def test_the_breadcrumbs_of_a_page_in_a_section_are_remembered_and_deeper_ones_read(workshop):
    assert ancestors_read(queries_for(workshop.url)[1])
    assert not ancestors_read(queries_for(workshop.url)[1])

    # A booking form's ancestors include its workshop, whose changes clear only its own address.
    form = workshop.get_children().get()
    queries_for(form.url)
    response, queries = queries_for(form.url)
    assert ancestors_read(queries)
    crumbs = [link.get_text(strip=True) for link in html(response).select(".nhsuk-breadcrumb a")]
    assert "Remembered workshop" in crumbs


def test_a_published_change_is_shown_at_once(workshop, committing):
    queries_for(workshop.url)
    workshop.title = "Renamed workshop"
    with committing():
        workshop.save_revision().publish()

    response, _ = queries_for(workshop.url)
    assert "Renamed workshop" in html(response).h1.get_text()
    form = workshop.get_children().get()
    crumbs = [link.get_text(strip=True) for link in html(queries_for(form.url)[0]).select(".nhsuk-breadcrumb a")]
    assert "Renamed workshop" in crumbs


def test_an_unpublished_page_is_not_found_at_its_remembered_address(workshop, committing):
    assert queries_for(workshop.url)[0].status_code == 200
    with committing():
        workshop.unpublish()
    assert queries_for(workshop.url)[0].status_code == 404


def test_a_page_made_not_live_in_code_without_wagtails_signal_is_not_served(workshop):
    assert queries_for(workshop.url)[0].status_code == 200
    Page.objects.filter(pk=workshop.pk).update(live=False)
    assert queries_for(workshop.url)[0].status_code == 404


def test_a_new_slug_moves_the_page_and_its_old_address_redirects_there(workshop, committing):
    old_url = workshop.url
    assert queries_for(old_url)[0].status_code == 200
    workshop.slug = "moved-workshop"
    with committing():
        workshop.save_revision().publish()
    workshop.refresh_from_db()

    assert queries_for(workshop.url)[0].status_code == 200
    # Wagtail's own redirect from the old address, not the page remembered there.
    moved = queries_for(old_url)[0]
    assert (moved.status_code, moved["Location"]) == (301, workshop.url)


def test_a_page_made_private_after_it_was_remembered_asks_for_the_password(workshop, committing):
    queries_for(workshop.url)
    queries_for(workshop.url)
    with committing():
        restrict(workshop)

    response, queries = queries_for(workshop.url)
    assert html(response).select_one("input[name=password]") is not None
    assert "Remembered workshop" not in html(response).get_text()
    assert asked_of(("wagtailcore_pageviewrestriction",), queries), "a private page's restriction is read"


def test_saved_settings_are_shown_at_once(initial_content, committing):
    queries_for("/")
    site_settings = SiteSettings.objects.get()
    site_settings.organisation_name = "A renamed Collaborative"
    with committing():
        site_settings.save()
    assert "A renamed Collaborative" in html(queries_for("/")[0]).get_text()


def test_a_change_made_in_another_process_is_seen_by_the_next_request(initial_content):
    """Another process's change moves the shared generation on; this process's memory is then not used."""
    from django.core.cache import cache

    queries_for("/")
    # As another process would: the row changed there, then the shared generation moved on.
    SiteSettings.objects.update(organisation_name="Changed elsewhere")
    assert "Changed elsewhere" not in html(queries_for("/")[0]).get_text(), "remembered until told otherwise"
    cache.incr(page_cache.GENERATION_KEY)

    response, queries = queries_for("/")
    assert "Changed elsewhere" in html(response).get_text()
    assert asked_of(("home_sitesettings",), queries)


def test_nothing_remembered_is_used_while_a_clearing_of_the_cache_is_owed(initial_content):
    queries_for("/")
    SiteSettings.objects.update(organisation_name="Changed while Redis was away")
    PageCacheClear.objects.create()

    response, queries = queries_for("/")
    assert "Changed while Redis was away" in html(response).get_text()
    assert asked_of(("home_sitesettings",), queries)


def test_made_up_addresses_fill_neither_memory_nor_the_cache(initial_content):
    page_cache.forget_in_process()
    for number in range(30):
        assert Client().get(f"/no-such-page-{number}/").status_code == 404
    assert not [key for key in page_cache._in_process if ":route:" in key]


def test_every_page_type_of_the_site_takes_its_view_restrictions_from_the_remembered_paths():
    site_page_types = [model for model in get_page_models() if model._meta.app_label in ("home", "events", "reports")]
    assert site_page_types
    assert [model for model in site_page_types if not issubclass(model, ViewRestrictionsByPathMixin)] == []


def test_without_a_shared_cache_nothing_is_kept_beyond_the_request(initial_content, settings):
    settings.SHARED_CACHE = False
    queries_for("/")
    _, queries = queries_for("/")
    assert asked_of(("wagtailcore_site", "home_sitesettings"), queries)


def test_a_page_for_signed_in_people_sends_visitors_to_a_working_sign_in_page(workshop, committing):
    with committing():
        restrict(workshop, "login")
    refused = Client().get(workshop.url)
    assert refused.status_code == 302
    sign_in = Client().get(refused["Location"])
    assert sign_in.status_code == 200
    assert sign_in.context["form"] is not None


def test_a_page_added_below_an_alias_of_a_private_page_is_private_too(initial_content, committing):
    """Wagtail takes an alias's view restrictions from its original, wherever that is."""
    from wagtail.models import PageViewRestriction

    from home.models import StandardPage

    about = Page.objects.get(slug="about").specific
    with committing():
        original = about.add_child(instance=StandardPage(title="Members' area", slug="members"))
        restrict(original)
        alias = original.create_alias(parent=initial_content, update_slug="network")
        # Wagtail copies the restriction to the alias; an editor may take the copy off.
        PageViewRestriction.objects.filter(page=alias).delete()
        below = alias.add_child(instance=StandardPage(title="Network notes Zanzibar", slug="notes"))

    for _ in range(2):  # and once remembered
        response = Client().get(below.url)
        assert html(response).select_one("input[name=password]") is not None
        assert "Zanzibar" not in html(response).get_text()


def test_publishing_the_contact_page_of_the_site_settings_clears_every_remembered_part(initial_content, committing):
    """The settings, remembered with their contact page, show whether it is live: its publishing changes every page."""
    from home.models import StandardPage

    about = Page.objects.get(slug="about").specific
    with committing():
        contact = about.add_child(instance=StandardPage(title="Contact us", slug="contact-us", live=False))
        SiteSettings.objects.update(contact_page=contact)
    queries_for("/")
    with committing():
        contact.save_revision().publish()

    _, queries = queries_for("/")
    assert asked_of(("home_sitesettings",), queries), "the settings are read again, with the page now live"
