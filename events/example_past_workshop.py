"""
`make run`'s past example workshop (load_initial_content --demo): a workshop
held a few weeks ago, with what follows one, so that each can be tried on a
local copy: its presentation under "From the workshop", bookings marked
attended in the room and online (and one who did not come), a feedback form
with answers to read in the admin, and a certificate of attendance.

Everything here says it is an example: the texts hold no past workshop's
attendees, feedback or slides, and nothing is invented in their place.
"""

from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF
from wagtail.documents import get_document_model

from home.content_loader import CREATED

from .booking.certificates import certificate_for, verification_url
from .booking.feedback import record_feedback_given
from .booking.links import certificate_url
from .calendar import LONDON
from .initial_content import part, session
from .models import (
    AttendanceMode,
    AttendanceTaken,
    Booking,
    BookingFormPage,
    BookingStatus,
    EventMaterial,
    EventPage,
    EventType,
    FeedbackFormPage,
    FeedbackResponse,
    Organisation,
    PlaceKind,
)

SLUG = "past-example-workshop"

PAST_EXAMPLE_WORKSHOP = {
    "title": "Past example workshop (for trying the site: not a real event)",
    "summary": (
        "An example of a workshop that has taken place, created by make run so that its presentations, feedback "
        "and certificates of attendance can be tried on a local copy of the site. It does not exist on the live site."
    ),
    "attendance_mode": AttendanceMode.HYBRID,
    "capacity": 50,
    "online_capacity": None,
}

PRESENTATION_TITLE = "Example presentation (for trying the site: not a real presentation)"

# The example's people: a name that says what it is, a role the workshops are
# for (the texts' audience), an organisation from the list the texts give,
# the kind of place, and whether they came.
ATTENDEES = [
    ("Example attendee 1", "Director of Nursing", "Oxford Health NHS Foundation Trust", PlaceKind.IN_PERSON, True),
    ("Example attendee 2", "Director of HR", "Tavistock and Portman NHS Foundation Trust", PlaceKind.IN_PERSON, True),
    (
        "Example attendee 3",
        "Director of Organisational Development",
        "Oxford Health NHS Foundation Trust",
        PlaceKind.IN_PERSON,
        True,
    ),
    ("Example attendee 4", "Director of HR", "Health Education England", PlaceKind.ONLINE, True),
    ("Example attendee 5", "Director of Nursing", "NHS Employers", PlaceKind.ONLINE, True),
    ("Example attendee 6", "Director of HR", "Public Health England", PlaceKind.IN_PERSON, False),
]

# Example answers, each saying it is one: (overall, useful for their role, what worked, what to improve, topics).
FEEDBACK = [
    (5, 4, "Example feedback: the discussion in small groups.", "", "Example topic: workforce planning tools."),
    (4, 4, "Example feedback: the presentation.", "Example feedback: more time for questions.", ""),
    (4, 5, "", "Example feedback: send the slides before the day.", "Example topic: staff wellbeing."),
]


def ensure_past_example_workshop(loader, index, venue, contact, roles):
    """The past example workshop and what follows it, made once and left as they are afterwards."""
    existing = EventPage.objects.child_of(index).filter(slug=SLUG).first()
    if existing is not None:
        # Its date, bookings and answers stay as first made (and as tried since).
        workshop = loader.update_page(existing.specific, **PAST_EXAMPLE_WORKSHOP)
        loader.ensure_page(workshop, FeedbackFormPage, "feedback", **FEEDBACK_FORM)
        say_where_to_try_a_certificate(loader, workshop)
        return workshop
    day = last_quarterly_meeting(timezone.localdate())
    workshop = EventPage(
        slug=SLUG,
        **PAST_EXAMPLE_WORKSHOP,
        event_type=EventType.WORKSHOP,
        date=day,
        start_time=time(10, 30),
        end_time=time(15, 30),
        venue=venue,
        booking_contact=contact,
        agenda=[part("Example programme", *EXAMPLE_SESSIONS)],
        audience=[roles["Director of Nursing"], roles["Director of HR"]],
    )
    workshop.materials = [EventMaterial(document=example_presentation(), presented_by="")]
    index.add_child(instance=workshop)
    loader._publish(workshop)
    loader.report(workshop, CREATED)
    form_page = BookingFormPage(title="Book a place", slug="book")
    workshop.add_child(instance=form_page)
    loader._publish(form_page)
    loader.ensure_page(workshop, FeedbackFormPage, "feedback", **FEEDBACK_FORM)
    with transaction.atomic():
        add_example_attendance(workshop, form_page, day)
    say_where_to_try_a_certificate(loader, workshop)
    return workshop


def say_where_to_try_a_certificate(loader, workshop):
    """The example attendee's certificate and its check: their links are signed, so nobody could guess them."""
    booking = workshop.bookings.filter(certificate__isnull=False).select_related("certificate", "event").first()
    if booking is None:
        return
    loader.stdout.write(f"Try a certificate of attendance: {certificate_url(booking)}")
    loader.stdout.write(f"and its public check: {verification_url(booking.certificate)}")


def last_quarterly_meeting(today):
    """
    A Thursday three to four weeks ago: recent enough to feel real, and past
    FOLLOW_UP_WITHIN_DAYS, so the schedule never e-mails its example people:
    its follow-up is tried with Send now.
    """
    day = today - timedelta(days=21)
    return day - timedelta(days=(day.weekday() - 3) % 7)


# Times for the certificate's learning time (its agenda's sessions, less the lunch break).
EXAMPLE_SESSIONS = [
    session("Example session: welcome", start=time(10, 30)),
    session("Example session: presentation", start=time(11, 0)),
    session("Lunch", start=time(12, 30)),
    session("Example session: discussion", start=time(13, 15)),
]

FEEDBACK_FORM = {
    "title": "Feedback",
    "introduction": "Example feedback form, for trying the site. Your answers help plan the next workshops.",
}


def example_presentation():
    """A one-page PDF that says what it is, in Wagtail's documents, made once."""
    Document = get_document_model()
    existing = Document.objects.filter(title=PRESENTATION_TITLE).first()
    if existing is not None:
        return existing
    pdf = FPDF()
    pdf.set_title(PRESENTATION_TITLE)
    pdf.set_lang("en-GB")
    pdf.add_page()
    pdf.set_font("helvetica", size=20)
    pdf.multi_cell(0, 12, "Example presentation", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(
        0,
        8,
        "This document was made by make run so that a workshop's presentations can be tried on a local copy "
        "of the site. It is not a real presentation.",
    )
    document = Document(title=PRESENTATION_TITLE)
    document.file.save("example-presentation.pdf", ContentFile(bytes(pdf.output())), save=False)
    document._set_document_file_metadata()
    document.save()
    return document


def add_example_attendance(workshop, form_page, day):
    """The example's bookings, their attendance taken in the room and online, its feedback and one certificate."""
    organisations = {organisation.name: organisation for organisation in Organisation.objects.all()}
    booked_at = datetime.combine(day - timedelta(days=14), time(9, 0), tzinfo=LONDON)
    arrived_at = datetime.combine(day, time(10, 15), tzinfo=LONDON)
    bookings = []
    for number, (name, job_title, organisation, attends, came) in enumerate(ATTENDEES, start=1):
        booking = Booking.objects.create(
            page=form_page,
            event=workshop,
            status=BookingStatus.CONFIRMED,
            name=name,
            email=f"example.attendee.{number}@example.org",
            job_title=job_title,
            organisation=organisation,
            listed_organisation=organisations.get(organisation),
            attends=attends,
            attended_at=arrived_at if came else None,
            consented_at=booked_at,
            status_changed_at=booked_at,
            form_data={},
        )
        Booking.objects.filter(pk=booking.pk).update(submit_time=booked_at)
        booking.submit_time = booked_at
        bookings.append(booking)
    for kind in PlaceKind.values:
        AttendanceTaken.objects.create(event=workshop, place_kind=kind, first_recorded_at=arrived_at)
    # The example's answers came from its first attendees (nothing links an answer to them).
    for booking, (overall, useful, worked, improve, topics) in zip(bookings, FEEDBACK, strict=False):
        FeedbackResponse.objects.create(
            event=workshop,
            received_on=day + timedelta(days=2),
            overall_rating=overall,
            usefulness_rating=useful,
            what_worked=worked,
            what_to_improve=improve,
            future_topics=topics,
        )
        record_feedback_given(booking)
    bookings[0].refresh_from_db()
    certificate_for(bookings[0])
