"""
What workshops and news items tell search engines, read back as a search
engine reads it (extruct), against Google's Event rich result
(https://developers.google.com/search/docs/appearance/structured-data/event):
every event qualifies when its facts allow it, and nothing is claimed that
is not known.
"""

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from events.calendar import LONDON
from events.models import AttendanceMode, EventPage, EventStatus, NewsPage
from home.models import SiteSettings
from tests.conftest import metadata
from tests.events.factories import add_booking_form, add_event, add_news, make_booking

pytestmark = pytest.mark.django_db

# Each property Google's Event rich result reads, and the fact of ours it is made from.
GOOGLE_EVENT_PROPERTIES = {
    # Required: without them an event does not qualify.
    "name": "the event's title",
    "startDate": (
        "its date, with its start time in London time when the time is known; the year and month alone "
        "('2018-02') when only the month is known, which Google does not accept"
    ),
    "location": (
        "where it is held: its venue, as a Place with the venue's name and postal address, when held in "
        "person; a VirtualLocation when online (or moved online), whose url is the booking form while the "
        "event is to come (the joining link goes only to people booked, by e-mail); no location at all when "
        "it was held in person at a venue that was not recorded"
    ),
    # Recommended.
    "description": "its summary",
    "endDate": (
        "its date, with its end time when known; the date alone (the same day) when not; none when only the "
        "month is known"
    ),
    "eventAttendanceMode": (
        "in person, online or both, as the editor set it; online once moved online; left out for an event held "
        "in person whose venue was not recorded, since it would promise a place it cannot name"
    ),
    "eventStatus": "its status: going ahead, cancelled, postponed or moved online",
    "image": (
        "the page's listing image, else the default sharing image of the site settings, else the NHS logo "
        "that the site's header and icons carry"
    ),
    "offers": (
        "its booking form, while booking is open or yet to open: a free place (price 0, GBP: the form takes "
        "no payment), InStock until the places are all booked, then SoldOut; validFrom when booking opens. "
        "No offer without a booking form (booking by asking the contact) or once booking has closed"
    ),
    "organizer": "the Collaborative: the organisation name of the site settings, and the home page's address",
    "performer": (
        "the agenda's speakers, of sessions not marked 'to be confirmed': a person (with their organisation "
        "when known) or the organisation presenting"
    ),
    "previousStartDate": None,  # not kept: a postponed event's page shows only its date to come
}

HOME = "http://testserver/"
COLLABORATIVE = {
    "@type": "Organization",
    "name": "National Mental Health Workforce Development Collaborative",
    "url": HOME,
}
NHS_LOGO = [HOME + "static/wagtailnhsukfrontend/favicons/largetile-310x310.png"]
SCHEDULED = "https://schema.org/EventScheduled"
MOVED_ONLINE = "https://schema.org/EventMovedOnline"
ONLINE = "https://schema.org/OnlineEventAttendanceMode"
IN_PERSON = "https://schema.org/OfflineEventAttendanceMode"
MIXED = "https://schema.org/MixedEventAttendanceMode"
NO_PUBLIC_WAY_IN = (
    "a public address to join or book it online: its joining details went only to people booked, by e-mail, "
    "and it took bookings through its contact, not a booking form"
)


def organisation(name):
    return {"@type": "Organization", "name": name}


# The initial content's events (and the demo's example workshop): what each
# says of the properties whose facts differ from one event to another, and
# the facts missing for a rich result, by the property they leave short.
INITIAL_EVENTS = {
    "diversity-and-inclusion-workshop": {
        "expected": {
            "startDate": "2020-11-16T10:30:00+00:00",
            "endDate": "2020-11-16",
            "eventStatus": SCHEDULED,
            "performer": [{"@type": "Person", "name": "Dr Jacqui Dyer"}],
        },
        "missing": {"location": "its venue: the Collaborative's text names none"},
    },
    "health-education-england-mental-health-programme-videoconference": {
        "expected": {
            "startDate": "2020-09-15",
            "endDate": "2020-09-15",
            "eventStatus": MOVED_ONLINE,
            "eventAttendanceMode": ONLINE,
            "location": {"@type": "VirtualLocation"},
        },
        "missing": {"location.url": NO_PUBLIC_WAY_IN},
    },
    "psychological-support-for-nhs-staff-videoconference": {
        "expected": {
            "startDate": "2020-07-02T10:30:00+01:00",
            "endDate": "2020-07-02T12:30:00+01:00",
            "eventStatus": SCHEDULED,
            "eventAttendanceMode": ONLINE,
            "location": {"@type": "VirtualLocation"},
        },
        "missing": {"location.url": NO_PUBLIC_WAY_IN},
    },
    "covid-19-workforce-issues-videoconference": {
        "expected": {
            "startDate": "2020-05-14",
            "endDate": "2020-05-14",
            "eventStatus": MOVED_ONLINE,
            "eventAttendanceMode": ONLINE,
            "location": {"@type": "VirtualLocation"},
        },
        "missing": {"location.url": NO_PUBLIC_WAY_IN},
    },
    "strategic-workforce-planning-workshop": {
        "expected": {
            "startDate": "2020-03-05",
            "endDate": "2020-03-05",
            "eventStatus": SCHEDULED,
            "eventAttendanceMode": IN_PERSON,
            "location": {
                "@type": "Place",
                "name": "30 Euston Square",
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": "30 Euston Square",
                    "addressLocality": "London",
                    "postalCode": "NW1 2FB",
                    "addressCountry": "GB",
                },
            },
            # NHS England and NHS Improvement's presentation was still to be confirmed.
            "performer": [
                organisation("Public Health England"),
                organisation("Health Education England"),
                organisation("GE Healthcare Partners Limited"),
                organisation("Oxford Health NHS Foundation Trust"),
            ],
        },
        "missing": {},
    },
    "thriving-at-work-workshop": {
        "expected": {"startDate": "2018-02", "eventStatus": SCHEDULED},
        "missing": {
            "startDate": "its day: the Collaborative's text says 'February 2018'",
            "location": "its venue: the Collaborative's text names none",
        },
    },
}


def example_workshop_facts(event):
    """The demo's example workshop: upcoming, at the Malmaison and online, with a booking form."""
    return {
        "expected": {
            "startDate": f"{event.date.isoformat()}T10:30:00+00:00",
            "endDate": f"{event.date.isoformat()}T15:30:00+00:00",
            "eventStatus": SCHEDULED,
            "eventAttendanceMode": MIXED,
            "location": [
                {
                    "@type": "Place",
                    "name": "Malmaison Hotel",
                    "address": {
                        "@type": "PostalAddress",
                        "streetAddress": "1-3 Piccadilly",
                        "addressLocality": "Manchester",
                        "postalCode": "M1 3AQ",
                        "addressCountry": "GB",
                    },
                },
                # The place to join online is the booking form: the link itself goes only to people booked.
                {"@type": "VirtualLocation", "url": HOME + "news-and-events/example-workshop/book/"},
            ],
            "offers": {
                "@type": "Offer",
                "url": HOME + "news-and-events/example-workshop/book/",
                "price": 0,
                "priceCurrency": "GBP",
                "availability": "https://schema.org/InStock",
            },
        },
        "missing": {},
    }


def past_example_workshop_facts(event):
    """The demo's past example workshop: held at 30 Euston Square and online, its booking over."""
    return {
        "expected": {
            "startDate": datetime.combine(event.date, time(10, 30), tzinfo=LONDON).isoformat(),
            "endDate": datetime.combine(event.date, time(15, 30), tzinfo=LONDON).isoformat(),
            "eventStatus": SCHEDULED,
            "eventAttendanceMode": MIXED,
            "location": [
                {
                    "@type": "Place",
                    "name": "30 Euston Square",
                    "address": {
                        "@type": "PostalAddress",
                        "streetAddress": "30 Euston Square",
                        "addressLocality": "London",
                        "postalCode": "NW1 2FB",
                        "addressCountry": "GB",
                    },
                },
                # No booking form to point to once the day is over: its own page.
                {"@type": "VirtualLocation", "url": HOME + "news-and-events/past-example-workshop/"},
            ],
        },
        "missing": {},
    }


def google_event_errors(data):
    """
    What Google's Event rich result would refuse in `data`: the required
    properties missing or in a form it does not accept, by property.
    """
    errors = set()
    if not data.get("name"):
        errors.add("name")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z))?", data.get("startDate", "")):
        errors.add("startDate")
    locations = data.get("location")
    if not locations:
        errors.add("location")
    for place in locations if isinstance(locations, list) else [locations] if locations else []:
        if place["@type"] == "Place" and not place.get("address", {}).get("streetAddress"):
            errors.add("location.address")
        if place["@type"] == "VirtualLocation" and not place.get("url"):
            errors.add("location.url")
    return errors


def location_types(data):
    locations = data.get("location") or []
    return sorted(place["@type"] for place in (locations if isinstance(locations, list) else [locations]))


def event_data(client, event):
    found = metadata(client.get(event.url))
    (data,) = [item for item in found.json_ld if item["@type"] == "Event"]
    return data


def test_every_event_qualifies_for_googles_event_results_when_its_facts_allow(client, initial_content):
    call_command("load_initial_content", "--demo", stdout=io.StringIO())
    events = {event.slug: event for event in EventPage.objects.live()}
    facts = dict(
        INITIAL_EVENTS,
        **{
            "example-workshop": example_workshop_facts(events["example-workshop"]),
            "past-example-workshop": past_example_workshop_facts(events["past-example-workshop"]),
        },
    )
    assert set(events) == set(facts)

    for slug, event in events.items():
        data = event_data(client, event)
        expected, missing = facts[slug]["expected"], facts[slug]["missing"]
        # Each fact the table above names, as this event has it (or not).
        assert data["name"] == event.title, slug
        assert data["description"] == event.summary, slug
        assert data["url"] == HOME.rstrip("/") + event.url, slug
        assert data["organizer"] == COLLABORATIVE, slug
        assert data["image"] == NHS_LOGO, slug
        for name in ("startDate", "endDate", "eventStatus", "eventAttendanceMode", "location", "performer", "offers"):
            assert data.get(name) == expected.get(name), f"{slug}: {name}"
        assert set(data) - {"@context", "@type", "url"} <= set(GOOGLE_EVENT_PROPERTIES), slug
        # A mode of attendance is claimed only with the place it promises.
        mode = data.get("eventAttendanceMode")
        assert (
            location_types(data)
            == {
                None: [],
                IN_PERSON: ["Place"],
                ONLINE: ["VirtualLocation"],
                MIXED: ["Place", "VirtualLocation"],
            }[mode]
        ), slug
        # Qualifies, or names the facts that keep it out.
        assert google_event_errors(data) == set(missing), slug

    qualifying = sorted(slug for slug in facts if not facts[slug]["missing"])
    assert qualifying == ["example-workshop", "past-example-workshop", "strategic-workforce-planning-workshop"]


def test_a_bookable_workshop_offers_free_places_until_they_are_all_booked(client, index, venue, today):
    event = add_event(index, "bookable", today + timedelta(days=30), venue=venue, capacity=2)
    form = add_booking_form(event)
    offer = event_data(client, event)["offers"]
    assert offer == {
        "@type": "Offer",
        "url": "http://testserver/news-and-events/bookable/book/",
        "price": 0,
        "priceCurrency": "GBP",
        "availability": "https://schema.org/InStock",
    }
    make_booking(form)
    make_booking(form)
    # Full: the form now takes names for the waiting list, but no place is left to offer.
    assert event_data(client, event)["offers"]["availability"] == "https://schema.org/SoldOut"


def test_an_offer_is_valid_from_when_booking_opens(client, index, venue, today):
    opens = timezone.now() + timedelta(days=3)
    event = add_event(index, "opens-later", today + timedelta(days=30), venue=venue, booking_opens_at=opens)
    add_booking_form(event)
    offer = event_data(client, event)["offers"]
    assert offer["validFrom"] == timezone.localtime(opens).replace(microsecond=0).isoformat()
    assert offer["availability"] == "https://schema.org/InStock"


@pytest.mark.parametrize(
    "change",
    [
        {"booking_closes_at": "past"},
        {"status": EventStatus.CANCELLED},
        {"status": EventStatus.POSTPONED},
    ],
    ids=["booking-closed", "cancelled", "postponed"],
)
def test_no_offer_once_booking_has_closed(client, index, venue, today, change):
    if change.get("booking_closes_at") == "past":
        change = {"booking_closes_at": timezone.now() - timedelta(hours=1)}
    event = add_event(index, "closed", today + timedelta(days=30), venue=venue, **change)
    add_booking_form(event)
    assert "offers" not in event_data(client, event)


def test_a_past_workshop_offers_nothing(client, index, venue, today):
    event = add_event(index, "over", today - timedelta(days=3), venue=venue)
    add_booking_form(event)
    data = event_data(client, event)
    assert "offers" not in data
    assert data["location"]["@type"] == "Place"


def test_an_online_workshop_is_joined_through_its_booking_form_never_its_own_page(client, index, today):
    event = add_event(
        index,
        "online-workshop",
        today + timedelta(days=30),
        attendance_mode=AttendanceMode.ONLINE,
        joining_instructions="https://meet.example.org/secret-room passcode 1234",
    )
    add_booking_form(event)
    data = event_data(client, event)
    assert data["location"] == {
        "@type": "VirtualLocation",
        "url": "http://testserver/news-and-events/online-workshop/book/",
    }
    assert google_event_errors(data) == set()
    assert "secret-room" not in str(data)


def test_a_workshop_moved_online_is_online_whatever_its_original_mode(client, index, venue, today):
    event = add_event(index, "moved", today + timedelta(days=30), venue=venue, status=EventStatus.MOVED_ONLINE)
    add_booking_form(event)
    data = event_data(client, event)
    assert data["eventAttendanceMode"] == ONLINE
    assert data["location"] == {"@type": "VirtualLocation", "url": "http://testserver/news-and-events/moved/book/"}


def test_a_hybrid_event_without_a_recorded_venue_claims_only_the_online_part(client, index, today):
    event = add_event(index, "hybrid-past", today - timedelta(days=400), attendance_mode=AttendanceMode.HYBRID)
    data = event_data(client, event)
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation"}


def test_speakers_are_people_with_their_organisation_or_the_organisation_presenting(client, index, today):
    def session(speakers, to_be_confirmed=False):
        return {
            "time": None,
            "title": "A talk",
            "speakers": speakers,
            "to_be_confirmed": to_be_confirmed,
            "description": "",
        }

    dyer = {"name": "Dr Jacqui Dyer", "role": "Chair", "organisation": "Health Education England"}
    agenda = [
        {
            "type": "part",
            "value": {
                "heading": "Morning",
                "sessions": [
                    session([dyer, {"name": "", "role": "", "organisation": "Public Health England"}]),
                    session([dyer]),
                    session([{"name": "Not Yet Asked", "role": "", "organisation": ""}], to_be_confirmed=True),
                ],
            },
        }
    ]
    event = add_event(index, "speakers", today + timedelta(days=30), agenda=agenda)
    assert event_data(client, event)["performer"] == [
        {
            "@type": "Person",
            "name": "Dr Jacqui Dyer",
            "jobTitle": "Chair",
            "affiliation": {"@type": "Organization", "name": "Health Education England"},
        },
        {"@type": "Organization", "name": "Public Health England"},
    ]


@pytest.fixture
def photo(db):
    return get_image_model().objects.create(title="The workshop room", file=get_test_image_file(size=(1200, 800)))


def image_addresses(image, *specs):
    return [f"http://testserver{image.get_rendition(spec).url}" for spec in specs]


SCHEMA_SHAPES = ("fill-1920x1080", "fill-1600x1200", "fill-1200x1200")


def test_an_event_shows_its_own_image_else_the_sites_default(client, index, venue, today, initial_content, photo):
    own = add_event(index, "pictured", today + timedelta(days=30), venue=venue, listing_image=photo)
    plain = add_event(index, "plain", today + timedelta(days=31), venue=venue)
    assert event_data(client, own)["image"] == image_addresses(photo, *SCHEMA_SHAPES)
    assert event_data(client, plain)["image"] == NHS_LOGO

    default = get_image_model().objects.create(title="The Collaborative", file=get_test_image_file(size=(1000, 600)))
    settings = SiteSettings.for_site(initial_content.get_site())
    settings.default_sharing_image = default
    settings.save()
    assert event_data(client, plain)["image"] == image_addresses(default, *SCHEMA_SHAPES)
    assert event_data(client, own)["image"] == image_addresses(photo, *SCHEMA_SHAPES)


# News ---------------------------------------------------------------------------


def news_data(client, item):
    (data,) = [found for found in metadata(client.get(item.url)).json_ld if found["@type"] == "NewsArticle"]
    return data


def test_a_news_item_says_when_it_was_published_and_by_whom(client, index, photo):
    item = add_news(index, "dated", date(2021, 5, 6), image=photo)
    item.save_revision().publish()
    item.refresh_from_db()
    data = news_data(client, item)
    assert data["headline"] == "Dated"
    assert data["datePublished"] == "2021-05-06"
    assert data["dateModified"] == timezone.localtime(item.last_published_at).replace(microsecond=0).isoformat()
    assert data["author"] == COLLABORATIVE
    assert data["publisher"] == COLLABORATIVE
    # Its picture, when it has one and no listing image.
    assert data["image"] == image_addresses(photo, *SCHEMA_SHAPES)


def test_an_undated_news_item_claims_no_publication_date(client, initial_content):
    # The source gives the Thriving at Work news item no date: the day it was
    # loaded is not when it was published (nor does the feed date it).
    item = NewsPage.objects.get(slug="thriving-at-work-report")
    data = news_data(client, item)
    assert "datePublished" not in data
    assert data["author"] == COLLABORATIVE
    assert data["image"] == NHS_LOGO


def test_event_times_are_london_times_in_summer_and_winter(client, index, venue):
    summer = add_event(index, "summer", date(2027, 7, 1), venue=venue, start_time=time(10, 30), end_time=time(12, 30))
    winter = add_event(index, "winter", date(2027, 1, 7), venue=venue, start_time=time(10, 30))
    assert event_data(client, summer)["startDate"] == "2027-07-01T10:30:00+01:00"
    assert event_data(client, summer)["endDate"] == "2027-07-01T12:30:00+01:00"
    assert event_data(client, winter)["startDate"] == "2027-01-07T10:30:00+00:00"
    assert event_data(client, winter)["endDate"] == "2027-01-07"
