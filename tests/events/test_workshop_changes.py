"""
Publishing a change to a workshop with bookings tells the people booked
and waiting, in the same flow, whoever publishes it (issue: no dead ends
for staff). Each test walks the task as the role does it in the admin.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from events.models import BookersTold, BookingEmail, BookingEmailKind, BookingStatus, EventPage, EventStatus
from tests.conftest import calendar_invitations, html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking, make_venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(index, venue):
    return add_event(
        index,
        "spring-workshop",
        timezone.localdate() + timedelta(days=30),
        venue=venue,
        title="Spring workshop",
        capacity=2,
    )


@pytest.fixture
def form_page(workshop):
    return add_booking_form(workshop)


@pytest.fixture
def bookings(form_page):
    """Two with a place, one waiting, one who cancelled and one whose details were erased."""
    made = {
        "ada": make_booking(form_page, name="Ada Lovelace"),
        "grace": make_booking(form_page, name="Grace Hopper"),
        "florence": make_booking(form_page, name="Florence Nightingale", status=BookingStatus.WAITING),
        "edith": make_booking(form_page, name="Edith Cavell", status=BookingStatus.CANCELLED),
        "erased": make_booking(form_page, name="Someone Erased", erased_at=timezone.now()),
    }
    return made


def edit_form(event, **changes):
    """The workshop's edit form as the admin sends it, with `changes` made by the person editing."""
    data = {
        "title": event.title,
        "slug": event.slug,
        "event_type": event.event_type,
        "date": event.date.isoformat(),
        "start_time": event.start_time.strftime("%H:%M") if event.start_time else "",
        "end_time": event.end_time.strftime("%H:%M") if event.end_time else "",
        "attendance_mode": event.attendance_mode,
        "venue": event.venue_id or "",
        "joining_instructions": event.joining_instructions,
        "summary": event.summary,
        "aims": rich_text(event.aims or ""),
        "agenda": streamfield([]),
        "body": streamfield([]),
        "capacity": event.capacity or "",
        "online_capacity": event.online_capacity or "",
        "places_per_organisation": event.places_per_organisation or "",
        "booking_contact": event.booking_contact_id or "",
        "status": event.status,
        "status_message": event.status_message,
        # After the workshop: no presentations or recording yet.
        "materials": inline_formset([]),
        "recording_url": event.recording_url,
    }
    data.update(changes)
    return nested_form_data(data)


def edit_url(event):
    return reverse("wagtailadmin_pages:edit", args=[event.pk])


def publish_as(client, user, event, **changes):
    client.force_login(user)
    with_publish = {**changes, "action-publish": "action-publish"}
    return client.post(edit_url(event), edit_form(event, **with_publish), follow=True)


def sent_to(outbox):
    return {message.to[0]: message for message in outbox}


def test_a_moderator_who_publishes_a_new_time_tells_everyone_booked_in_the_same_flow(
    client, workshop, bookings, django_capture_on_commit_callbacks
):
    moderator = make_user("moderator", "Moderators")

    with django_capture_on_commit_callbacks(execute=True):
        response = publish_as(client, moderator, workshop, start_time="14:00", end_time="16:00")

    assert response.status_code == 200
    page_text = html(response).get_text(" ")
    assert "E-mailed the 3 people booked or waiting about the change" in page_text
    by_recipient = sent_to(mail.outbox)
    assert set(by_recipient) == {
        "ada.lovelace@example.nhs.uk",
        "grace.hopper@example.nhs.uk",
        "florence.nightingale@example.nhs.uk",
    }
    ada = by_recipient["ada.lovelace@example.nhs.uk"]
    assert ada.subject == "Change to Spring workshop"
    assert "The time has changed: it was " in ada.body and "10:30am." in ada.body
    workshop.refresh_from_db()
    assert f"When: {workshop.when}" in ada.body and workshop.when.endswith("2pm to 4pm")
    (ics,) = calendar_invitations(ada).values()
    (entry,) = Calendar.from_ical(ics).walk("VEVENT")
    assert entry.decoded("dtstart").hour == 14
    assert entry["sequence"] == workshop.calendar_sequence
    assert not by_recipient["florence.nightingale@example.nhs.uk"].attachments, "no invitation without a place"
    (entry,) = PageLogEntry.objects.filter(action="events.notify_bookers")
    assert entry.user == moderator
    assert entry.data == {"recipients": 3, "changed": ["start_time", "end_time"], "on_publishing": True}
    assert timezone.now() - BookersTold.objects.get(event=workshop).told_at < timedelta(minutes=1)


def test_an_editors_cancellation_approved_by_a_moderator_tells_them_once_in_one_clear_message(
    client, workshop, bookings, django_capture_on_commit_callbacks
):
    editor, moderator = make_user("editor", "Editors"), make_user("moderator", "Moderators")
    client.force_login(editor)
    submitted = client.post(
        edit_url(workshop),
        edit_form(
            workshop,
            status=EventStatus.CANCELLED,
            status_message="We are sorry: the venue is closed for repairs. We will run it again in the autumn.",
            **{"action-submit": "action-submit"},
        ),
    )
    assert submitted.status_code == 302
    assert not BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).exists(), "not told before it is approved"

    client.force_login(moderator)
    workshop.refresh_from_db()
    task_state = workshop.current_workflow_task_state
    approve = reverse("wagtailadmin_pages:workflow_action", args=[workshop.pk, "approve", task_state.pk])
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(approve, {}, follow=True)
        # Approving again, or publishing again with nothing new, tells nobody a second time.
        EventPage.objects.get(pk=workshop.pk).save_revision().publish()

    # Wagtail's own moderation e-mails go to the editor and moderators; these are the bookers'.
    messages = [message for message in mail.outbox if message.to[0].endswith("@example.nhs.uk")]
    assert len(messages) == 3
    # The moderator who approved hears it, as a publisher does.
    assert "E-mailed the 3 people booked or waiting that the workshop is cancelled." in html(approved).get_text(" ")
    ada = sent_to(messages)["ada.lovelace@example.nhs.uk"]
    assert ada.subject == "Cancelled: Spring workshop"
    assert ada.body.count("sorry") == 1, "the editor's words say sorry; the e-mail does not say it again"
    assert "This workshop has been cancelled. You do not need to do anything." in ada.body
    assert "the venue is closed for repairs" in ada.body
    assert "cancel your place" not in ada.body and "cancel your place" not in ada.alternatives[0][0]
    assert "Where:" not in ada.body
    (ics,) = calendar_invitations(ada).values()
    (entry,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(entry["status"]) == "CANCELLED"
    assert "marks it as cancelled in your calendar" in ada.body


def test_without_a_status_message_the_cancellation_apologises_once(
    client, workshop, bookings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_as(client, make_user("moderator", "Moderators"), workshop, status=EventStatus.CANCELLED)

    ada = sent_to(mail.outbox)["ada.lovelace@example.nhs.uk"]
    assert "We are sorry: this workshop has been cancelled. You do not need to do anything." in ada.body
    assert ada.body.count("sorry") == 1


def test_a_new_venue_is_told_with_the_old_one_named(client, workshop, bookings, django_capture_on_commit_callbacks):
    new_venue = make_venue(name="Leeds Civic Hall", town_or_city="Leeds")

    with django_capture_on_commit_callbacks(execute=True):
        publish_as(client, make_user("moderator", "Moderators"), workshop, venue=new_venue.pk)

    ada = sent_to(mail.outbox)["ada.lovelace@example.nhs.uk"]
    assert "The venue has changed: it was Malmaison Hotel." in ada.body
    assert "Leeds Civic Hall" in ada.body


def test_a_change_bookers_do_not_rely_on_tells_nobody(client, workshop, bookings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = publish_as(
            client, make_user("moderator", "Moderators"), workshop, summary="A workshop on planning together."
        )

    assert mail.outbox == []
    assert "E-mailed" not in html(response).get_text(" ")
    assert not PageLogEntry.objects.filter(action="events.notify_bookers").exists()


def test_a_change_published_on_a_schedule_tells_them_too(workshop, bookings, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    workshop.date = workshop.date + timedelta(days=7)
    workshop.go_live_at = timezone.now() - timedelta(minutes=1)
    workshop.save_revision(approved_go_live_at=workshop.go_live_at)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")

    assert len(mail.outbox) == 3
    assert all("The date has changed: it was " in message.body for message in mail.outbox)


def test_changes_to_a_workshop_that_has_started_tell_nobody(workshop, bookings, clock):
    clock.move_to(workshop.starts_at + timedelta(minutes=5))
    workshop.end_time = workshop.start_time.replace(hour=15)
    workshop.save_revision().publish()

    assert not BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).exists()


def test_a_workshop_published_for_the_first_time_tells_nobody(index, venue):
    event = add_event(index, "new-workshop", timezone.localdate() + timedelta(days=40), venue=venue)
    form_page = add_booking_form(event)
    make_booking(form_page)

    assert event.bookers_told.arrangements["date"] == event.date.isoformat()
    assert event.bookers_told.told_at is None
    assert not BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).exists()


def test_the_cancelled_workshops_own_page_and_dashboard_say_so(client, workshop, bookings):
    publish_as(client, make_user("moderator", "Moderators"), workshop, status=EventStatus.CANCELLED)
    client.logout()

    page = html(client.get(workshop.url))
    text = page.get_text(" ")
    assert "This workshop has been cancelled" in text
    assert "left of" not in text and not page.select(".event-places")
    assert not page.select(".add-to-calendar")

    client.force_login(make_user("bookings", "Booking administrators"))
    panel = (
        html(client.get(reverse("wagtailadmin_home"))).select_one("#upcoming-bookings-heading").find_parent("section")
    )
    row = next(tr for tr in panel.select("tbody tr") if "Spring workshop" in tr.get_text())
    assert "Cancelled" in row.get_text(" ")
    assert "bookers told" in row.get_text(" ").lower()


def test_the_manual_message_page_says_changes_are_told_on_publishing(client, workshop, bookings):
    client.force_login(make_user("bookings", "Booking administrators"))

    text = html(client.get(reverse("events_notify_bookers", args=[workshop.pk]))).get_text(" ")

    assert "Publish your changes" not in text
    assert "already e-mailed" in text


def test_what_their_e_mails_never_show_tells_nobody(client, index, venue, django_capture_on_commit_callbacks):
    # Joining instructions of a workshop held only in person; an online one's text as the browser sends it back.
    in_person = add_event(index, "in-person", timezone.localdate() + timedelta(days=20), venue=venue)
    make_booking(add_booking_form(in_person))
    online = add_event(
        index, "online", timezone.localdate() + timedelta(days=21), joining_instructions="Join at\nthe link"
    )
    make_booking(add_booking_form(online))
    moderator = make_user("moderator", "Moderators")

    with django_capture_on_commit_callbacks(execute=True):
        publish_as(client, moderator, in_person, joining_instructions="Use the side door")
        publish_as(client, moderator, online, summary="New words", joining_instructions="Join at\r\nthe link")

    assert not BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).exists()


def test_a_workshop_scheduled_to_come_back_tells_its_bookers_when_it_does(
    workshop, bookings, django_capture_on_commit_callbacks, clock
):
    from django.core.management import call_command

    workshop.unpublish()
    workshop = EventPage.objects.get(pk=workshop.pk)
    workshop.date = workshop.date + timedelta(days=7)
    workshop.go_live_at = timezone.now() + timedelta(hours=1)
    workshop.save_revision().publish()
    assert not BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).exists(), "not told of a page not yet back"

    clock.shift(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")

    assert BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).count() == 3


def test_of_two_publications_at_once_the_bookers_are_told_the_one_that_stands(workshop, bookings):
    from events.booking.changes import tell_bookers_of_published_changes

    first = EventPage.objects.get(pk=workshop.pk)
    first.start_time = first.start_time.replace(hour=13)
    # The second publication's handler takes the lock first and tells them 2pm...
    second = EventPage.objects.get(pk=workshop.pk)
    second.start_time = second.start_time.replace(hour=14)
    second.save_revision().publish()
    told = BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).count()

    # ...then the first's handler runs with its own copy, saying 1pm: the page says 2pm, so nothing more is sent.
    assert tell_bookers_of_published_changes(first) == 0
    assert told == 3 and BookingEmail.objects.filter(kind=BookingEmailKind.UPDATE).count() == 3


def test_at_a_workshop_held_both_ways_each_change_tells_those_it_concerns(
    client, workshop, form_page, django_capture_on_commit_callbacks
):
    """A new venue is for those in the room; new joining instructions for those online; a new time for everyone."""
    EventPage.objects.filter(pk=workshop.pk).update(attendance_mode="hybrid", online_capacity=None)
    workshop = EventPage.objects.get(pk=workshop.pk)
    workshop.joining_instructions = "Join on Teams: meeting 123"
    workshop.save_revision().publish()
    make_booking(form_page, name="Ada Lovelace", attends="in_person")
    make_booking(form_page, name="Grace Hopper", attends="online")
    moderator = make_user("moderator", "Moderators")

    with django_capture_on_commit_callbacks(execute=True):
        publish_as(client, moderator, workshop, venue=make_venue(name="Leeds Civic Hall").pk)
    assert set(sent_to(mail.outbox)) == {"ada.lovelace@example.nhs.uk"}

    mail.outbox.clear()
    workshop = EventPage.objects.get(pk=workshop.pk)
    with django_capture_on_commit_callbacks(execute=True):
        publish_as(client, moderator, workshop, joining_instructions="Join on Teams: meeting 456")
    assert set(sent_to(mail.outbox)) == {"grace.hopper@example.nhs.uk"}

    mail.outbox.clear()
    workshop = EventPage.objects.get(pk=workshop.pk)
    with django_capture_on_commit_callbacks(execute=True):
        publish_as(client, moderator, workshop, start_time="11:00")
    assert set(sent_to(mail.outbox)) == {"ada.lovelace@example.nhs.uk", "grace.hopper@example.nhs.uk"}
