"""
The follow-up e-mail the day after a workshop: who is sent it and what it
says (thanks, the materials, the feedback and certificate links for those who
attended; the materials only for the others), never twice, held back and
released, sent now, within FOLLOW_UP_WITHIN_DAYS, waiting for attendance to
be recorded; and how a Booking administrator sees and steers it in the admin.
"""

import importlib
import io
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry

from events.booking import follow_up
from events.booking.attendance import (
    Attendance,
    attendance_of,
    attendance_taken_kinds,
    mark_attended,
    note_attendance_taken,
    record_online_attendance,
    with_attendance,
)
from events.booking.emails import send_booking_email
from events.booking.feedback import record_feedback_given
from events.booking.links import booking_for_certificate_token, booking_for_feedback_token
from events.booking.privacy import erase_personal_data
from events.models import (
    AttendanceMode,
    Booking,
    BookingEmail,
    BookingEmailKind,
    BookingStatus,
    EventMaterial,
    EventStatus,
    FeedbackFormPage,
    FollowUp,
    PlaceKind,
)
from events.tasks import queue_follow_ups_task
from tests.conftest import calendar_invitations, html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking
from tests.reports.factories import make_document, pdf_bytes

pytestmark = pytest.mark.django_db

BOOKING_ADMINISTRATORS = "Booking administrators"
# Something to send those who did not attend.
RECORDING = "https://www.youtube.com/watch?v=abc123"


def run(command="send_workshop_follow_ups"):
    output = io.StringIO()
    call_command(command, stdout=output)
    return output.getvalue().strip()


def days_ago(days):
    return timezone.localdate() - timedelta(days=days)


def workshop_with_form(index, slug, day, **fields):
    """A live workshop on `day` with its live booking form."""
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    return add_booking_form(add_event(index, slug, day, **fields))


@pytest.fixture
def slides(db):
    return make_document("Workforce planning in practice", "slides.pdf", pdf_bytes(pages=3))


@pytest.fixture
def workshop(index, venue, slides):
    """A workshop held yesterday in a room, with its slides and captioned recording on its page."""
    event = add_event(
        index,
        "retention-workshop",
        days_ago(1),
        venue=venue,
        title="Retention workshop",
        recording_url="https://www.youtube.com/watch?v=abc123",
        recording_has_captions=True,
    )
    event.materials.add(EventMaterial(document=slides, presented_by="Dr Jacqui Dyer"))
    return event


@pytest.fixture
def form_page(workshop):
    return add_booking_form(workshop)


@pytest.fixture
def people(form_page):
    """Ada came, Grace did not (the door's register was kept); Florence waited, Edith cancelled."""
    event = form_page.get_parent().specific
    booked = {
        "ada": make_booking(form_page, name="Ada Lovelace", email="ada@example.nhs.uk"),
        "grace": make_booking(form_page, name="Grace Hopper", email="grace@example.nhs.uk"),
        "florence": make_booking(form_page, BookingStatus.WAITING, name="Florence Nightingale"),
        "edith": make_booking(form_page, BookingStatus.CANCELLED, name="Edith Cavell"),
    }
    mark_attended(event, booked["ada"].pk, True)
    return booked


@pytest.fixture
def feedback_form(workshop, form_page):
    page = FeedbackFormPage(title="Tell us what you thought", slug="feedback")
    workshop.add_child(instance=page)
    page.save_revision().publish()
    # As the admin would find it (publishing saved another copy): unpublished, it keeps first_published_at.
    page.refresh_from_db()
    return page


def sent_to(address):
    (message,) = [message for message in mail.outbox if message.to == [address]]
    return message


def links(message):
    """The HTML e-mail's links as its reader sees them: {text: address}."""
    page = BeautifulSoup(message.alternatives[0][0], "html.parser")
    return {" ".join(link.get_text(" ", strip=True).split()): link["href"] for link in page.select("a")}


def token_of(url):
    return urlsplit(url).path.rstrip("/").split("/")[-1]


def follow_ups():
    return BookingEmail.objects.filter(kind=BookingEmailKind.FOLLOW_UP)


# What it says ---------------------------------------------------------------------


def test_the_day_after_attendees_are_thanked_and_sent_the_materials_and_their_links(people, slides, feedback_form):
    output = run()

    assert output == "Follow-ups sent: 2. Failed (retry_booking_emails will retry them): 0."
    message = sent_to("ada@example.nhs.uk")
    assert message.subject == "Thank you for coming: Retention workshop"
    assert "Thank you for coming to this workshop." in message.body
    document_url = f"http://testserver{slides.url}"
    size = f"{slides.get_file_size() / 1024:.1f} KB"
    assert (
        f"- Workforce planning in practice (PDF, {size}, 3 pages), presented by Dr Jacqui Dyer:\n  {document_url}"
        in message.body
    )
    found = links(message)
    assert found["Workforce planning in practice"] == document_url
    assert found["Watch the recording (with captions)"] == "https://www.youtube.com/watch?v=abc123"
    # Their own links, signed for this booking alone.
    assert booking_for_feedback_token(token_of(found["give your feedback"])) == people["ada"]
    assert booking_for_certificate_token(token_of(found["get your certificate of attendance"])) == people["ada"]
    assert found["give your feedback"] in message.body
    assert found["get your certificate of attendance"] in message.body
    # The workshop is over: no invitation, nothing to change or cancel.
    assert calendar_invitations(message) == {}
    assert "/bookings/cancel/" not in message.body and "/bookings/manage/" not in message.body


def test_someone_who_did_not_attend_is_sent_the_materials_only(people, slides, feedback_form):
    run()

    message = sent_to("grace@example.nhs.uk")
    assert message.subject == "Sorry we missed you: Retention workshop"
    assert "We are sorry we missed you at this workshop." in message.body
    found = links(message)
    assert found["Workforce planning in practice"] == f"http://testserver{slides.url}"
    assert "Watch the recording (with captions)" in found
    for words in ("/bookings/feedback/", "/bookings/certificate/", "certificate", "feedback"):
        assert words not in message.body.lower()
        assert words not in message.alternatives[0][0].lower()


def test_without_materials_the_e_mail_says_nothing_of_them(index):
    form_page = workshop_with_form(index, "plain-workshop", days_ago(1))
    booking = make_booking(form_page, email="jo@example.nhs.uk")
    mark_attended(form_page.get_parent().specific, booking.pk, True)

    run()

    message = sent_to("jo@example.nhs.uk")
    assert message.subject == "Thank you for coming: Plain workshop"
    assert "presentation" not in message.body.lower() and "recording" not in message.body.lower()
    assert "From the workshop" not in message.body


def test_with_nothing_to_send_those_who_did_not_attend_are_sent_nothing(index, client, log_in):
    """No materials, recording or public report: a "Sorry we missed you" would say nothing more."""
    form_page = workshop_with_form(index, "plain-workshop", days_ago(1))
    event = form_page.get_parent().specific
    came = make_booking(form_page, email="came@example.nhs.uk")
    make_booking(form_page, email="missed@example.nhs.uk")
    mark_attended(event, came.pk, True)

    output = run()

    assert output.startswith("Follow-ups sent: 1.") and "Waiting" not in output
    assert [message.to for message in mail.outbox] == [["came@example.nhs.uk"]]
    # Done: the schedule does not look at it again each morning.
    assert FollowUp.objects.get(event=event).recorded_at is not None
    log_in(BOOKING_ADMINISTRATORS)
    text = panel_text(client, form_page)
    assert "for 1 person: 1 sent." in text
    assert (
        "Not sent to 1 person not marked attended: there is nothing to send them (no materials, recording or "
        "public report). Once there is, Send now sends it to them." in text
    )
    assert "Due for" not in text and "Waiting" not in text
    assert panel_buttons(client, form_page) == []
    assert run().startswith("Follow-ups sent: 0.")

    # The recording is added: now there is something to send them.
    event.recording_url = "https://www.youtube.com/watch?v=later"
    event.save_revision().publish()
    assert panel_buttons(client, form_page) == ["Send now"]


def test_a_follow_up_with_nothing_left_to_send_by_its_sending_is_not_sent(index, slides):
    """The materials were taken off the page between its recording and its sending."""
    form_page = workshop_with_form(index, "emptied-workshop", days_ago(1))
    event = form_page.get_parent().specific
    material = EventMaterial.objects.create(event=event, document=slides, presented_by="Dr Jacqui Dyer")
    booking = make_booking(form_page, email="missed@example.nhs.uk")
    note_attendance_taken(event, PlaceKind.ONLINE)
    recorded, _ = follow_up.record_due_follow_ups()
    material.delete()

    assert [send_booking_email(record_id) for record_id in recorded] == [None]
    assert mail.outbox == []
    # Not left pending either: it is as if it had not been recorded, to be sent if there is something later.
    assert not follow_ups().filter(booking=booking).exists()


def test_the_feedback_link_needs_a_live_feedback_form_and_no_feedback_given_yet(people, feedback_form):
    feedback_form.unpublish()

    run()

    found = links(sent_to("ada@example.nhs.uk"))
    assert "give your feedback" not in found
    assert "get your certificate of attendance" in found


@pytest.fixture
def draft_feedback_form(workshop, form_page):
    """A feedback form added to the workshop, never published."""
    page = FeedbackFormPage(title="Tell us what you thought", slug="feedback", live=False)
    workshop.add_child(instance=page)
    page.save_revision()
    return page


UNPUBLISHED_FORM_WARNING = (
    "The feedback form is not published: the follow-up will be sent without its link. Publish it first, or hold "
    "the follow-up back."
)


def test_the_schedule_waits_for_a_feedback_form_never_published(people, draft_feedback_form, client, log_in):
    """Sent now, every attendee's e-mail would go without the link, and every response would be lost."""
    log_in(BOOKING_ADMINISTRATORS)
    text = panel_text(client, people["ada"].page)

    assert UNPUBLISHED_FORM_WARNING in text
    assert "The schedule waits for it to be published, until Sunday 6 December 2026." in text
    assert run().startswith("Follow-ups sent: 0.")
    assert mail.outbox == [] and not FollowUp.objects.exclude(recorded_at=None).exists()

    draft_feedback_form.save_revision().publish()

    assert run().startswith("Follow-ups sent: 2.")
    assert "give your feedback" in links(sent_to("ada@example.nhs.uk"))


def test_a_feedback_form_unpublished_since_does_not_hold_up_the_schedule_but_is_warned_of(
    people, feedback_form, client, log_in
):
    feedback_form.unpublish()
    log_in(BOOKING_ADMINISTRATORS)
    form_page = people["ada"].page

    assert UNPUBLISHED_FORM_WARNING in panel_text(client, form_page)
    assert "waits for it to be published" not in panel_text(client, form_page)
    assert run().startswith("Follow-ups sent: 2.")
    assert UNPUBLISHED_FORM_WARNING not in panel_text(client, form_page)


def test_someone_who_already_gave_feedback_is_not_asked_again(people, feedback_form):
    assert record_feedback_given(people["ada"])

    run()

    assert "give your feedback" not in links(sent_to("ada@example.nhs.uk"))


def test_a_document_in_a_private_collection_is_left_out_of_the_e_mail(workshop, people):
    from wagtail.models import Collection, CollectionViewRestriction

    private = Collection.get_first_root_node().add_child(name="Steering group papers")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    draft = make_document("Draft findings", "draft.pdf", pdf_bytes(1), collection=private)
    EventMaterial.objects.create(event=workshop, document=draft, presented_by="The steering group")

    run()

    message = sent_to("ada@example.nhs.uk")
    assert "Workforce planning in practice" in message.body
    assert "Draft findings" not in message.body and "Draft findings" not in message.alternatives[0][0]


# Who is sent it -------------------------------------------------------------------


def test_only_confirmed_places_with_an_address_are_sent_it(form_page, people):
    event = form_page.get_parent().specific
    # Handed over: the giver's booking is cancelled, and points at the colleague's.
    colleague = make_booking(form_page, name="Mary Seacole", email="mary@example.nhs.uk")
    giver = make_booking(form_page, BookingStatus.CANCELLED, name="Tom Whitfield", handed_over_to=colleague)
    # Someone who walked in on the day without giving an address.
    walk_in = make_booking(form_page, name="Priya Raman", is_walk_in=True)
    Booking.objects.filter(pk=walk_in.pk).update(email="", email_normalised="")
    erased = make_booking(form_page, name="Sam Jones", email="sam@example.nhs.uk")
    erase_personal_data([erased])

    run()

    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.nhs.uk",
        "grace@example.nhs.uk",
        "mary@example.nhs.uk",
    ]
    assert not follow_ups().filter(booking__in=[giver, walk_in, erased, people["florence"], people["edith"]])
    assert FollowUp.objects.get(event=event).recorded_at is not None


def test_a_cancelled_postponed_or_unpublished_workshop_is_not_followed_up(index):
    for status in (EventStatus.CANCELLED, EventStatus.POSTPONED):
        form_page = workshop_with_form(index, f"{status}-workshop", days_ago(1), status=status)
        make_booking(form_page, email=f"{status}@example.nhs.uk")
        note_attendance_taken(form_page.get_parent().specific, PlaceKind.ONLINE)
    unpublished = workshop_with_form(index, "withdrawn-workshop", days_ago(1))
    make_booking(unpublished, email="withdrawn@example.nhs.uk")
    unpublished.get_parent().specific.unpublish()

    assert run().startswith("Follow-ups sent: 0.")
    assert mail.outbox == [] and not follow_ups().exists()


def test_nothing_is_sent_on_the_workshops_own_day(index, venue, clock):
    form_page = workshop_with_form(index, "todays-workshop", timezone.localdate(), venue=venue)
    booking = make_booking(form_page, email="jo@example.nhs.uk")
    mark_attended(form_page.get_parent().specific, booking.pk, True)
    clock.move_to(timezone.localtime().replace(hour=23, minute=30))

    assert run().startswith("Follow-ups sent: 0.")

    clock.shift(timedelta(hours=10))
    assert run().startswith("Follow-ups sent: 1.")
    assert sent_to("jo@example.nhs.uk").subject == "Thank you for coming: Todays workshop"


@pytest.mark.parametrize(("within", "sent"), [(14, ["fortnight@example.nhs.uk"]), (3, [])])
def test_only_workshops_within_follow_up_within_days_are_followed_up(index, settings, within, sent):
    settings.FOLLOW_UP_WITHIN_DAYS = within
    for slug, days in (("fortnight", 14), ("long-past", 15)):
        form_page = workshop_with_form(index, f"{slug}-workshop", days_ago(days), recording_url=RECORDING)
        make_booking(form_page, email=f"{slug}@example.nhs.uk")
        note_attendance_taken(form_page.get_parent().specific, PlaceKind.ONLINE)

    run()

    assert [message.to[0] for message in mail.outbox] == sent


def test_someone_erased_before_it_is_sent_is_sent_nothing(people):
    recorded, waiting = follow_up.record_due_follow_ups()
    erase_personal_data([people["grace"]])

    outcomes = {send_booking_email(record_id) for record_id in recorded}

    assert waiting == 0 and len(recorded) == 2
    assert [message.to for message in mail.outbox] == [["ada@example.nhs.uk"]]
    assert outcomes == {True, False}
    assert run("retry_booking_emails").startswith("Booking e-mails sent: 0.")


# Never twice -----------------------------------------------------------------------


def test_running_the_command_twice_sends_nobody_a_second(people):
    first = run()
    second = run()

    assert first.startswith("Follow-ups sent: 2.")
    assert second.startswith("Follow-ups sent: 0.")
    assert len(mail.outbox) == 2 and follow_ups().count() == 2


def test_running_the_task_twice_sends_nobody_a_second(people):
    queue_follow_ups_task.enqueue()
    # Even once the workshop's follow-up is no longer marked recorded, each booking's stands.
    FollowUp.objects.update(recorded_at=None)
    again = queue_follow_ups_task.enqueue()

    assert again.return_value["sent"] == 0
    assert sorted(message.to[0] for message in mail.outbox) == ["ada@example.nhs.uk", "grace@example.nhs.uk"]


def test_two_runs_at_once_record_each_follow_up_once(people, monkeypatch):
    """Another server's run records and sends them all between this run's reading the bookings and its writing."""
    record = follow_up._record
    other_server = []

    def the_other_run_goes_first(booking, kind):
        if not other_server:
            other_server.append("started")
            monkeypatch.setattr(follow_up, "_record", record)
            other_server[0] = queue_follow_ups_task.enqueue()
        return record(booking, kind)

    monkeypatch.setattr(follow_up, "_record", the_other_run_goes_first)
    this_server = queue_follow_ups_task.enqueue()

    assert other_server[0].return_value["sent"] == 2
    assert this_server.return_value["sent"] == 0
    assert len(mail.outbox) == 2 and follow_ups().count() == 2


# Waiting for attendance ----------------------------------------------------------------


@pytest.fixture
def hybrid_form_page(index, venue):
    return workshop_with_form(
        index,
        "hybrid-workshop",
        days_ago(1),
        venue=venue,
        attendance_mode=AttendanceMode.HYBRID,
        online_capacity=20,
        recording_url=RECORDING,
    )


def test_places_whose_attendance_was_not_taken_wait_for_it(hybrid_form_page, client, log_in):
    event = hybrid_form_page.get_parent().specific
    in_person = make_booking(hybrid_form_page, email="room@example.nhs.uk", attends=PlaceKind.IN_PERSON)
    make_booking(hybrid_form_page, email="online@example.nhs.uk", attends=PlaceKind.ONLINE)
    mark_attended(event, in_person.pk, True)
    log_in(BOOKING_ADMINISTRATORS)
    assert panel_text(client, hybrid_form_page) == (
        "Follow-up e-mail Due for 1 person: the schedule sends it on its next morning run. Waiting for attendance "
        "to be recorded for online places (1 person): their follow-up is sent the morning after it is, until "
        "Sunday 6 December 2026. Send now sends it to them as people who did not attend."
    )

    first = run()

    assert first == (
        "Follow-ups sent: 1. Failed (retry_booking_emails will retry them): 0. Waiting for their attendance to be "
        "recorded: 1 (sent the morning after it is, within 14 days of their workshop; see each workshop's bookings)."
    )
    assert [message.to[0] for message in mail.outbox] == ["room@example.nhs.uk"]
    assert not FollowUp.objects.filter(event=event).exclude(recorded_at=None).exists()
    assert (
        "Waiting for attendance to be recorded for online places (1 person): their follow-up is sent the morning "
        "after it is" in panel_text(client, hybrid_form_page)
    )

    # The videoconference's attendance report is uploaded: nobody on it had booked.
    note_attendance_taken(event, PlaceKind.ONLINE)
    second = run()

    assert second.startswith("Follow-ups sent: 1.")
    assert sent_to("online@example.nhs.uk").subject == "Sorry we missed you: Hybrid workshop"
    assert FollowUp.objects.get(event=event).recorded_at is not None
    assert "Recorded on" in panel_text(client, hybrid_form_page)


def test_a_workshop_moved_online_is_followed_up_once_the_online_attendance_report_is_uploaded(index, venue):
    """Its bookers kept their in-person places: the online report is the register for all of them."""
    form_page = workshop_with_form(
        index,
        "moved-workshop",
        days_ago(1),
        venue=venue,
        status=EventStatus.MOVED_ONLINE,
        recording_url="https://www.youtube.com/watch?v=moved",
    )
    event = form_page.get_parent().specific
    came = make_booking(form_page, email="came@example.nhs.uk", attends=PlaceKind.IN_PERSON)
    missed = make_booking(form_page, email="missed@example.nhs.uk", attends=PlaceKind.IN_PERSON)

    record_online_attendance(event, [SimpleNamespace(name="Came", email="came@example.nhs.uk")])
    output = run()

    assert output.startswith("Follow-ups sent: 2.") and "Waiting" not in output
    assert sent_to("came@example.nhs.uk").subject == "Thank you for coming: Moved workshop"
    assert sent_to("missed@example.nhs.uk").subject == "Sorry we missed you: Moved workshop"
    assert FollowUp.objects.get(event=event).recorded_at is not None
    # The no-show counts as one wherever attendance is told.
    missed.refresh_from_db()
    assert attendance_of(missed, event, attendance_taken_kinds(event)) == Attendance.DID_NOT_ATTEND
    annotated = with_attendance(Booking.objects.filter(pk__in=[came.pk, missed.pk])).order_by("pk")
    assert [booking.attendance for booking in annotated] == [Attendance.ATTENDED, Attendance.DID_NOT_ATTEND]


# The admin ------------------------------------------------------------------------------


def bookings_url(form_page):
    return reverse("wagtailforms:list_submissions", args=[form_page.pk])


def action_url(event, action):
    return reverse("events_follow_up", args=[event.pk, action])


def panel(client, form_page):
    response = client.get(bookings_url(form_page))
    assert response.status_code == 200
    return html(response).select_one(".follow-up-panel")


def panel_text(client, form_page):
    """The panel's heading and what it says, without its buttons."""
    shown = panel(client, form_page)
    parts = [shown.select_one("h2"), *shown.select(".follow-up-panel__state")]
    return " ".join(" ".join(part.get_text(" ", strip=True).split()) for part in parts)


def panel_buttons(client, form_page):
    return [button.get_text(strip=True) for button in panel(client, form_page).select(".follow-up-panel__actions a")]


@pytest.fixture
def booking_admin(db):
    return make_user("bookings", BOOKING_ADMINISTRATORS)


def test_before_the_day_the_panel_says_when_it_is_due_and_offers_to_hold_it_back(index, client, log_in):
    form_page = workshop_with_form(index, "coming-workshop", timezone.localdate() + timedelta(days=6))
    make_booking(form_page)
    log_in(BOOKING_ADMINISTRATORS)

    assert panel_text(client, form_page) == (
        "Follow-up e-mail Not due until Monday 30 November 2026, the day after the workshop: the schedule sends it "
        "that morning to everyone with a place."
    )
    assert panel_buttons(client, form_page) == ["Hold back"]
    # No column for follow-ups in the list until there can be any.
    headings = [th.get_text(strip=True) for th in html(client.get(bookings_url(form_page))).select("thead th")]
    assert "Follow-up e-mail" not in headings


def test_held_back_nothing_is_sent_until_it_is_released(form_page, people, client, booking_admin, log_in):
    event = form_page.get_parent().specific
    log_in(booking_admin)

    asked = client.get(action_url(event, "hold-back"))
    assert "Hold back the follow-up e-mail of Retention workshop?" in asked.content.decode()
    held = client.post(action_url(event, "hold-back"), follow=True)

    assert "Held back the follow-up e-mail of Retention workshop." in held.content.decode()
    assert run().startswith("Follow-ups sent: 0.")
    assert mail.outbox == []
    text = panel_text(client, form_page)
    assert "Held back by bookings on 23 Nov 2026, 09:" in text
    assert "nobody is sent it until it is released" in text
    assert panel_buttons(client, form_page) == ["Release", "Send now"]

    client.post(action_url(event, "release"))
    assert run().startswith("Follow-ups sent: 2.")
    assert [entry.action for entry in PageLogEntry.objects.filter(page=event).order_by("pk")][-2:] == [
        "events.hold_back_follow_up",
        "events.release_follow_up",
    ]
    assert PageLogEntry.objects.get(action="events.hold_back_follow_up").user == booking_admin


def test_send_now_sends_to_everyone_left_counting_unrecorded_attendance_as_not_attended(
    hybrid_form_page, client, booking_admin, log_in, committing
):
    event = hybrid_form_page.get_parent().specific
    in_person = make_booking(hybrid_form_page, email="room@example.nhs.uk", attends=PlaceKind.IN_PERSON)
    make_booking(hybrid_form_page, email="online@example.nhs.uk", attends=PlaceKind.ONLINE)
    mark_attended(event, in_person.pk, True)
    follow_up.hold_back(event, booking_admin)
    log_in(booking_admin)

    asked = html(client.get(action_url(event, "send-now"))).get_text(" ", strip=True)
    assert "It goes now to the 2 people with a place who have not had it." in asked
    assert "The attendance of 1 person was not recorded: they are sent it as people who did not attend" in asked
    assert "It is held back: sending it now releases it." in asked
    with committing():
        done = client.post(action_url(event, "send-now"), follow=True)

    assert "Sending the follow-up e-mail of Hybrid workshop to 2 people." in done.content.decode()
    assert sent_to("room@example.nhs.uk").subject == "Thank you for coming: Hybrid workshop"
    assert sent_to("online@example.nhs.uk").subject == "Sorry we missed you: Hybrid workshop"
    assert not FollowUp.objects.get(event=event).is_held_back
    assert FollowUp.objects.get(event=event).recorded_at is not None
    entry = PageLogEntry.objects.get(action="events.send_follow_up_now")
    assert entry.user == booking_admin and entry.data == {"recorded": 2}
    text = panel_text(client, hybrid_form_page)
    assert "for 2 people: 2 sent." in text
    assert panel_buttons(client, hybrid_form_page) == []
    # Sent now, and again: nobody is sent a second.
    with committing():
        client.post(action_url(event, "send-now"))
    assert run().startswith("Follow-ups sent: 0.")
    assert len(mail.outbox) == 2


def test_send_now_waits_for_the_day_to_be_over(index, client, log_in):
    form_page = workshop_with_form(index, "todays-workshop", timezone.localdate())
    make_booking(form_page, email="jo@example.nhs.uk")
    event = form_page.get_parent().specific
    log_in(BOOKING_ADMINISTRATORS)

    response = client.post(action_url(event, "send-now"), follow=True)

    assert "The follow-up e-mail can be sent once Todays workshop is over, from the day after." in (
        response.content.decode()
    )
    assert mail.outbox == [] and not follow_ups().exists()


def test_a_workshop_past_the_window_is_sent_only_when_an_administrator_says_so(index, client, log_in, committing):
    form_page = workshop_with_form(index, "long-past-workshop", days_ago(30), recording_url=RECORDING)
    make_booking(form_page, email="jo@example.nhs.uk")
    note_attendance_taken(form_page.get_parent().specific, PlaceKind.ONLINE)
    log_in(BOOKING_ADMINISTRATORS)

    assert run().startswith("Follow-ups sent: 0.")
    assert "Not sent to 1 person: the schedule sends follow-ups only within 14 days of the workshop. Send now " in (
        panel_text(client, form_page)
    )

    with committing():
        client.post(action_url(form_page.get_parent().specific, "send-now"))
    assert [message.to for message in mail.outbox] == [["jo@example.nhs.uk"]]


def test_workshops_held_before_follow_ups_began_are_not_followed_up_by_the_schedule(
    people, index, client, log_in, committing, clock
):
    """Deployment day: the last fortnight's workshops must not be thanked for, up to two weeks late."""
    from django.apps import apps

    migration = importlib.import_module("events.migrations.0023_followups_of_workshops_before_deployment")
    before = people["ada"].event
    after = workshop_with_form(index, "todays-workshop", timezone.localdate(), recording_url=RECORDING)
    mark_attended(after.get_parent().specific, make_booking(after, email="today@example.nhs.uk").pk, True)
    held_back = workshop_with_form(index, "held-workshop", days_ago(2)).get_parent().specific
    follow_up.hold_back(held_back, None)

    migration.mark_past_workshops_followed_up(apps, None)

    assert FollowUp.objects.get(event=before).recorded_at is not None
    assert not FollowUp.objects.filter(event=after.get_parent()).exists()
    assert FollowUp.objects.get(event=held_back).is_held_back
    assert FollowUp.objects.get(event=held_back).recorded_at is None
    assert run().startswith("Follow-ups sent: 0.")
    assert mail.outbox == []

    # An administrator may still send it.
    log_in(BOOKING_ADMINISTRATORS)
    form_page = people["ada"].page
    assert (
        "Not sent: held before follow-ups began, or with nothing to send when it was recorded. "
        "Send now sends it to 2 people." in panel_text(client, form_page)
    )
    assert "Due for" not in panel_text(client, form_page)
    assert panel_buttons(client, form_page) == ["Send now"]
    with committing():
        client.post(action_url(before, "send-now"))
    assert sorted(message.to[0] for message in mail.outbox) == ["ada@example.nhs.uk", "grace@example.nhs.uk"]

    # The day after, the workshop held on deployment day is followed up as any other.
    clock.shift(timedelta(days=1))
    assert run().startswith("Follow-ups sent: 1.")
    assert sent_to("today@example.nhs.uk").subject == "Thank you for coming: Todays workshop"


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_editors_and_moderators_can_neither_hold_back_nor_send_it(form_page, people, client, log_in, role):
    event = form_page.get_parent().specific
    log_in(role)

    for action in ("hold-back", "send-now"):
        response = client.post(action_url(event, action))
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response.url == reverse("wagtailadmin_home")

    assert not FollowUp.objects.exists() and not follow_ups().exists()
    assert not PageLogEntry.objects.filter(action__contains="follow_up").exists()


def test_someone_who_may_see_but_not_change_bookings_sees_the_state_and_no_buttons(form_page, people, client):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_booking"), Permission.objects.get(codename="access_admin")
    )
    client.force_login(viewer)

    assert panel_text(client, form_page).startswith("Follow-up e-mail Due for 2 people")
    assert panel_buttons(client, form_page) == []
    response = client.post(action_url(form_page.get_parent().specific, "send-now"))
    assert response.status_code in (302, 403) and not follow_ups().exists()


def test_the_actions_need_the_forms_csrf_token(form_page, people, booking_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(booking_admin)

    response = client.post(action_url(form_page.get_parent().specific, "send-now"))

    assert response.status_code == 403
    assert not follow_ups().exists()


def test_each_bookings_follow_up_shows_in_the_workshops_list_and_on_its_own_page(
    form_page, people, client, booking_admin, log_in
):
    run()
    log_in(booking_admin)

    table = html(client.get(bookings_url(form_page))).select_one("table.listing")
    headings = [th.get_text(strip=True) for th in table.select("thead th")]
    name, column = headings.index("Name"), headings.index("Follow-up e-mail")
    rows = {
        row.select("td")[name].get_text(strip=True): row.select("td")[column].get_text(strip=True)
        for row in table.select("tbody tr")
    }
    assert rows["Ada Lovelace"].startswith("Sent 23 Nov 2026, 09:")
    assert rows["Grace Hopper"].startswith("Sent 23 Nov 2026, 09:")
    assert rows["Florence Nightingale"] == ""

    inspect = html(client.get(reverse("events_booking_modeladmin_inspect", args=[people["ada"].pk])))
    assert "Follow-up after the workshop: Sent 23 Nov 2026, 09:" in inspect.get_text(" ", strip=True)


def test_the_workshops_list_takes_as_many_queries_for_many_bookings_as_for_few(index, client, booking_admin, log_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log_in(booking_admin)

    def queries_for(slug, count):
        form_page = workshop_with_form(index, slug, days_ago(2))
        note_attendance_taken(form_page.get_parent().specific, PlaceKind.ONLINE)
        for _ in range(count):
            make_booking(form_page)
        run()
        client.get(bookings_url(form_page))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(bookings_url(form_page)).status_code == 200
        return len(queries)

    assert queries_for("small-workshop", 2) == queries_for("large-workshop", 30)


def test_follow_ups_the_mail_server_refused_are_counted_in_the_panel_and_the_command(
    form_page, people, client, settings, log_in
):
    settings.EMAIL_BACKEND = "tests.events.test_booking.FailingBackend"

    output = run()

    log_in(BOOKING_ADMINISTRATORS)
    assert output == "Follow-ups sent: 0. Failed (retry_booking_emails will retry them): 2."
    assert panel_text(client, form_page).endswith(
        "for 2 people: 0 sent, 2 not delivered yet (retried every 10 minutes)."
    )
    # The schedule's retry sends them; the follow-up command never sends one again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run().startswith("Follow-ups sent: 0.")
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.one_process_at_a_time("database connections")
def test_runs_on_several_servers_at_the_same_instant_send_each_follow_up_once(committed_content):
    """Four runs, each with its own database connection, released together: the database lets one record each."""
    import threading

    from django.db import connection

    from events.models import NewsAndEventsIndexPage

    form_page = workshop_with_form(
        NewsAndEventsIndexPage.objects.get(), "busy-workshop", days_ago(1), recording_url=RECORDING
    )
    note_attendance_taken(form_page.get_parent().specific, PlaceKind.ONLINE)
    for number in range(20):
        make_booking(form_page, email=f"booker.{number}@example.nhs.uk")
    barrier = threading.Barrier(4, timeout=60)
    results, errors = [], []

    def one_server():
        try:
            barrier.wait()
            results.append(queue_follow_ups_task.enqueue().return_value)
        except Exception as error:  # noqa: BLE001 (asserted on below)
            errors.append(repr(error))
        finally:
            connection.close()

    servers = [threading.Thread(target=one_server) for _ in range(4)]
    for server in servers:
        server.start()
    for server in servers:
        server.join()

    assert errors == []
    assert sum(result["sent"] for result in results) == 20
    assert follow_ups().count() == 20
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        f"booker.{number}@example.nhs.uk" for number in range(20)
    )
