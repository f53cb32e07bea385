"""
Every main page type, in the states a visitor meets, is valid HTML: the W3C
Nu Html Checker (tests/validators.py) finds no error in it. Invalid markup is
what assistive technology and browsers guess at differently (an unknown ARIA
role, a malformed srcset that loads the wrong image). Nor does any landmark
repeat the role its element already has (<nav role="navigation">).
"""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from events.booking.forms import form_started_token
from events.models import EventPage, EventStatus, NewsAndEventsIndexPage, NewsPage
from home.models import StandardPage
from reports.models import ReportIndexPage, ReportPage
from tests.events.factories import add_booking_form, add_event, add_news, make_booking, make_venue
from tests.reports.factories import add_report

pytestmark = pytest.mark.django_db

# The landmark role each element has without being told.
IMPLICIT_ROLES = {
    "header": "banner",
    "footer": "contentinfo",
    "nav": "navigation",
    "main": "main",
    "aside": "complementary",
}


def test_the_checker_reports_each_documents_errors_under_its_name(nu_errors):
    valid = '<!DOCTYPE html><html lang="en-GB"><head><title>Fine</title></head><body><p>Fine.</p></body></html>'
    invalid = valid.replace("<p>Fine.</p>", '<h2><span role="text">Cancelled</span></h2>')

    errors = nu_errors({"a valid page": valid, "news/a page with a bad role": invalid})

    assert errors["a valid page"] == []
    assert len(errors["news/a page with a bad role"]) == 1
    assert "Bad value “text” for attribute “role” on element “span”" in errors["news/a page with a bad role"][0]
    assert nu_errors({}) == {}


def test_without_the_checker_the_reason_says_how_to_get_it(monkeypatch, tmp_path):
    from tests import validators

    monkeypatch.setenv("VNU_JAR", str(tmp_path / "vnu.jar"))
    assert validators.unavailable_reason() == (
        f"no Nu Html Checker at {tmp_path / 'vnu.jar'}: install it with `make validators` (or set VNU_JAR)"
    )
    with pytest.raises(validators.NuCheckerUnavailable):
        validators.nu_errors({"a page": "<!DOCTYPE html>"})


@pytest.fixture
def picture():
    """A news photograph's shape: 800 by 450."""
    return Image.objects.create(title="Delegates at the workshop", file=get_test_image_file(size=(800, 450)))


@pytest.fixture
def pages(initial_content, picture):
    """(name, path, method) of every main page type, in the states a visitor meets."""
    index = NewsAndEventsIndexPage.objects.get()
    reports = ReportIndexPage.objects.get()
    today = timezone.localdate()
    venue = make_venue(name="Malmaison Hotel", town_or_city="Manchester")

    def workshop(slug, **fields):
        event = add_event(index, slug, today + timedelta(days=30), venue=venue, title=slug.replace("-", " "), **fields)
        event.save_revision().publish()
        return event

    going_ahead = workshop("going-ahead", capacity=50)
    form = add_booking_form(going_ahead)
    full = workshop("fully-booked", capacity=1)
    make_booking(add_booking_form(full))
    cancelled = workshop("cancelled", status=EventStatus.CANCELLED, status_message="The venue is closed.")
    postponed = workshop("postponed", status=EventStatus.POSTPONED)
    moved = workshop(
        "moved-online", status=EventStatus.MOVED_ONLINE, originally_planned_venue=venue, attendance_mode="online"
    )

    news = add_news(index, "with-a-picture", today, title="News with a picture", image=picture)
    news.body = [("paragraph", "<p>What happened.</p>")]
    news.tags.add("Workforce planning")
    news.save_revision().publish()
    report = add_report(reports, "with-a-cover", today, title="Report with a cover", cover_image=picture)

    about = StandardPage.objects.get(slug="about")
    every_block = StandardPage(
        title="Every block",
        slug="every-block",
        body=[
            ("image", {"content_image": picture, "alt_text": "Delegates at a workshop", "caption": "London, 2020"}),
            ("warning_callout", {"title": "Moved online", "heading_level": 2, "body": "<p>Join by video.</p>"}),
            (
                "card_group",
                {
                    "column": "one-half",
                    "body": [
                        (
                            "card_image",
                            {
                                "heading": "The workshop",
                                "heading_level": 2,
                                "body": "<p>What we did.</p>",
                                "content_image": picture,
                                "alt_text": "Delegates at a workshop",
                                "internal_page": about,
                            },
                        )
                    ],
                },
            ),
        ],
    )
    initial_content.add_child(instance=every_block)
    every_block.save_revision().publish()
    past_year = EventPage.objects.live().filter(date__lt=today).order_by("-date").first().date.year

    return [
        ("home", "/"),
        ("about", "/about/"),
        ("privacy notice", StandardPage.objects.get(slug="privacy-notice").url),
        ("accessibility statement", "/accessibility-statement/"),
        ("a page with an image, a warning and cards", every_block.url),
        ("news and events", index.url),
        ("news and events: upcoming", f"{index.url}?show=upcoming"),
        ("news and events: news on a topic", f"{index.url}?show=news&topic=workforce-planning"),
        ("news and events: past, one year", f"{index.url}?show=past&year={past_year}"),
        ("news and events: nothing matches", f"{index.url}?show=upcoming&year={past_year}"),
        ("workshop going ahead", going_ahead.url),
        ("workshop fully booked", full.url),
        ("workshop cancelled", cancelled.url),
        ("workshop postponed", postponed.url),
        ("workshop moved online", moved.url),
        ("past workshop", EventPage.objects.live().filter(date__lt=today).first().url),
        ("news with a picture", news.url),
        ("news from the initial content", NewsPage.objects.get(slug="thriving-at-work-report").url),
        ("reports", reports.url),
        ("report with a cover", report.url),
        ("report from the initial content", ReportPage.objects.get(slug="thriving-at-work").url),
        ("search with results", "/search/?q=workshop"),
        ("search with no results", "/search/?q=zzzzqqq"),
        ("booking form", form.url),
        ("booking form: waiting list", full.get_children().get().url),
        ("booking form sent empty", ("post", form.url)),
        ("page not found", "/no-such-page/"),
    ]


def test_every_main_page_type_is_valid_html(client, pages, nu_errors):
    documents = {}
    for name, path in pages:
        if isinstance(path, tuple):
            response = client.post(path[1], {"started": form_started_token(timezone.now().timestamp() - 10)})
            assert b"There is a problem" in response.content
        else:
            response = client.get(path)
        assert response.status_code == (404 if name == "page not found" else 200), name
        documents[name] = response.content.decode()

    errors = nu_errors(documents)

    found = [f"{name}: {error}" for name, page_errors in errors.items() for error in page_errors]
    assert found == [], f"{len(found)} HTML errors:\n" + "\n".join(found)
    redundant = [
        f"{name}: <{element.name} role={element['role']!r}>"
        for name, document in documents.items()
        for element in BeautifulSoup(document, "html.parser").find_all(IMPLICIT_ROLES)
        if element.get("role") == IMPLICIT_ROLES[element.name]
    ]
    assert redundant == []
