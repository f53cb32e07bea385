"""The News and events section as loaded from the Collaborative's texts (docs/content-sources.md)."""

import io
import re
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.booking.feedback import has_given_feedback
from events.initial_content import VENUES, next_quarterly_meeting
from events.models import AttendanceMode, Contact, EventPage, EventStatus, NewsPage, PlaceKind, Venue
from tests.conftest import html

pytestmark = pytest.mark.django_db

# slug: (date, start, end, shown as, venue or "Online", status, originally planned at)
SEED_EVENTS = {
    "diversity-and-inclusion-workshop": (
        date(2020, 11, 16),
        time(10, 30),
        None,
        "Monday 16 November 2020, 10:30am",
        None,
        "scheduled",
        None,
    ),
    "health-education-england-mental-health-programme-videoconference": (
        date(2020, 9, 15),
        None,
        None,
        "Tuesday 15 September 2020",
        "Online",
        "moved_online",
        "Tavistock and Portman NHS FT",
    ),
    "psychological-support-for-nhs-staff-videoconference": (
        date(2020, 7, 2),
        time(10, 30),
        time(12, 30),
        "Thursday 2 July 2020, 10:30am to 12:30pm",
        "Online",
        "scheduled",
        None,
    ),
    "covid-19-workforce-issues-videoconference": (
        date(2020, 5, 14),
        None,
        None,
        "Thursday 14 May 2020",
        "Online",
        "moved_online",
        "The Studio",
    ),
    "strategic-workforce-planning-workshop": (
        date(2020, 3, 5),
        None,
        None,
        "Thursday 5 March 2020",
        "30 Euston Square",
        "scheduled",
        None,
    ),
    "thriving-at-work-workshop": (date(2018, 2, 1), None, None, "February 2018", None, "scheduled", None),
}


def load(*args):
    call_command("load_initial_content", *args, stdout=io.StringIO())


def test_every_event_from_the_source_texts_is_present(initial_content):
    events = {event.slug: event for event in EventPage.objects.live().select_related("venue")}
    assert set(events) == set(SEED_EVENTS)
    for slug, (day, start, end, shown, where, status, original) in SEED_EVENTS.items():
        event = events[slug]
        assert (event.date, event.start_time, event.end_time) == (day, start, end), slug
        assert event.when == shown
        if where == "Online":
            assert event.is_online, slug
        else:
            assert (event.venue.name if event.venue else None) == where, slug
        assert event.status == status
        assert (event.originally_planned_venue.name if event.originally_planned_venue else None) == original
        assert event.booking_contact is None or event.booking_contact.name == "Joanna Daci"


def test_the_four_venues_have_their_published_addresses(initial_content):
    venues = {venue.name: (venue.address_line_1, venue.town_or_city, venue.postcode) for venue in Venue.objects.all()}
    assert venues == {
        "30 Euston Square": ("30 Euston Square", "London", "NW1 2FB"),
        "The Studio": ("7 Cannon Street", "Birmingham", "B2 5EP"),
        "Tavistock and Portman NHS FT": ("120 Belsize Lane", "London", "NW3 5BS"),
        "Malmaison Hotel": ("1-3 Piccadilly", "Manchester", "M1 3AQ"),
    }


def test_the_contact_is_named_and_their_email_left_blank(initial_content):
    contact = Contact.objects.get()
    assert (contact.name, contact.role, contact.email) == ("Joanna Daci", "Programme Operations Manager", "")


def test_the_workshop_agenda_and_audience_are_as_published(initial_content):
    event = EventPage.objects.get(slug="strategic-workforce-planning-workshop")
    assert sorted(role.name for role in event.audience.all()) == [
        "Director of HR",
        "Director of Nursing",
        "Director of Organisational Development / Training",
    ]
    parts = [(part.value["heading"], [s["title"] for s in part.value["sessions"]]) for part in event.agenda]
    assert parts[1] == (
        "Workforce planning models and sharing good practice",
        [
            "WRaPT – A strategic workforce planning tool for health and social care: the background, examples of "
            "the tool and its impact",
            "Skills Mix modelling",
            "The Calderdale Framework",
        ],
    )
    tbc = [s["title"] for part in event.agenda for s in part.value["sessions"] if s["to_be_confirmed"]]
    assert tbc == ["Mental health workforce growth: the challenge and the opportunity"]


def test_the_thriving_at_work_news_item_links_to_its_workshop(initial_content):
    item = NewsPage.objects.get(slug="thriving-at-work-report")
    assert item.date is None
    assert [link.page.slug for link in item.related_pages.all()] == ["thriving-at-work-workshop"]


def test_news_and_events_leads_the_menu(client, initial_content):
    from tests.conftest import html

    links = [a.get_text(strip=True) for a in html(client.get("/")).select(".nhsuk-header__navigation-link[href]")]
    assert links == ["News and events", "Reports", "About the Collaborative", "Contact us"]


def test_the_example_workshop_is_only_made_on_request(initial_content):
    assert not EventPage.objects.filter(slug="example-workshop").exists()
    load("--demo")
    example = EventPage.objects.get(slug="example-workshop")
    assert "not a real event" in example.title
    assert example.date >= timezone.localdate() + timedelta(days=28)
    assert example.date.weekday() == 3  # a Thursday, like the Collaborative's meetings
    assert example.capacity == 50 and example.venue is not None


def test_the_example_workshop_is_held_in_person_and_online_for_trying_both_places(initial_content):
    load("--demo")
    example = EventPage.objects.get(slug="example-workshop")

    assert example.attendance_mode == AttendanceMode.HYBRID
    # The room's 50 places; nobody is kept from joining online.
    assert (example.capacity_for(PlaceKind.IN_PERSON), example.capacity_for(PlaceKind.ONLINE)) == (50, None)
    assert example.joining_instructions.startswith("Example joining instructions, for trying the site")
    assert "does not exist on the live site" in example.joining_instructions
    assert "in person and online" in example.summary and "does not exist on the live site" in example.summary
    example.full_clean()


def test_an_untouched_example_workshop_from_before_becomes_hybrid_and_an_edited_one_is_kept(initial_content):
    from tests.conftest import make_user

    load("--demo")
    example = EventPage.objects.get(slug="example-workshop")
    # As an earlier version of the loader left it: in person only.
    example.attendance_mode, example.joining_instructions = AttendanceMode.IN_PERSON, ""
    example.save_revision(user=None).publish(user=None, log_action=False)
    day = example.date

    load("--demo")

    example = EventPage.objects.get(slug="example-workshop")
    assert (example.attendance_mode, example.date) == (AttendanceMode.HYBRID, day)
    example.attendance_mode = AttendanceMode.IN_PERSON
    example.save_revision(user=make_user("editor")).publish()
    load("--demo")
    assert EventPage.objects.get(slug="example-workshop").attendance_mode == AttendanceMode.IN_PERSON


def test_loading_with_the_demo_twice_changes_nothing(initial_content):
    load("--demo")
    before = list(EventPage.objects.order_by("pk").values_list("slug", "date", "latest_revision_id"))
    load("--demo")
    assert list(EventPage.objects.order_by("pk").values_list("slug", "date", "latest_revision_id")) == before


@pytest.mark.parametrize(
    ("today", "meeting_day", "venue_name"),
    [
        (date(2026, 11, 23), date(2026, 12, 24), "Malmaison Hotel"),
        (date(2027, 1, 10), date(2027, 2, 11), "30 Euston Square"),
        (date(2027, 3, 20), date(2027, 4, 22), "The Studio"),
    ],
)
def test_the_example_follows_the_venue_rotation(today, meeting_day, venue_name):
    venues = [Venue(**venue) for venue in VENUES]
    day, venue = next_quarterly_meeting(today, venues)
    assert (day, venue.name) == (meeting_day, venue_name)


def test_seed_event_pages_say_what_the_sources_say(client, initial_content, seed_text):
    from tests.conftest import html

    for slug in ("psychological-support-for-nhs-staff-videoconference", "strategic-workforce-planning-workshop"):
        event = EventPage.objects.get(slug=slug)
        assert " ".join(event.summary.split()) in seed_text
        soup = html(client.get(event.url))
        assert soup.main.h1.get_text(" ", strip=True).endswith(event.title)
    assert EventStatus.MOVED_ONLINE in EventPage.objects.values_list("status", flat=True)


def summary_facts(soup):
    return {
        row.dt.get_text(strip=True): " ".join(row.dd.get_text(" ").split())
        for row in soup.select("main dl.nhsuk-summary-list .nhsuk-summary-list__row")
    }


def test_only_the_workshop_the_source_limits_shows_its_places(client, initial_content):
    # "Limited to 50 spaces" is said of the 2020 quarterly workshops as
    # planned at their venues; of those, only 5 March was held as planned.
    for event in EventPage.objects.live():
        facts = summary_facts(html(client.get(event.url)))
        expected = "50" if event.slug == "strategic-workforce-planning-workshop" else None
        assert facts.get("Places") == expected, event.slug


def test_dr_dyers_talk_is_in_the_morning_without_a_clock_time(client, initial_content, seed_text):
    assert "In the morning, Dr Jacqui Dyer will present" in seed_text
    event = EventPage.objects.get(slug="diversity-and-inclusion-workshop")
    agenda = html(client.get(event.url)).select_one("main ol.agenda")
    assert agenda.find_previous("h3").get_text(strip=True) == "Morning"
    assert "Dr Jacqui Dyer" in agenda.get_text()
    assert not re.search(r"\d(am|pm)", agenda.get_text()), "the source gives no time for the talk"


def test_no_agenda_session_has_a_time_the_sources_do_not_give(initial_content):
    timed = [
        (event.slug, session["title"])
        for event in EventPage.objects.all()
        for part in event.agenda
        for session in part.value["sessions"]
        if session["time"]
    ]
    assert timed == []


def test_the_thriving_at_work_news_item_says_the_full_report_is_not_online(client, initial_content):
    item = NewsPage.objects.get(slug="thriving-at-work-report")
    main = html(client.get(item.url)).main
    assert "The full workshop report is not yet published on this website." in " ".join(main.get_text(" ").split())
    assert main.find("a", string="contact us")["href"] == "/contact-us/"


def test_only_events_whose_text_names_the_contact_have_one(initial_content, seed_text):
    # "please contact Joanna Daci, Programme Operations Manager" (or "contact
    # Joanna") closes the texts of the videoconferences and the diversity and
    # inclusion workshop; those of 5 March 2020 and February 2018 name nobody.
    assert seed_text.count("contact Joanna") == 4
    contacts = dict(EventPage.objects.values_list("slug", "booking_contact__name"))
    assert contacts == {
        "diversity-and-inclusion-workshop": "Joanna Daci",
        "health-education-england-mental-health-programme-videoconference": "Joanna Daci",
        "psychological-support-for-nhs-staff-videoconference": "Joanna Daci",
        "covid-19-workforce-issues-videoconference": "Joanna Daci",
        "strategic-workforce-planning-workshop": None,
        "thriving-at-work-workshop": None,
    }


def test_loading_again_corrects_untouched_events_and_keeps_edited_ones(initial_content):
    from tests.conftest import make_user

    # As an earlier version of the loader left them: 50 places everywhere.
    for event in EventPage.objects.all():
        event.capacity = 50
        event.save_revision(user=None).publish(user=None, log_action=False)
    edited = EventPage.objects.get(slug="covid-19-workforce-issues-videoconference")
    edited.capacity = 40
    edited.save_revision(user=make_user("editor")).publish()

    load()

    assert dict(EventPage.objects.values_list("slug", "capacity")) == {
        "diversity-and-inclusion-workshop": None,
        "health-education-england-mental-health-programme-videoconference": None,
        "psychological-support-for-nhs-staff-videoconference": None,
        "covid-19-workforce-issues-videoconference": 40,
        "strategic-workforce-planning-workshop": 50,
        "thriving-at-work-workshop": None,
    }


def test_the_past_example_workshop_has_what_follows_a_workshop_to_try(initial_content, client):
    from events.booking.certificates import learning_time
    from events.models import AttendanceTaken, Certificate, FeedbackFormPage

    assert not EventPage.objects.filter(slug="past-example-workshop").exists()
    output = io.StringIO()
    call_command("load_initial_content", "--demo", stdout=output)

    past = EventPage.objects.get(slug="past-example-workshop")
    assert "not a real event" in past.title and past.is_past()
    assert past.date.weekday() == 3 and past.date < timezone.localdate() - timedelta(days=14)
    assert [material.document.title for material in past.materials.all()] == [
        "Example presentation (for trying the site: not a real presentation)"
    ]
    bookings = list(past.bookings.order_by("pk"))
    assert all(booking.name.startswith("Example attendee") for booking in bookings)
    assert all(booking.email.endswith("@example.org") for booking in bookings)
    assert [booking.attended_at is not None for booking in bookings] == [True] * 5 + [False]
    assert set(AttendanceTaken.objects.filter(event=past).values_list("place_kind", flat=True)) == set(PlaceKind)
    assert FeedbackFormPage.objects.child_of(past).live().exists()
    responses = list(past.feedback_responses.all())
    assert len(responses) == 3 and all(not response.name for response in responses)
    assert sum(has_given_feedback(booking) for booking in bookings) == 3
    certificate = Certificate.objects.get()
    assert certificate.booking == bookings[0]
    assert learning_time(past) == timedelta(hours=4, minutes=15)

    # Where to try it is printed, and both addresses answer.
    printed = output.getvalue()
    certificate_address = re.search(r"Try a certificate of attendance: http://[^/]+(/\S+)", printed).group(1)
    check_address = re.search(r"and its public check: http://[^/]+(/\S+)", printed).group(1)
    assert "Example attendee 1" in html(client.get(certificate_address)).main.get_text()
    assert "Example attendee 1" in html(client.get(check_address)).main.get_text()
    # The page shows its presentation now that the day is over.
    assert "Example presentation" in html(client.get(past.url)).main.get_text()


def test_loading_the_past_example_again_adds_nothing(initial_content):
    from events.models import Booking, Certificate, FeedbackResponse

    load("--demo")
    counts = (Booking.objects.count(), FeedbackResponse.objects.count(), Certificate.objects.count())
    date_before = EventPage.objects.get(slug="past-example-workshop").date
    load("--demo")
    assert (Booking.objects.count(), FeedbackResponse.objects.count(), Certificate.objects.count()) == counts
    assert EventPage.objects.get(slug="past-example-workshop").date == date_before
