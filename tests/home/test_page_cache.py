"""
The page cache: anonymous visitors share rendered public pages until
something they show changes, and only those pages are rendered again (a
booking refreshes its workshop and the listings of places, not the reports);
nothing personal (a session, a CSRF token, an editor's view) is ever stored
or shared.
"""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from events.booking.rules import cancel_booking
from events.models import Booking, NewsAndEventsIndexPage
from home.models import FooterLink, PageCacheClear, StandardPage
from home.page_cache import HIT_HEADER
from reports.models import ReportDocument, ReportIndexPage
from tests.conftest import html, restrict
from tests.events.factories import add_booking_form, add_event, add_news, booking_answers, make_booking, make_venue
from tests.reports.factories import add_report, make_document, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def workshop(initial_content, committing):
    with committing():
        event = add_event(
            NewsAndEventsIndexPage.objects.get(),
            "cached-workshop",
            timezone.localdate() + timedelta(days=30),
            title="Cached workshop",
            capacity=10,
        )
        add_booking_form(event)
    return event


@pytest.fixture
def report(initial_content, committing):
    """A report that names no workshop and links no page: nothing a booking or a news item changes."""
    with committing():
        return add_report(ReportIndexPage.objects.get(), "cached-report", timezone.localdate(), title="Cached report")


class UnreachableCache:
    """A cache server that cannot be reached: every call fails."""

    def __getattr__(self, name):
        raise ConnectionError("cache unreachable")


def visit(path, client=None):
    response = (client or Client()).get(path)
    assert response.status_code == 200, path
    return response


def menu_links(response):
    return [link["href"] for link in html(response).select("header nav a")]


def cached(*paths):
    """Visit each page until it is in the cache (the second visit is served from it)."""
    for path in paths:
        visit(path)
        assert visit(path)[HIT_HEADER] == "hit", path


def served_from_cache(path):
    return visit(path)[HIT_HEADER] == "hit"


def card_places(response, title):
    """What a listing's card for the workshop called `title` says about booking."""
    [card] = [card for card in html(response).select(".event-card") if title in card.get_text()]
    return card.select_one(".event-card__booking").get_text(" ", strip=True)


def test_a_second_visitor_gets_the_page_from_the_cache_with_one_small_query(initial_content, django_assert_num_queries):
    first = visit("/")
    assert first[HIT_HEADER] == "miss"

    # The one query asks whether a clearing of the cache is still owed.
    with django_assert_num_queries(1):
        second = visit("/")
    assert second[HIT_HEADER] == "hit"
    assert second.content == first.content
    assert "Set-Cookie" not in second
    # The security headers are added to a cached page too.
    assert "script-src 'self'" in second["Content-Security-Policy"]


def test_publishing_a_change_is_seen_at_once(initial_content, committing):
    about = Page.objects.get(slug="about").specific
    visit(about.url)
    assert visit(about.url)[HIT_HEADER] == "hit"

    about.title = "About the Collaborative, updated"
    with committing():
        about.save_revision().publish()

    fresh = visit(about.url)
    assert fresh[HIT_HEADER] == "miss"
    assert "About the Collaborative, updated" in fresh.content.decode()


def test_a_browser_holding_the_page_is_answered_not_modified_until_it_changes(
    initial_content, committing, django_assert_max_num_queries
):
    """
    An ETag on every page, and 304 with no body to a browser that sends it
    back, from the cache too; never once the page has changed or become
    private. No freshness is given, so browsers (and any CDN) always ask.
    """
    about = Page.objects.get(slug="about").specific
    first = visit(about.url)
    etag = first["ETag"]
    assert "max-age" not in first.get("Cache-Control", "")

    with django_assert_max_num_queries(1):  # from the page cache: whether a clearing is owed
        held = Client().get(about.url, HTTP_IF_NONE_MATCH=etag)
    assert (held.status_code, held.content, held["ETag"]) == (304, b"", etag)
    # As the production gzip sends it, weakened.
    assert Client().get(about.url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304

    about.title = "About the Collaborative, changed"
    with committing():
        about.save_revision().publish()
    changed = Client().get(about.url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "About the Collaborative, changed" in changed.content.decode()
    assert changed["ETag"] != etag

    with committing():
        restrict(about)
    private = Client().get(about.url, HTTP_IF_NONE_MATCH=changed["ETag"])
    assert private.status_code == 200
    assert html(private).select_one("input[name=password]") is not None


def test_a_saved_draft_keeps_the_cache_and_unpublishing_clears_it(initial_content, committing):
    about = Page.objects.get(slug="about").specific
    visit(about.url)
    about.title = "A draft nobody may see yet"
    with committing():
        about.save_revision()
    draft_kept = visit(about.url)
    assert draft_kept[HIT_HEADER] == "hit"
    assert "A draft nobody may see yet" not in draft_kept.content.decode()

    with committing():
        about.unpublish()
    assert Client().get(about.url).status_code == 404


def test_moving_and_deleting_a_page_clear_the_cache(workshop, committing):
    news_and_events = NewsAndEventsIndexPage.objects.get()
    visit(news_and_events.url)
    assert "Cached workshop" in visit(news_and_events.url).content.decode()

    old_url = workshop.url
    visit(old_url)
    with committing():
        workshop.move(Page.objects.get(slug="about"), pos="last-child")
    # Not the cached page: Wagtail's redirect to where it went.
    moved = Client().get(old_url)
    assert moved.status_code == 301
    assert moved["Location"] == "/about/cached-workshop/"

    with committing():
        Page.objects.get(pk=workshop.pk).delete()
    assert "Cached workshop" not in visit(news_and_events.url).content.decode()


def test_a_booking_updates_the_places_left_that_visitors_see(workshop, committing):
    assert "10 left of 10" in visit(workshop.url).content.decode()
    assert visit(workshop.url)[HIT_HEADER] == "hit"

    form_page = workshop.get_children().get().specific
    with committing():
        Client().post(form_page.url, booking_answers())
    assert Booking.objects.count() == 1

    assert "9 left of 10" in visit(workshop.url).content.decode()


def test_a_booking_refreshes_the_pages_showing_its_places_and_leaves_the_rest_cached(workshop, report, committing):
    form_page = workshop.get_children().get().specific
    listing = NewsAndEventsIndexPage.objects.get().url
    upcoming = f"{listing}?show=upcoming"
    showing_places = [workshop.url, listing, upcoming, "/", f"{workshop.url}calendar.ics"]
    others = ["/about/", report.url, ReportIndexPage.objects.get().url, "/privacy-notice/", "/sitemap.xml"]
    cached(*showing_places, *others)
    assert card_places(visit("/"), "Cached workshop") == "· 10 places left"

    with committing():
        Client().post(form_page.url, booking_answers())
    assert Booking.objects.get().is_confirmed

    for path in others:
        assert served_from_cache(path), path
    for path in showing_places:
        assert not served_from_cache(path), path
    assert html(visit(workshop.url)).select_one(".event-places").get_text(strip=True) == "9 left of 10"
    for path in (listing, upcoming, "/"):
        assert card_places(visit(path), "Cached workshop") == "· 9 places left", path
    # The booking form is never cached: it shows the places as they are.
    assert html(visit(form_page.url)).select_one(".booking-places").get_text(strip=True) == "9 of 10 left"


def test_a_cancellation_refreshes_the_pages_showing_its_places_and_leaves_the_rest_cached(workshop, report, committing):
    form_page = workshop.get_children().get().specific
    with committing():
        booking = make_booking(form_page)
    listing = NewsAndEventsIndexPage.objects.get().url
    cached(workshop.url, listing, "/", "/about/", report.url)
    assert html(visit(workshop.url)).select_one(".event-places").get_text(strip=True) == "9 left of 10"

    with committing():
        assert cancel_booking(booking)

    assert served_from_cache("/about/")
    assert served_from_cache(report.url)
    assert html(visit(workshop.url)).select_one(".event-places").get_text(strip=True) == "10 left of 10"
    assert card_places(visit(listing), "Cached workshop") == "· 10 places left"
    assert card_places(visit("/"), "Cached workshop") == "· 10 places left"


def test_a_booking_leaves_another_workshops_page_cached(workshop, committing):
    with committing():
        other = add_event(
            NewsAndEventsIndexPage.objects.get(), "other-workshop", timezone.localdate() + timedelta(days=40)
        )
        add_booking_form(other)
    cached(workshop.url, other.url)

    with committing():
        make_booking(workshop.get_children().get().specific)

    assert served_from_cache(other.url)
    assert not served_from_cache(workshop.url)


def test_deleting_a_workshop_with_bookings_clears_every_page(workshop, report, committing):
    with committing():
        make_booking(workshop.get_children().get().specific)
    cached(NewsAndEventsIndexPage.objects.get().url, report.url)

    with committing():
        Page.objects.get(pk=workshop.pk).delete()

    assert not Booking.objects.exists()
    assert "Cached workshop" not in visit(NewsAndEventsIndexPage.objects.get().url).content.decode()
    assert not served_from_cache(report.url)


def test_publishing_a_news_item_refreshes_the_news_listings_and_leaves_the_reports_cached(workshop, report, committing):
    listing = NewsAndEventsIndexPage.objects.get().url
    news_pages = ["/", listing, f"{listing}?show=news", f"{listing}feed.xml", "/sitemap.xml"]
    others = [report.url, ReportIndexPage.objects.get().url, "/about/", workshop.url]
    cached(*news_pages, *others)

    with committing():
        item = add_news(NewsAndEventsIndexPage.objects.get(), "cache-news", timezone.localdate(), title="Fresh news")
        item.save_revision().publish()

    for path in others:
        assert served_from_cache(path), path
    for path in news_pages:
        fresh = visit(path)
        assert fresh[HIT_HEADER] == "miss", path
        assert "Fresh news" in fresh.content.decode() or "cache-news" in fresh.content.decode(), path


def test_publishing_a_page_refreshes_it_with_every_query_string_and_the_pages_below_it(
    initial_content, report, committing
):
    about = Page.objects.get(slug="about")
    with committing():
        team = about.add_child(instance=StandardPage(title="Our team", slug="team", body=[]))
        team.save_revision().publish()
        members = team.add_child(instance=StandardPage(title="Members", slug="members", body=[]))
        members.save_revision().publish()
    cached(team.url, f"{team.url}?utm_source=newsletter", members.url, about.url, report.url)

    team.title = "The people of the Collaborative"
    with committing():
        team.save_revision().publish()

    assert "The people of the Collaborative" in visit(team.url).content.decode()
    assert "The people of the Collaborative" in visit(f"{team.url}?utm_source=newsletter").content.decode()
    # The page below names it in its breadcrumbs and its title.
    below = visit(members.url)
    assert below[HIT_HEADER] == "miss"
    assert "The people of the Collaborative" in html(below).select_one(".nhsuk-breadcrumb").get_text()
    assert served_from_cache(about.url)
    assert served_from_cache(report.url)


def test_a_report_given_a_document_is_refreshed_and_pages_showing_no_report_are_not(
    initial_content, report, committing
):
    with committing():
        document = make_document("Full report", "full.pdf", pdf_bytes(2))
    listing = NewsAndEventsIndexPage.objects.get().url
    cached(report.url, "/about/", listing)

    with committing():
        ReportDocument.objects.create(page=report, document=document)

    fresh = visit(report.url)
    assert fresh[HIT_HEADER] == "miss"
    assert "Full report" in fresh.content.decode()
    assert served_from_cache("/about/")
    assert served_from_cache(listing)


def test_publishing_a_page_every_page_shows_refreshes_every_page(workshop, report, committing):
    """A page in the menu, a page the footer links to, or a new slug (its links everywhere) clears everything."""
    everywhere = ["/", report.url, workshop.url, "/about/"]
    about = Page.objects.get(slug="about").specific
    cached(*everywhere)
    about.title = "About us"
    with committing():
        about.save_revision().publish()
    for path in everywhere:
        assert not served_from_cache(path), path

    with committing():
        linked = StandardPage(title="Cookies", slug="cookies", body=[])
        about.add_child(instance=linked)
        linked.save_revision().publish()
        FooterLink.objects.create(settings=FooterLink.objects.first().settings, link_page=linked)
    cached(*everywhere)
    linked.title = "Cookies on this site"
    with committing():
        linked.save_revision().publish()
    for path in everywhere:
        assert "Cookies on this site" in visit(path).content.decode(), path

    cached(*everywhere)
    report.slug = "renamed-report"
    with committing():
        report.save_revision().publish()
    for path in ["/", workshop.url, "/about/"]:
        assert not served_from_cache(path), path


def test_making_a_page_private_still_refreshes_every_page(workshop, report, committing):
    with committing():
        item = add_news(NewsAndEventsIndexPage.objects.get(), "private-news", timezone.localdate())
        item.save_revision().publish()
    everywhere = ["/", report.url, workshop.url, "/about/", NewsAndEventsIndexPage.objects.get().url]
    cached(*everywhere)

    with committing():
        restrict(item)

    for path in everywhere:
        assert not served_from_cache(path), path


def test_a_booking_while_the_cache_fails_is_owed_as_a_clearing_of_everything(
    workshop, report, committing, monkeypatch, caplog
):
    form_page = workshop.get_children().get().specific
    cached(workshop.url, "/about/", report.url)

    with monkeypatch.context() as outage:
        outage.setattr("home.page_cache.cache", UnreachableCache())
        with committing():
            assert Client().post(form_page.url, booking_answers()).status_code == 302
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(error.startswith("Could not clear the page cache") for error in errors), errors
    assert PageCacheClear.objects.exists()

    # The cache is back, still holding every page as it was before the booking.
    assert not served_from_cache("/about/")
    assert not PageCacheClear.objects.exists()
    assert "9 left of 10" in visit(workshop.url).content.decode()
    assert not served_from_cache(report.url)
    assert served_from_cache("/about/")


def test_a_page_made_private_stops_being_served_from_the_cache(initial_content, committing):
    about = Page.objects.get(slug="about")
    visit(about.url)
    assert visit(about.url)[HIT_HEADER] == "hit"

    with committing():
        restrict(about)
    answer = Client().get(about.url)
    assert HIT_HEADER not in answer
    assert b"password" in answer.content.lower()


def test_a_changed_venue_is_seen_on_the_pages_that_show_it(initial_content, committing):
    visit("/")
    assert visit("/")[HIT_HEADER] == "hit"
    with committing():
        make_venue(name="A new venue", address_line_1="1 Road", town_or_city="Leeds", postcode="LS1 1AA")
    assert visit("/")[HIT_HEADER] == "miss"


def test_the_booking_form_and_its_csrf_token_are_never_shared(workshop):
    form_page = workshop.get_children().get().specific
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response = visit(form_page.url, visitor)
        assert HIT_HEADER not in response
        assert "no-store" in response["Cache-Control"]
        tokens.append(response.cookies["csrftoken"].value)
        # The token each visitor is given is the one their own form works with.
        sent = visitor.post(
            form_page.url,
            {**booking_answers(email=f"visitor{len(tokens)}@example.nhs.uk"), "csrfmiddlewaretoken": tokens[-1]},
        )
        assert sent.status_code == 302, sent.content[:300]  # to the confirmation
    assert tokens[0] != tokens[1]
    assert Booking.objects.count() == 2


def test_what_a_signed_in_editor_sees_is_never_stored_or_served_to_others(initial_content, admin_user):
    editor = Client()
    editor.force_login(admin_user)
    own_view = editor.get("/")
    assert HIT_HEADER not in own_view
    assert b"wagtail-userbar" in own_view.content

    visitor_view = visit("/")
    assert visitor_view[HIT_HEADER] == "miss"
    assert b"wagtail-userbar" not in visitor_view.content
    # And the editor is not given the visitors' copy.
    assert HIT_HEADER not in editor.get("/")


def test_search_and_errors_are_not_cached(initial_content):
    for _ in range(2):
        assert HIT_HEADER not in visit("/search/?query=workforce")
        assert HIT_HEADER not in Client().get("/no-such-page/")


def test_a_page_made_private_while_the_cache_fails_is_never_served_public_once_it_is_back(
    initial_content, committing, monkeypatch, caplog
):
    about = Page.objects.get(slug="about")
    visit(about.url)
    assert visit(about.url)[HIT_HEADER] == "hit"
    visit("/")
    assert about.url in menu_links(visit("/"))

    with monkeypatch.context() as outage:
        outage.setattr("home.page_cache.cache", UnreachableCache())
        with committing():
            restrict(about)
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(error.startswith("Could not clear the page cache") for error in errors), errors

    # The cache is back, still holding the public copies.
    answer = Client().get(about.url)
    assert HIT_HEADER not in answer
    assert html(answer).select_one("input[name=password]") is not None
    home = visit("/")
    assert home[HIT_HEADER] == "miss"
    # The menu, kept in the cache apart from whole pages, is built again too.
    assert about.url not in menu_links(home)
    # The clearing that was owed is done: pages are cached again.
    assert visit("/")[HIT_HEADER] == "hit"
    assert not PageCacheClear.objects.exists()


def test_a_clearing_owed_is_kept_until_the_cache_can_be_cleared(initial_content, committing, monkeypatch):
    about = Page.objects.get(slug="about")
    visit("/")
    with monkeypatch.context() as outage:
        outage.setattr("home.page_cache.cache", UnreachableCache())
        with committing():
            restrict(about)

    class CannotCount:
        """Reads answer, the generation cannot be moved on: a cache half back."""

        def __getattr__(self, name):
            from django.core.cache import cache

            if name in ("incr", "add"):
                raise ConnectionError("cache unreachable")
            return getattr(cache, name)

    with monkeypatch.context() as half_back:
        half_back.setattr("home.page_cache.cache", CannotCount())
        for _ in range(2):
            assert visit("/")[HIT_HEADER] == "miss"
            assert about.url not in menu_links(visit("/"))
    assert PageCacheClear.objects.exists()

    assert about.url not in menu_links(visit("/"))
    assert not PageCacheClear.objects.exists()


def test_a_change_rolled_back_owes_no_clearing(initial_content, monkeypatch):
    from django.db import transaction

    about = Page.objects.get(slug="about")
    monkeypatch.setattr("home.page_cache.cache", UnreachableCache())
    with pytest.raises(RuntimeError), transaction.atomic():
        restrict(about)
        raise RuntimeError("the change fails")
    assert not PageCacheClear.objects.exists()


def test_without_a_working_cache_pages_are_still_served(initial_content, monkeypatch):
    monkeypatch.setattr("home.page_cache.cache", UnreachableCache())
    response = visit("/")
    assert HIT_HEADER not in response


def test_a_page_cache_of_zero_seconds_renders_every_time(initial_content, settings):
    settings.PAGE_CACHE_SECONDS = 0
    visit("/")
    assert HIT_HEADER not in visit("/")


def test_image_renditions_are_remembered_in_their_own_cache(django_assert_num_queries):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 480), "navy").save(buffer, format="PNG")
    image = get_image_model().objects.create(title="Venue", file=ImageFile(buffer, name="venue.png"))
    first = image.get_rendition("fill-320x240")

    fresh = get_image_model().objects.get(pk=image.pk)
    with django_assert_num_queries(0):
        again = fresh.get_rendition("fill-320x240")
    assert again.url == first.url


def test_a_page_made_private_from_another_process_is_not_shown_from_a_cache_only_this_process_holds(
    initial_content, committing, settings, monkeypatch
):
    """
    Without a shared cache (no REDIS_URL), a page made private from another
    gunicorn worker, a shell or a cron job clears only that process's cache:
    this one must not serve the page, nor its title in the menu, from its own.
    """
    from django.core.cache.backends.locmem import LocMemCache

    settings.SHARED_CACHE = False
    settings.PAGE_CACHE_SECONDS = 0  # what the settings give without a shared cache
    about = Page.objects.get(slug="about")
    for _ in range(2):
        assert HIT_HEADER not in visit(about.url)
        assert about.url in menu_links(visit("/"))

    with monkeypatch.context() as another_process:
        # The change clears the other process's memory, not this one's.
        another_process.setattr("home.page_cache.cache", LocMemCache("another-process", {}))
        with committing():
            restrict(about)

    answer = Client().get(about.url)
    assert HIT_HEADER not in answer
    assert html(answer).select_one("input[name=password]") is not None
    assert about.url not in menu_links(visit("/"))


def test_an_operator_who_turns_the_page_cache_on_without_a_shared_cache_is_warned(settings):
    from django.core.checks import run_checks

    settings.SHARED_CACHE = False
    settings.PAGE_CACHE_SECONDS = 0
    assert not [issue for issue in run_checks() if issue.id == "home.W001"]

    settings.PAGE_CACHE_SECONDS = 120
    [warning] = [issue for issue in run_checks(include_deployment_checks=True) if issue.id == "home.W001"]
    assert "may take up to 120 seconds to show" in warning.msg
    assert "making a page private" in warning.msg
    assert "REDIS_URL" in warning.hint

    settings.SHARED_CACHE = True
    assert not [issue for issue in run_checks() if issue.id == "home.W001"]


def test_a_cached_page_is_not_served_past_the_moment_its_booking_opens(workshop, committing, clock):
    """What changes by the clock alone (booking opening, closing, a workshop starting) bounds a cached copy's life."""
    opens = timezone.now() + timedelta(minutes=2)
    workshop.booking_opens_at = opens
    with committing():
        workshop.save_revision().publish()
    cached(workshop.url, "/news-and-events/", "/")
    assert "Booking opens" in card_places(visit("/news-and-events/"), "Cached workshop")

    clock.move_to(opens + timedelta(seconds=1), tick=True)
    assert not served_from_cache(workshop.url)
    assert card_places(visit("/news-and-events/"), "Cached workshop") == "· 10 places left"
    assert "10 places left" in card_places(visit("/"), "Cached workshop")
