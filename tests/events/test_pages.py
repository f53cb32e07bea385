"""What visitors see on event pages, news pages, the News and events index and the home page."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import AttendanceMode, AudienceRole, Contact, EventStatus
from tests.conftest import html
from tests.events.factories import add_event, add_news, make_venue

pytestmark = pytest.mark.django_db


def text(soup):
    return " ".join(soup.get_text(" ").split())


def test_event_page_shows_when_where_who_and_the_agenda(client, index, venue, today):
    role = AudienceRole.objects.get(name="Director of Nursing")
    contact = Contact.objects.create(name="Joanna Daci", role="Programme Operations Manager")
    event = add_event(
        index,
        "winter-workshop",
        today + timedelta(days=30),
        venue=venue,
        end_time=time(12, 30),
        booking_contact=contact,
        agenda=[
            {
                "type": "part",
                "value": {
                    "heading": "Morning",
                    "sessions": [
                        {
                            "time": "10:30",
                            "title": "Workforce growth",
                            "speakers": [{"name": "", "role": "", "organisation": "Health Education England"}],
                            "to_be_confirmed": True,
                            "description": "",
                        }
                    ],
                },
            }
        ],
    )
    event.audience.set([role])
    event.save_revision().publish()

    soup = html(client.get(event.url))
    facts = {row.dt.get_text(strip=True): text(row.dd) for row in soup.select("main dl .nhsuk-summary-list__row")}
    assert facts["Date and time"] == "Wednesday 23 December 2026, 10:30am to 12:30pm"
    assert facts["Where"] == "Malmaison Hotel, 1-3 Piccadilly, Manchester, M1 3AQ"
    assert facts["Who it is for"] == "Director of Nursing"
    assert facts["Places"] == "50 left of 50"
    assert facts["Step-free access"] == "Yes"
    agenda = soup.select_one("ol.agenda")
    assert "Workforce growth" in text(agenda) and "To be confirmed" in text(agenda)
    assert "Presented by Health Education England" in text(agenda)
    assert "10:30am" in text(agenda)
    map_link = soup.find("a", string="See Malmaison Hotel on OpenStreetMap")
    assert map_link["href"] == "https://www.openstreetmap.org/search?query=1-3+Piccadilly%2C+Manchester%2C+M1+3AQ"
    assert "contact Joanna Daci, Programme Operations Manager." in text(soup.main)
    assert soup.find("a", string="Contact the Collaborative about this workshop")["href"] == "/contact-us/"


@pytest.mark.parametrize(
    ("day_offset", "capacity", "places", "booking"),
    [
        (30, 50, "50 left of 50", "50 places left"),
        (-30, 50, "50", None),
        # Blank: nobody set a limit (or none is known). Nothing is claimed
        # about places; an upcoming event says it is open to all.
        (30, None, None, "Open to all"),
        (-30, None, None, None),
    ],
)
def test_the_places_row_shows_only_a_limit_an_editor_gave(client, index, today, day_offset, capacity, places, booking):
    event = add_event(index, "an-event", today + timedelta(days=day_offset), capacity=capacity)
    event.save_revision().publish()

    facts = {row.dt.get_text(strip=True): text(row.dd) for row in html(client.get(event.url)).select("main dl div")}

    assert (facts.get("Places"), facts.get("Booking")) == (places, booking)


def test_an_event_moved_online_says_so_and_where_it_was_to_be(client, index, venue, today):
    event = add_event(
        index,
        "moved",
        today + timedelta(days=10),
        attendance_mode=AttendanceMode.ONLINE,
        status=EventStatus.MOVED_ONLINE,
        originally_planned_venue=venue,
        status_message="Joining details are sent to everyone booked.",
    )
    banner = html(client.get(event.url)).select_one(".nhsuk-warning-callout")
    assert "This workshop has moved online" in text(banner)
    assert "It was to be held at Malmaison Hotel, 1-3 Piccadilly, Manchester, M1 3AQ." in text(banner)
    assert "Joining details are sent to everyone booked." in text(banner)


def test_a_cancelled_event_is_flagged_on_its_page_and_its_card(client, index, today):
    event = add_event(index, "cancelled", today + timedelta(days=10), status=EventStatus.CANCELLED)
    assert "This workshop has been cancelled" in text(html(client.get(event.url)).select_one(".nhsuk-warning-callout"))
    card = html(client.get(index.url)).select_one(".event-card")
    assert card.select_one(".nhsuk-tag").get_text(strip=True) == "Cancelled"


def test_the_index_splits_upcoming_from_past_and_orders_each(client, index, today):
    for slug, offset in (("later", 40), ("soonest", 5), ("long-ago", -400), ("last-month", -30)):
        add_event(index, slug, today + timedelta(days=offset))
    add_news(index, "older-news", date(2020, 1, 1))
    add_news(index, "newer-news", date(2020, 6, 1))
    soup = html(client.get(index.url))

    def titles(heading_id):
        section_list = soup.find(id=heading_id).find_next_sibling("ul")
        return [a.get_text(strip=True) for a in section_list.select("h3 a")]

    assert titles("upcoming-events") == ["Soonest", "Later"]
    assert titles("past-events")[:3] == ["Last month", "Long ago", "Collaborative workshop on diversity and inclusion"]
    assert titles("latest-news")[:2] == ["Newer news", "Older news"]


def test_an_event_moves_from_upcoming_to_past_when_its_day_has_gone(client, index, today, clock):
    add_event(index, "next-week", today + timedelta(days=7))
    assert "Next week" in text(html(client.get(index.url)).find(id="upcoming-events").find_next_sibling("ul"))

    clock.shift(timedelta(days=8))
    soup = html(client.get(index.url))
    assert "Next week" in text(soup.find(id="past-events").find_next_sibling("ul"))


def test_cards_give_type_date_and_place(client, index, venue, today):
    add_event(index, "in-manchester", today + timedelta(days=3), venue=venue)
    card = html(client.get(index.url)).select_one(".event-card")
    assert card.select_one(".nhsuk-tag").get_text(strip=True) == "Workshop"
    assert "Thursday 26 November 2026, 10:30am" in text(card)
    assert "Manchester" in text(card)


def test_home_page_shows_the_next_three_events_and_latest_news(client, index, today):
    for offset in (9, 2, 30, 60):
        add_event(index, f"in-{offset}-days", today + timedelta(days=offset))
    soup = html(client.get("/"))
    upcoming = soup.find(id="upcoming-workshops-heading").find_parent("section")
    assert [a.get_text(strip=True) for a in upcoming.select("h3 a")] == ["In 2 days", "In 9 days", "In 30 days"]
    news = soup.find(id="latest-news-heading").find_parent("section")
    assert [a.get_text(strip=True) for a in news.select("h3 a")] == ["Read our report on ‘Thriving at Work’"]


def test_news_page_shows_its_story_related_pages_and_topics(client, index):
    item = index.get_children().get(slug="thriving-at-work-report").specific
    item.tags.add("wellbeing")
    item.save_revision().publish()
    soup = html(client.get(item.url))
    assert soup.main.h1.get_text(" ", strip=True) == "News - Read our report on ‘Thriving at Work’"
    related = soup.find("h2", string="Related").find_next_sibling("ul")
    assert [a.get_text(strip=True) for a in related.select("a")] == [
        "Workshop for HR Directors on the Thriving at Work report"
    ]
    assert "wellbeing" in text(soup.select_one(".tag-list"))


def test_index_queries_do_not_grow_with_the_number_of_events(client, index, venue, today):
    def count_queries():
        client.get(index.url)  # warm the site-root cache, as any running server has
        with CaptureQueriesContext(connection) as queries:
            assert client.get(index.url).status_code == 200
        return len(queries)

    for number in range(5):
        add_event(index, f"upcoming-{number}", today + timedelta(days=number + 1), venue=venue)
        add_news(index, f"news-{number}", date(2021, 1, number + 1))
    few = count_queries()
    venues = [
        make_venue(name=f"Venue {number}", address_line_1="1 High Street", town_or_city=f"Town {number}")
        for number in range(20)
    ]
    for number in range(60):
        add_event(index, f"more-{number}", today + timedelta(days=number + 10), venue=venues[number % 20])
        add_news(index, f"more-news-{number}", date(2022, 1, 1) + timedelta(days=number))
    assert count_queries() == few
    assert few <= 20


def titles_listed(response):
    return [a.get_text(strip=True) for a in html(response).select("main ul.nhsuk-list h3 a")]


def test_filter_to_past_events_of_one_year(client, index, today):
    add_event(index, "old-2019", date(2019, 5, 1))
    add_event(index, "upcoming", today + timedelta(days=5))
    response = client.get(index.url, {"show": "past", "year": 2020})
    soup = html(response)
    assert soup.main.h1.get_text(strip=True) == "Past events"
    assert titles_listed(response) == [
        "Collaborative workshop on diversity and inclusion",
        "Videoconference on Health Education England National Mental Health programme of work",
        "Videoconference on psychological support for NHS staff",
        "Videoconference on Workforce issues arising from the COVID-19 (coronavirus) outbreak",
        "Workshop on strategic workforce planning in mental health settings",
    ]
    assert soup.select_one("#result-count").get_text(strip=True) == "5 results"
    year_options = [option["value"] for option in soup.select("#id_year option")]
    assert year_options == ["", "2026", "2020", "2019", "2018"]
    assert soup.select_one("#id_show_1")["checked"] is not None


def test_filter_news_by_topic(client, index):
    tagged = add_news(index, "wellbeing-news", date(2021, 3, 1))
    tagged.tags.add("Staff wellbeing")
    tagged.save_revision().publish()
    add_news(index, "other-news", date(2021, 4, 1))
    response = client.get(index.url, {"show": "news", "topic": "staff-wellbeing"})
    assert titles_listed(response) == ["Wellbeing news"]
    options = {option["value"]: option.get_text() for option in html(response).select("#id_topic option")}
    assert options == {"": "Any topic", "staff-wellbeing": "Staff wellbeing"}


def test_listings_are_paginated_and_keep_their_filters(client, index, today):
    for number in range(12):
        add_event(index, f"future-{number:02d}", today + timedelta(days=number + 1))
    first = client.get(index.url, {"show": "upcoming"})
    assert len(titles_listed(first)) == 10
    next_link = html(first).select_one("a.nhsuk-pagination__link--next")
    assert "show=upcoming" in next_link["href"] and "page=2" in next_link["href"]
    second = client.get(index.url + next_link["href"])
    assert titles_listed(second) == ["Future 10", "Future 11"]


@pytest.mark.parametrize(
    "query", [{"show": "nonsense"}, {"year": "abc"}, {"show": "past", "page": "x"}, {"topic": "?"}]
)
def test_bad_filter_values_are_ignored_not_an_error(client, index, query):
    assert client.get(index.url, query).status_code == 200


def test_unpublished_and_private_items_are_never_listed(client, index, today):
    from wagtail.models import PageViewRestriction

    draft = add_event(index, "draft-event", today + timedelta(days=3))
    draft.unpublish()
    private = add_event(index, "private-event", today + timedelta(days=4))
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")  # noqa: S106
    add_event(index, "public-event", today + timedelta(days=5))
    assert titles_listed(client.get(index.url, {"show": "upcoming"})) == ["Public event"]
    assert "Private event" not in client.get("/").content.decode()


FILTERED_LISTINGS = [
    {"show": "past", "year": 2019, "page": 2},
    {"show": "upcoming"},
    {"show": "news", "topic": "staff-wellbeing"},
    {"show": "news", "year": 2019},
]


def add_dated_content(index, today, batch, size):
    """`size` past and upcoming events and news items about staff wellbeing, over several years."""
    for number in range(size):
        add_event(index, f"past-{batch}-{number}", date(2019, 1, 1) + timedelta(days=number * 40))
        add_event(index, f"upcoming-{batch}-{number}", today + timedelta(days=number + 1))
        news = add_news(index, f"news-{batch}-{number}", date(2019, 1, 1) + timedelta(days=number * 40))
        news.tags.add("Staff wellbeing", f"Topic {batch} {number % 3}")
        news.save_revision().publish()


@pytest.mark.parametrize("query", FILTERED_LISTINGS)
def test_filtered_listing_queries_do_not_grow(client, index, today, query, django_assert_max_num_queries):
    def count_queries():
        client.get(index.url, query)  # as on a running server: site roots and the menu already read
        with CaptureQueriesContext(connection) as queries:
            assert client.get(index.url, query).status_code == 200
        return len(queries)

    add_dated_content(index, today, "few", 12)
    few = count_queries()
    add_dated_content(index, today, "many", 40)
    # Each measured warm, as the first request after a change reads afresh what is remembered.
    client.get(index.url, query)
    with django_assert_max_num_queries(few):
        assert client.get(index.url, query).status_code == 200
    assert few <= 15
    # And the first request after a change, which reads every part afresh, keeps to the budget too.
    add_dated_content(index, today, "more", 1)
    with django_assert_max_num_queries(15):
        assert client.get(index.url, query).status_code == 200


def year_and_topic_choices(client, index):
    soup = html(client.get(index.url))
    years = [option["value"] for option in soup.select("#id_year option") if option["value"]]
    topics = [option["value"] for option in soup.select("#id_topic option") if option["value"]]
    return years, topics


def test_the_year_and_topic_filters_follow_publishing_unpublishing_and_privacy(client, index):
    from wagtail.models import PageViewRestriction

    item = add_news(index, "estates-news", date(2011, 6, 1))
    item.tags.add("Estates")
    item.save_revision().publish()
    years, topics = year_and_topic_choices(client, index)
    assert "2011" in years
    assert "estates" in topics

    item.unpublish()
    years, topics = year_and_topic_choices(client, index)
    assert "2011" not in years
    assert "estates" not in topics

    item.save_revision().publish()
    restriction = PageViewRestriction.objects.create(page=item, restriction_type="password", password="x")  # noqa: S106
    years, topics = year_and_topic_choices(client, index)
    assert "2011" not in years
    assert "estates" not in topics

    restriction.delete()
    years, topics = year_and_topic_choices(client, index)
    assert "2011" in years
    assert "estates" in topics


def test_the_year_filter_follows_events_published_and_unpublished(client, index, today):
    far_year = today.year + 3
    event = add_event(index, "far-future-event", date(far_year, 2, 1))
    far_year = str(far_year)
    assert year_and_topic_choices(client, index)[0][0] == far_year
    event.unpublish()
    assert far_year not in year_and_topic_choices(client, index)[0]
    event.save_revision().publish()
    assert year_and_topic_choices(client, index)[0][0] == far_year


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "50 places"),
        ({"capacity": None}, "Open to all"),
        ({"status": EventStatus.CANCELLED}, "Booking closed"),
        ({"status": EventStatus.POSTPONED}, "Booking closed"),
        ({"booking_closes_at": "past"}, "Booking closed"),
        ({"booking_opens_at": "future"}, "Booking opens"),
    ],
)
def test_cards_show_whether_booking_is_open(client, index, today, fields, expected):
    from django.utils import timezone as django_timezone

    moments = {"past": django_timezone.now() - timedelta(hours=1), "future": django_timezone.now() + timedelta(days=3)}
    fields = {name: moments.get(value, value) if isinstance(value, str) else value for name, value in fields.items()}
    add_event(index, "bookable", today + timedelta(days=30), **fields)
    card = html(client.get(index.url)).select_one(".event-card__booking")
    assert expected in card.get_text()


def test_a_renamed_topic_shows_in_the_filter_at_once(client, index):
    from taggit.models import Tag

    item = add_news(index, "estates-news", date(2011, 6, 1))
    item.tags.add("Estates")
    item.save_revision().publish()
    assert "Estates" in html(client.get(index.url)).select_one("#id_topic").get_text()

    tag = Tag.objects.get(name="Estates")
    tag.name = "Estates and facilities"
    tag.save()
    assert "Estates and facilities" in html(client.get(index.url)).select_one("#id_topic").get_text()
