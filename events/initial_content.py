"""
The News and events section, from the Collaborative's own texts
(../shared/seeds/: the "News and events" page and the 2020 schedule on
"About the Collaborative"). docs/content-sources.md explains each reading
where the texts are ambiguous; nothing here goes beyond those readings.
"""

from datetime import date, time, timedelta

from django.utils import timezone
from wagtail.models import Page

from home.initial_content import CONTACT_NAME, CONTACT_ROLE, bullets, inset_text, page_link, paragraph
from home.models import HomePage, SiteSettings, StandardPage

from .models import (
    AttendanceMode,
    AudienceRole,
    BookingFormPage,
    Contact,
    EventPage,
    EventStatus,
    EventType,
    NewsAndEventsIndexPage,
    NewsPage,
    NewsPageRelatedPage,
    Organisation,
    Venue,
)

# "The workshop attendees will be limited to 50 spaces" (About the
# Collaborative) is said of the 2020 quarterly workshops as planned, at venues
# and "taking into consideration the administration arrangements and costs"
# of them. Of the four, only 5 March was held as planned. 14 May and 15
# September were held by videoconference, and the texts that announce them
# give no limit; 19 November is not linked to an event of ours
# (docs/content-sources.md). So only 5 March has its places; every other
# event's is blank: no number is shown.
QUARTERLY_WORKSHOP_PLACES = 50

# The four venues of the 2020 schedule, in its rotation order.
VENUES = [
    {"name": "30 Euston Square", "address_line_1": "30 Euston Square", "town_or_city": "London", "postcode": "NW1 2FB"},
    {
        "name": "The Studio",
        "address_line_1": "7 Cannon Street",
        "town_or_city": "Birmingham",
        "postcode": "B2 5EP",
    },
    {
        "name": "Tavistock and Portman NHS FT",
        "address_line_1": "120 Belsize Lane",
        "town_or_city": "London",
        "postcode": "NW3 5BS",
    },
    {
        "name": "Malmaison Hotel",
        "address_line_1": "1-3 Piccadilly",
        "town_or_city": "Manchester",
        "postcode": "M1 3AQ",
    },
]


# The NHS organisations the texts name, as they name them
# (docs/content-sources.md, "Organisations"): for the list bookers choose
# from. The texts say of none that it is a member of the Collaborative (its
# seven founding Trusts are not named) and give no ODS codes, so neither is
# filled in: the Collaborative completes the list.
ORGANISATIONS = [
    # "Skills Mix modelling – presentation by Oxford Health NHS Foundation Trust".
    "Oxford Health NHS Foundation Trust",
    # A 2020 venue, "Tavistock and Portman NHS FT": FT spelled out, as the trust's full name.
    "Tavistock and Portman NHS Foundation Trust",
    # "engaging with Health Education England and other national bodies".
    "Health Education England",
    # "Presentation by Public Health England".
    "Public Health England",
    # "Presentation by NHS England and NHS Improvement (TBC)".
    "NHS England and NHS Improvement",
    # "national bodies e.g. Mental Health Nursing, NHS Employers, regulators".
    "NHS Employers",
]


def load_organisations(model):
    """
    The organisations, into an empty list (the model as it is, or as a
    migration knows it: events/migrations/0019 gives a site that had none
    the list). From then on the Collaborative keeps it: an organisation
    renamed or deleted stays so.
    """
    if model.objects.exists():
        return
    model.objects.bulk_create(model(name=name) for name in ORGANISATIONS)


def speaker(name="", role="", organisation=""):
    return {"name": name, "role": role, "organisation": organisation}


def session(title, *speakers, start=None, to_be_confirmed=False):
    return {
        "time": start,
        "title": title,
        "speakers": list(speakers),
        "to_be_confirmed": to_be_confirmed,
        "description": "",
    }


def part(heading, *sessions):
    return {"type": "part", "value": {"heading": heading, "sessions": list(sessions)}}


def load(loader):
    home = HomePage.objects.get()
    venues = [loader.ensure_object(Venue, {"name": v["name"]}, **v) for v in VENUES]
    euston, studio, tavistock, malmaison = venues
    joanna = loader.ensure_object(Contact, {"name": CONTACT_NAME}, role=CONTACT_ROLE)
    load_organisations(Organisation)
    roles = {
        name: loader.ensure_object(AudienceRole, {"name": name})
        for name in (
            "Director of Nursing",
            "Director of HR",
            "Director of Organisational Development / Training",
            "Staff health and wellbeing lead",
        )
    }

    index = loader.ensure_page(
        home,
        NewsAndEventsIndexPage,
        "news-and-events",
        title="News and events",
        introduction=(
            "The Collaborative's workshops and videoconferences for strategic leaders from NHS trusts in "
            "England that provide mental health services, and its news."
        ),
        show_in_menus=True,
    )
    _put_first_in_menu(home, index)
    contact_page = SiteSettings.for_site(home.get_site()).contact_page

    loader.ensure_page(
        index,
        EventPage,
        "diversity-and-inclusion-workshop",
        title="Collaborative workshop on diversity and inclusion",
        event_type=EventType.WORKSHOP,
        date=date(2020, 11, 16),
        start_time=time(10, 30),
        end_time=None,
        attendance_mode=AttendanceMode.IN_PERSON,
        venue=None,
        summary=(
            "In the morning, Dr Jacqui Dyer will present an overview of the Mental Health Workforce Equalities "
            "Subgroup and Implementation Project."
        ),
        aims="",
        body=[
            paragraph(
                "<p>In the afternoon, we be discussing the system wide-work around equalities, diversity and "
                "inclusion. We will also be sharing outputs from the Unit’s projects and discussing how we "
                "embedded diversity and inclusion thinking within our projects work.</p>"
            )
        ],
        agenda=[
            part(
                "Morning",
                session(
                    "Overview of the Mental Health Workforce Equalities Subgroup and Implementation Project",
                    speaker(name="Dr Jacqui Dyer"),
                ),
            ),
            part(
                "Afternoon",
                session("The system wide-work around equalities, diversity and inclusion"),
                session(
                    "Outputs from the Unit’s projects, and how we embedded diversity and inclusion thinking "
                    "within our projects work"
                ),
            ),
        ],
        capacity=None,
        booking_contact=joanna,
    )

    loader.ensure_page(
        index,
        EventPage,
        "health-education-england-mental-health-programme-videoconference",
        title="Videoconference on Health Education England National Mental Health programme of work",
        event_type=EventType.VIDEOCONFERENCE,
        date=date(2020, 9, 15),
        start_time=None,
        end_time=None,
        attendance_mode=AttendanceMode.ONLINE,
        venue=None,
        status=EventStatus.MOVED_ONLINE,
        originally_planned_venue=tavistock,
        summary=(
            "This Collaborative workshop will be about engaging the mental health Trusts in the Health Education "
            "England National Mental Health programme work plan."
        ),
        aims=(
            "<p>Specifically, we will consider Health Education England Mental Health workforce delivery plan "
            "and growth until 2024:</p><ul><li>Areas of focus and key Mental Health workforce issues</li>"
            "<li>Outline of the workforce approach required to support the delivery.</li></ul>"
        ),
        body=[
            paragraph(
                "<p>We will explore the changes to this plan in light of COVID-19 with focus on both mental health "
                "Trust staff wellbeing and on impact on mental health services from a Health Education England "
                "National Mental Health team point of view.</p>"
            )
        ],
        agenda=[],
        capacity=None,
        booking_contact=joanna,
    )

    loader.ensure_page(
        index,
        EventPage,
        "psychological-support-for-nhs-staff-videoconference",
        title="Videoconference on psychological support for NHS staff",
        event_type=EventType.VIDEOCONFERENCE,
        date=date(2020, 7, 2),
        start_time=time(10, 30),
        end_time=time(12, 30),
        attendance_mode=AttendanceMode.ONLINE,
        venue=None,
        summary=(
            "It was agreed to organise an additional one-off forum to discuss what kind of work the mental "
            "health providers could do in the system to support staff post COVID-19 outbreak."
        ),
        aims="",
        body=[
            paragraph(
                "<p>At the last workshop in May 2020, mental health Trusts providers in England discussed the "
                "approaches to supporting their staff wellbeing across the system. They have developed and are "
                "still developing a range of initiatives to support their staff during the COVID-19 outbreak. "
                "There is a vast library of resources which sign post staff to the appropriate support. However, "
                "an immediate issue is around psychological support for NHS staff. A long-term specialist support "
                "will be needed. What the provider Trusts can do to support their staff who experienced trauma in "
                "the post-pandemic phase? As there is a high risk of developing unfavourable mental health "
                "outcomes in the post-emergency phase, consequently, staff may need appropriate psychological "
                "support or interventions.</p>"
            ),
            paragraph(
                "<p>It is important to understand ‘Post Traumatic Stress Disorder’ and early symptoms. The system "
                "requires a big scale mental health support intervention. NHS staff needs space and time to "
                "process trauma, guilt and anxiety. It is also important to consider how long this support will "
                "be going for and if there are any preventative work that the Collaborative can do. The next "
                "workshop will explore these issues.</p>"
            ),
        ],
        agenda=[],
        capacity=None,
        booking_contact=joanna,
    )

    loader.ensure_page(
        index,
        EventPage,
        "covid-19-workforce-issues-videoconference",
        title="Videoconference on Workforce issues arising from the COVID-19 (coronavirus) outbreak",
        event_type=EventType.VIDEOCONFERENCE,
        date=date(2020, 5, 14),
        start_time=None,
        end_time=None,
        attendance_mode=AttendanceMode.ONLINE,
        venue=None,
        status=EventStatus.MOVED_ONLINE,
        originally_planned_venue=studio,
        summary=(
            "The Collaborative videoconference on workforce issues arising from the COVID-19 (coronavirus) "
            "outbreak is taking place on 14 May 2020."
        ),
        aims="<p>The purpose of the meeting is to:</p>"
        + bullets(
            "discuss approaches to supporting the mental health and wellbeing of healthcare workers during the "
            "COVID-19 pandemic, explore the impact of the recommendations against the Partner Trusts’ current "
            "approach to safe staffing and workforce planning",
            "hear good practice examples of services related to support COVID 19 support for workforce",
            "discuss the development of the post-COVID 19 Collaborative Mental Health workforce workplan.",
        )["value"],
        body=[],
        agenda=[],
        capacity=None,
        booking_contact=joanna,
    )

    loader.ensure_page(
        index,
        EventPage,
        "strategic-workforce-planning-workshop",
        title="Workshop on strategic workforce planning in mental health settings",
        event_type=EventType.WORKSHOP,
        date=date(2020, 3, 5),
        start_time=None,
        end_time=None,
        attendance_mode=AttendanceMode.IN_PERSON,
        venue=euston,
        summary=(
            "This workshop aims to help representatives from MH Trusts in England to plan how to improve mental "
            "health services / outcomes for patients and also to support their work towards the commitments "
            "within the NHS report ‘Five Year Forward View for Mental Health’ and NHS Long Term Plan."
        ),
        aims=(
            "<p>This workshop will try to set the context for strategic workforce planning in mental health and "
            "service design. It will also establish common understanding of how the population and public mental "
            "health will look like so better strategic workforce planning decisions can be made.</p>"
        ),
        body=[
            paragraph(
                "<p>The Collaborative is inviting all NHS Trusts in England, that provide MH services, to the "
                "second of the series of workshops to focus on strategic mental health workforce planning issues "
                "from a provider view. We are inviting the Director of Nursing, Director of HR and Director of "
                "Organisational Development / Training.</p>"
            )
        ],
        agenda=[
            part(
                "Workshop presentations",
                session(
                    "Understanding macro-level England’s population and public mental health in order to "
                    "facilitate: strategic workforce planning and service planning in mental health, and engagement "
                    "with STPs and ICS",
                    speaker(organisation="Public Health England"),
                ),
                session(
                    "Mental health workforce growth: the challenge and the opportunity",
                    speaker(organisation="NHS England and NHS Improvement"),
                    to_be_confirmed=True,
                ),
                session(
                    "Health Education England approach to strategic workforce planning in Mental Health",
                    speaker(organisation="Health Education England"),
                ),
            ),
            part(
                "Workforce planning models and sharing good practice",
                session(
                    "WRaPT – A strategic workforce planning tool for health and social care: the background, "
                    "examples of the tool and its impact",
                    speaker(organisation="GE Healthcare Partners Limited"),
                ),
                session("Skills Mix modelling", speaker(organisation="Oxford Health NHS Foundation Trust")),
                session("The Calderdale Framework"),
            ),
        ],
        audience=[
            roles["Director of Nursing"],
            roles["Director of HR"],
            roles["Director of Organisational Development / Training"],
        ],
        capacity=QUARTERLY_WORKSHOP_PLACES,
        # Its text names no contact (a new event's default is the last one used).
        booking_contact=None,
    )

    thriving_workshop = loader.ensure_page(
        index,
        EventPage,
        "thriving-at-work-workshop",
        title="Workshop for HR Directors on the Thriving at Work report",
        event_type=EventType.WORKSHOP,
        date=date(2018, 2, 1),
        date_shows_month_only=True,
        start_time=None,
        end_time=None,
        attendance_mode=AttendanceMode.IN_PERSON,
        venue=None,
        summary=(
            "The Collaborative workshop considered how to adopt the recommendations from Thriving at Work report, "
            "commissioned by the Prime Minister and led by Dennis Stevenson and Paul Farmer."
        ),
        aims="",
        body=[
            paragraph(
                "<p>HR directors and staff health and wellbeing leads from the Collaborative came together to "
                "workshop strategic and operational approaches to implementing the core and enhanced standards "
                "from the Stevenson and Farmer’s report.</p>"
            )
        ],
        agenda=[],
        audience=[roles["Director of HR"], roles["Staff health and wellbeing lead"]],
        capacity=None,
        booking_contact=None,
    )

    loader.ensure_page(
        index,
        NewsPage,
        "thriving-at-work-report",
        title="Read our report on ‘Thriving at Work’",
        date=None,
        summary=(
            "The workshop report is intended to assist NHS organisation in measuring current practice against the "
            "recommendations, and to share good practice in developing plans to meet the Stevenson and Farmer’s "
            "recommendations."
        ),
        body=[
            paragraph(
                "<p>In February 2018, the unit organised a workshop for HR Directors. The Collaborative workshop "
                "considered how to adopt the recommendations from Thriving at Work report, commissioned by the "
                "Prime Minister and led by Dennis Stevenson and Paul Farmer. HR directors and staff health and "
                "wellbeing leads from the Collaborative came together to workshop strategic and operational "
                "approaches to implementing the core and enhanced standards from the Stevenson and Farmer’s report. "
                "The workshop report is intended to assist NHS organisation in measuring current practice against "
                "the recommendations, and to share good practice in developing plans to meet the Stevenson and "
                "Farmer’s recommendations.</p>"
            ),
            # The text ends "Read the full Collaborative workshop report here."
            # with its link removed: the report is not on this site.
            inset_text(
                "<p>The full workshop report is not yet published on this website. To ask for a copy, "
                f"{page_link(contact_page, 'contact us')}.</p>"
            ),
        ],
        related_pages=[NewsPageRelatedPage(page=thriving_workshop)],
    )

    if loader.demo:
        _ensure_example_workshop(loader, index, venues, joanna, roles)
        # Imported here: it builds on this module's helpers, and needs the booking app's certificates.
        from .example_past_workshop import ensure_past_example_workshop

        ensure_past_example_workshop(loader, index, venues[0], joanna, roles)


def _put_first_in_menu(home, index):
    """News and events leads the menu, ahead of the general pages."""
    first = home.get_children().first()
    if first is not None and first.pk != index.pk and StandardPage.objects.filter(pk=first.pk).exists():
        index.move(first, pos="left")


def next_quarterly_meeting(today, venues):
    """
    The next meeting in the Collaborative's pattern: a Thursday at least four
    weeks away, at the venue whose turn it is in the rotation (one venue a
    quarter, in the 2020 schedule's order).
    """
    day = today + timedelta(days=28)
    day += timedelta(days=(3 - day.weekday()) % 7)
    quarter = (day.month - 1) // 3
    return day, venues[quarter % len(venues)]


# The example workshop is held in person and online, so that both kinds of
# place can be tried: the 50 places are the room's (the texts' limit is of a
# room's attendees), and online places have no limit. Kept apart from the
# date and venue, which are fixed when the example is first made.
EXAMPLE_WORKSHOP = {
    "title": "Example workshop (for trying the site: not a real event)",
    "summary": (
        "An example workshop, in person and online, created by make run so that the booking journey can be "
        "tried on a local copy of the site. It does not exist on the live site."
    ),
    "attendance_mode": AttendanceMode.HYBRID,
    "capacity": QUARTERLY_WORKSHOP_PLACES,
    "online_capacity": None,
    "joining_instructions": (
        "Example joining instructions, for trying the site: a real workshop gives here the link, meeting ID and "
        "passcode for joining online. This example workshop does not exist on the live site and has no meeting "
        "to join."
    ),
}


def _ensure_example_workshop(loader, index, venues, contact, roles):
    existing = EventPage.objects.child_of(index).filter(slug="example-workshop").first()
    now = timezone.now()
    today = timezone.localdate(now)
    if existing is not None and not existing.is_past(now):
        # Its date and venue stay; an example nobody has edited becomes the current one.
        workshop = loader.update_page(existing.specific, **EXAMPLE_WORKSHOP)
    else:
        workshop = _ensure_example_workshop_page(loader, index, venues, contact, roles, today)
    loader.ensure_page(
        workshop,
        BookingFormPage,
        "book",
        title="Book a place",
        introduction="Booking takes about a minute. We will e-mail you a confirmation with a calendar invitation.",
        privacy_notice=Page.objects.filter(slug="privacy-notice").first(),
    )


def _ensure_example_workshop_page(loader, index, venues, contact, roles, today):
    day, venue = next_quarterly_meeting(today, venues)
    return loader.ensure_page(
        index,
        EventPage,
        "example-workshop",
        **EXAMPLE_WORKSHOP,
        event_type=EventType.WORKSHOP,
        date=day,
        start_time=time(10, 30),
        end_time=time(15, 30),
        venue=venue,
        aims="",
        body=[],
        agenda=[],
        audience=[roles["Director of Nursing"], roles["Director of HR"]],
        booking_contact=contact,
    )
