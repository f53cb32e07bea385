"""
Feedback after a workshop: the form (standard questions, an editor's own,
an optional name), reached only through an attendee's own link, once; the
response kept without a link to the person; the admin's summary and its
export, for the people who read feedback; and the names given cleared when
the bookings are erased.
"""

import csv
import hashlib
import io
import json
import logging
import threading
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import PageLogEntry
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from events.booking.attendance import mark_attended
from events.booking.emails import booked_at_stamp, cancel_token
from events.booking.feedback import has_given_feedback, record_feedback
from events.booking.feedback_views import THANKS_SALT
from events.booking.links import certificate_token, feedback_token
from events.booking.privacy import erase_personal_data
from events.models import (
    Booking,
    EventPage,
    FeedbackFormField,
    FeedbackFormPage,
    FeedbackGiven,
    FeedbackResponse,
    NewsAndEventsIndexPage,
    NewsPage,
)
from events.tasks import purge_booking_personal_data_task
from tests.conftest import html, make_user
from tests.events.factories import add_booking_form, add_event, add_feedback_form, make_booking

pytestmark = pytest.mark.django_db

BOOKING_ADMINISTRATORS = "Booking administrators"


# The workshop, its people, and sending the form ---------------------------------------


def workshop_held(index, slug, day, **fields):
    """A workshop held on `day`, with its (published) booking form."""
    event = add_event(index, slug, day, **fields)
    booking_form = add_booking_form(event)
    event.refresh_from_db()
    return event, booking_form


def attended(event, booking):
    assert mark_attended(event, booking.pk, True)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def past(index, today):
    """
    Yesterday's workshop with its live feedback form (one question of the
    editor's own): Ada and Grace attended, Alan booked and did not come.
    """
    event, booking_form = workshop_held(index, "winter-workshop", today - timedelta(days=1), title="Winter workshop")
    feedback_form = add_feedback_form(
        event,
        questions=[
            {"label": "Which session helped most", "field_type": "radio", "choices": "Morning\nAfternoon"},
        ],
        thank_you_text="<p>The slides are on the workshop's page.</p>",
    )
    ada = attended(event, make_booking(booking_form, name="Ada Lovelace"))
    grace = attended(event, make_booking(booking_form, name="Grace Hopper"))
    alan = make_booking(booking_form, name="Alan Turing")
    return SimpleNamespace(
        event=event, booking_form=booking_form, feedback_form=feedback_form, ada=ada, grace=grace, alan=alan
    )


def link(booking):
    return reverse("booking_feedback", args=[feedback_token(booking)])


def feedback_answers(**overrides):
    """Answers an attendee could send; an override of None leaves that answer out."""
    answers = {
        "overall_rating": "4",
        "usefulness_rating": "5",
        "what_worked": "The workforce planning exercise.",
        "what_to_improve": "More time for questions.",
        "future_topics": "Retention of newly qualified nurses.",
        "which_session_helped_most": "Morning",
    }
    answers.update(overrides)
    return {name: value for name, value in answers.items() if value is not None}


def send(client, booking, **overrides):
    return client.post(link(booking), feedback_answers(**overrides))


def text(element):
    return " ".join(element.get_text(" ").split()) if element is not None else ""


def error_summary(page):
    return text(page.select_one(".nhsuk-error-summary"))


# The form ----------------------------------------------------------------------------------


def test_the_form_asks_the_standard_questions_then_the_editors_then_offers_the_name(client, past):
    response = client.get(link(past.ada))

    assert response.status_code == 200
    page = html(response)
    form = page.select_one("form.feedback-form")
    legends = [text(legend) for legend in form.select("legend")]
    assert legends == [
        "Overall, how would you rate this workshop?",
        "How useful was it for your role?",
        "Which session helped most",
        "Your name (optional)",
    ]
    # Each rating is a group of five radios, its ends labelled, and its hint read with the group.
    overall = form.select_one("input[name=overall_rating]").find_parent("fieldset")
    assert [text(label) for label in overall.select("label")] == ["1 (poor)", "2", "3", "4", "5 (excellent)"]
    assert text(page.select_one(f"#{overall['aria-describedby']}")) == "1 is poor and 5 is excellent."
    usefulness = form.select_one("input[name=usefulness_rating]").find_parent("fieldset")
    assert [text(label) for label in usefulness.select("label")][::4] == ["1 (not useful)", "5 (very useful)"]
    # The open questions: optional text boxes, in order.
    assert [text(form.select_one(f"label[for=id_{name}]")) for name in ("what_worked", "what_to_improve")] == [
        "What worked well? (optional)",
        "What could we improve? (optional)",
    ]
    assert [area["name"] for area in form.select("textarea")] == ["what_worked", "what_to_improve", "future_topics"]
    # The name: a box to tick, which reveals an empty box for it, with why it is optional.
    give_name = form.select_one("input[name=give_name]")
    assert give_name["type"] == "checkbox" and not give_name.has_attr("checked")
    assert text(form.select_one("label[for=id_give_name]")) == "Put my name to this feedback"
    reveal = page.select_one(f"#{give_name['data-aria-controls']}")
    assert "nhsuk-checkboxes__conditional--hidden" in reveal["class"]
    name_box = reveal.select_one("input[name=name]")
    assert not name_box.get("value")
    # Asked for once the box is ticked: not labelled optional inside it.
    assert text(reveal.select_one("label[for=id_name]")) == "Your name"
    assert "Without it, your feedback is anonymous" in text(page.select_one("#give-name-hint"))
    # Nothing on the page names the person the link was sent to.
    assert "Ada" not in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_form_sent_without_the_ratings_says_what_to_answer(client, past):
    response = send(client, past.ada, overall_rating=None, usefulness_rating="6")

    assert response.status_code == 200
    page = html(response)
    assert page.title.get_text().startswith("Error: ")
    assert error_summary(page) == (
        "There is a problem Choose a rating from 1 to 5 for the workshop overall "
        "Choose from 1 to 5 how useful the workshop was for your role"
    )
    assert [link["href"] for link in page.select(".nhsuk-error-summary a")] == [
        "#id_overall_rating_0",
        "#id_usefulness_rating_0",
    ]
    # What they wrote is kept to send again; nothing is recorded.
    assert text(page.select_one("#id_what_worked")) == "The workforce planning exercise."
    assert not FeedbackResponse.objects.exists()
    assert not has_given_feedback(past.ada)


def test_a_hidden_control_character_is_taken_out_and_the_attendee_asked_to_check(client, past):
    response = send(client, past.ada, what_worked="Good\x00 talks")

    assert "What worked well? had a hidden character in it" in error_summary(html(response))
    assert not FeedbackResponse.objects.exists()


def test_an_editors_question_may_not_take_the_name_of_a_standard_one(past):
    for label in ("What worked", "Overall rating", "Received on"):
        question = FeedbackFormField(page=past.feedback_form, label=label, field_type="singleline")
        with pytest.raises(ValidationError) as refused:
            question.clean()
        assert refused.value.message_dict["label"] == [
            f"Every feedback form already asks for '{label}'. Leave this question out, or give it a different label."
        ]
    FeedbackFormField(page=past.feedback_form, label="Your trust", field_type="singleline").clean()


ANONYMOUS_MESSAGE = (
    "Feedback is anonymous: do not ask for a name or an e-mail address. "
    "The form already offers 'Put my name to this feedback' to anyone who wants to give theirs."
)


@pytest.mark.parametrize(
    "label", ["Name", "Your full name", "What is your e-mail?", "Email address", "Work EMAIL", "Postal address"]
)
def test_an_editors_question_may_not_ask_who_is_answering(past, label):
    question = FeedbackFormField(page=past.feedback_form, label=label, field_type="singleline")

    with pytest.raises(ValidationError) as refused:
        question.full_clean()

    assert refused.value.message_dict["label"] == [ANONYMOUS_MESSAGE]


def test_an_editors_question_may_not_be_an_email_box(past):
    question = FeedbackFormField(page=past.feedback_form, label="Contact", field_type="email")

    with pytest.raises(ValidationError) as refused:
        question.full_clean()

    assert refused.value.message_dict["field_type"] == [ANONYMOUS_MESSAGE]
    # Words that only contain the refused ones are fine.
    for label in ("Which addressed your needs", "Renamed sessions", "Emailing beforehand helped"):
        FeedbackFormField(page=past.feedback_form, label=label, field_type="singleline").full_clean()


# Who may answer ------------------------------------------------------------------------


def test_a_mangled_link_or_another_kind_of_link_finds_nothing(client, past):
    token = feedback_token(past.ada)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for wrong in (
        "not-a-token",
        tampered,
        # The links of the same booking for other purposes: signed with other salts.
        cancel_token(past.ada),
        certificate_token(past.ada),
        # A feedback link forged from a real booking number, without the key.
        signing.dumps([past.ada.pk, "0"], salt="another.salt", compress=True),
    ):
        get = client.get(reverse("booking_feedback", args=[wrong]))
        post = client.post(reverse("booking_feedback", args=[wrong]), feedback_answers())
        assert get.status_code == 404 and post.status_code == 404, wrong
    assert not FeedbackResponse.objects.exists()


def test_a_link_answers_only_for_its_own_booking_at_its_own_workshop(client, index, today, past):
    other_event, other_form = workshop_held(index, "spring-workshop", today - timedelta(days=2), title="Spring forum")
    add_feedback_form(other_event)
    bob = attended(other_event, make_booking(other_form, name="Bob Smith"))

    response = client.get(link(bob))
    assert "Spring forum" in text(html(response).select_one("h1"))
    assert send(client, bob).status_code == 302

    # Bob's link gave Bob's one response, to his workshop; Ada's is untouched.
    assert list(FeedbackResponse.objects.values_list("event_id", flat=True)) == [other_event.pk]
    assert has_given_feedback(bob)
    assert not has_given_feedback(past.ada)
    assert send(client, past.ada).status_code == 302


def test_someone_not_marked_as_attended_is_told_the_form_is_for_attendees(client, past):
    response = client.get(link(past.alan))
    sent = send(client, past.alan)

    assert response.status_code == 403 and sent.status_code == 403
    page = html(response)
    assert text(page.select_one("h1")) == "This feedback form is for people who attended"
    assert page.select_one("form.feedback-form") is None
    assert not FeedbackResponse.objects.exists()


def test_a_place_cancelled_after_the_day_gives_no_feedback(client, past):
    # An administrator's cancelling keeps the time of arrival on the row.
    from events.booking.rules import cancel_booking

    cancel_booking(past.ada)
    past.ada.refresh_from_db()
    assert past.ada.attended_at is not None

    assert client.get(link(past.ada)).status_code == 403
    assert send(client, past.ada).status_code == 403
    assert not FeedbackResponse.objects.exists()


def test_an_erased_booking_has_no_link_any_more(client, past):
    erase_personal_data([past.ada])

    assert client.get(link(past.ada)).status_code == 404
    assert send(client, past.ada).status_code == 404
    assert not FeedbackResponse.objects.exists()


def test_a_workshop_without_a_live_feedback_form_says_so(client, index, today, past):
    past.feedback_form.unpublish()

    response = client.get(link(past.ada))

    assert response.status_code == 404
    assert text(html(response).select_one("h1")) == "There is no feedback form for this workshop"
    assert send(client, past.ada).status_code == 404

    event, booking_form = workshop_held(index, "no-form", today - timedelta(days=3))
    someone = attended(event, make_booking(booking_form))
    assert client.get(link(someone)).status_code == 404
    assert not FeedbackResponse.objects.exists()


def test_the_forms_own_address_explains_where_the_form_is_and_takes_nothing(client, past):
    response = client.get(past.feedback_form.url)
    sent = client.post(past.feedback_form.url, feedback_answers())

    assert response.status_code == 200 and sent.status_code == 200
    page = html(response)
    assert page.select_one("form.feedback-form") is None
    assert page.select("input[name=overall_rating]") == []
    assert "This form is for people who attended Winter workshop" in text(page.select_one("main"))
    assert "open it from the link in the follow-up e-mail" in text(page.select_one("main"))
    assert not FeedbackResponse.objects.exists()


def test_too_many_sendings_from_one_connection_are_refused(client, past, settings):
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 2
    for _ in range(2):
        unanswered = feedback_answers(overall_rating=None)
        assert client.post(link(past.ada), unanswered, REMOTE_ADDR="192.0.2.1").status_code == 200

    refused = client.post(link(past.ada), feedback_answers(), REMOTE_ADDR="192.0.2.1")

    assert refused.status_code == 429
    assert "too many attempts from your connection" in error_summary(html(refused))
    assert not FeedbackResponse.objects.exists()


# One response each, anonymous ---------------------------------------------------------------


def test_a_response_is_kept_with_the_day_and_no_link_to_the_person(client, past, today):
    sent = send(client, past.ada)

    # No field of a response points at anything but its workshop.
    relations = [field.related_model for field in FeedbackResponse._meta.get_fields() if field.is_relation]
    assert relations == [EventPage]
    row = FeedbackResponse.objects.values().get()
    assert set(row) == {
        "id",
        "event_id",
        "received_on",
        "overall_rating",
        "usefulness_rating",
        "what_worked",
        "what_to_improve",
        "future_topics",
        "answers",
        "name",
    }
    assert row["event_id"] == past.event.pk
    # The day, not the moment: it cannot be matched with the time the booking was marked.
    assert type(row["received_on"]) is date and row["received_on"] == today
    assert row["name"] == ""
    assert row["answers"] == {"which_session_helped_most": "Morning"}
    stored = json.dumps(row, default=str)
    for personal in ("Ada", "Lovelace", past.ada.email, feedback_token(past.ada)):
        assert personal not in stored
    assert has_given_feedback(past.ada)
    # The thank-you page's address names the form, never the link or the booking.
    location = sent["Location"]
    assert sent.status_code == 302 and feedback_token(past.ada) not in location
    thanks_token = location.rstrip("/").rsplit("/", 1)[-1]
    assert signing.Signer(salt=THANKS_SALT).unsign_object(thanks_token) == {"p": past.feedback_form.pk}


def test_that_an_attendee_answered_is_kept_as_a_keyed_hash_and_the_booking_is_untouched(client, past):
    before = Booking.objects.values().get(pk=past.ada.pk)

    send(client, past.ada)

    # The booking row is not written to: nothing on it changes when its feedback is given.
    assert Booking.objects.values().get(pk=past.ada.pk) == before
    assert not has_given_feedback(past.grace)
    given = FeedbackGiven.objects.values().get()
    assert set(given) == {"id", "booking_hash"}
    # A keyed hash: not the plain hash of what names the booking, which anyone could work out.
    identity = f"{past.ada.pk}:{booked_at_stamp(past.ada)}".encode()
    assert len(given["booking_hash"]) == 64 and given["booking_hash"] != hashlib.sha256(identity).hexdigest()
    # Another site's key gives another hash: linking the two rows needs this site's secret key.
    with override_settings(SECRET_KEY="another site's secret key, long enough to be a real one"):
        assert not has_given_feedback(past.ada)
    assert has_given_feedback(past.ada)


def test_the_thank_you_address_is_the_same_whenever_the_feedback_is_sent(client, past, clock):
    clock.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    first = send(client, past.ada)["Location"]
    clock.move_to(datetime(2026, 11, 25, 17, 31, 7, tzinfo=UTC))
    second = send(client, past.grace)["Location"]

    # Nothing in it says when it was sent, so it cannot be matched with a booking's activity.
    assert first == second
    # And it does not expire: it still thanks days later.
    clock.move_to(datetime(2027, 1, 10, 8, 0, tzinfo=UTC))
    assert client.get(first).status_code == 200
    token = first.rstrip("/").rsplit("/", 1)[-1]
    for wrong in (
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        signing.Signer(salt="another.salt").sign_object({"p": past.feedback_form.pk}),
        # An address given out before it stopped carrying the time.
        signing.dumps({"p": past.feedback_form.pk}, salt=THANKS_SALT),
    ):
        assert client.get(reverse("booking_feedback_thanks", args=[wrong])).status_code == 404


def test_the_thank_you_page_thanks_and_shows_the_forms_own_text(client, past):
    thanks = client.get(send(client, past.ada)["Location"])

    assert thanks.status_code == 200
    page = html(thanks)
    assert text(page.select_one("h1")) == "Thank you for your feedback"
    assert "The slides are on the workshop's page." in text(page.select_one("main"))
    assert "Ada" not in thanks.content.decode()
    assert client.get(reverse("booking_feedback_thanks", args=["forged"])).status_code == 404


@pytest.mark.parametrize(
    ("ticked", "typed", "kept"),
    [
        ("on", "  Ada   Lovelace ", "Ada Lovelace"),
        (None, "Ada Lovelace", ""),
        (None, None, ""),
    ],
)
def test_the_name_is_kept_only_when_the_attendee_ticks_the_box_and_types_it(client, past, ticked, typed, kept):
    assert send(client, past.ada, give_name=ticked, name=typed).status_code == 302

    assert FeedbackResponse.objects.get().name == kept


def test_a_ticked_box_without_a_name_asks_for_it_and_keeps_the_box_open(client, past):
    response = send(client, past.ada, give_name="on", name=" ")

    page = html(response)
    assert error_summary(page) == (
        "There is a problem Enter your name, or untick 'Put my name to this feedback' to stay anonymous"
    )
    assert page.select_one(".nhsuk-error-summary a")["href"] == "#id_name"
    assert "nhsuk-checkboxes__conditional--hidden" not in page.select_one("#give-name-reveal")["class"]
    assert not FeedbackResponse.objects.exists()


def test_a_second_response_from_the_same_link_is_refused_with_thanks(client, past):
    assert send(client, past.ada).status_code == 302

    again = client.get(link(past.ada))
    resent = send(client, past.ada, overall_rating="1")

    assert again.status_code == 200
    assert text(html(again).select_one("h1")) == "Thank you: you have already given your feedback"
    assert html(again).select_one("form.feedback-form") is None
    assert resent.status_code == 409
    assert list(FeedbackResponse.objects.values_list("overall_rating", flat=True)) == [4]


def test_two_sendings_at_once_keep_one_response(client, past):
    """Two tabs open on the form: both were shown it; the second sending finds the booking already answered."""
    form_page = past.feedback_form
    first = form_page.get_form(feedback_answers(), page=form_page)
    second = form_page.get_form(feedback_answers(overall_rating="2"), page=form_page)
    assert first.is_valid() and second.is_valid()
    stale = Booking.objects.get(pk=past.ada.pk)

    assert record_feedback(past.ada, first) is not None
    assert record_feedback(stale, second) is None

    assert FeedbackResponse.objects.count() == 1


def test_nothing_logged_names_who_answered(client, past, caplog):
    with caplog.at_level(logging.DEBUG):
        send(client, past.ada, give_name="on", name="Ada Lovelace")

    lines = [record for record in caplog.records if record.name.startswith("events")]
    # The workshop's number only: the booking's, beside the line's time, would say who answered.
    assert [record.getMessage() for record in lines] == [f"Feedback received for workshop {past.event.pk}"]
    for personal in ("Ada", past.ada.email, feedback_token(past.ada)):
        assert personal not in caplog.text


def test_erasing_a_persons_data_on_request_cannot_reach_their_response(client, past):
    send(client, past.ada, give_name="on", name="Ada Lovelace")

    erase_personal_data([Booking.objects.get(pk=past.ada.pk)])

    # Nothing joins the response to the booking, so erasure cannot find it: the docs say so.
    assert FeedbackResponse.objects.get().name == "Ada Lovelace"


# Editors add the form ------------------------------------------------------------------------


class TestEditorsAddAFeedbackForm(WagtailPageTestCase):
    def setUp(self):
        index = NewsAndEventsIndexPage.objects.get()
        self.workshop = add_event(index, "autumn-workshop", timezone.localdate() - timedelta(days=1))
        self.workshop.save_revision().publish()
        self.client.force_login(make_user("editor", "Editors"))

    def form(self, questions=(), **changes):
        data = {
            "title": "Tell us what you thought",
            "slug": "feedback",
            "introduction": "Your answers shape next year's workshops.",
            "form_fields": inline_formset(
                [
                    {"label": label, "field_type": field_type, "required": "", "choices": "", "default_value": ""}
                    for label, field_type in questions
                ]
            ),
            "thank_you_text": rich_text("<p>The slides are on the workshop's page.</p>"),
        }
        data.update(changes)
        return nested_form_data(data)

    def add_url(self):
        return f"/admin/pages/add/events/feedbackformpage/{self.workshop.pk}/"

    def test_a_feedback_form_lives_only_under_a_workshop_and_one_per_workshop(self):
        self.assertAllowedParentPageTypes(FeedbackFormPage, {EventPage})
        self.assertAllowedSubpageTypes(FeedbackFormPage, set())
        self.assertCanNotCreateAt(NewsAndEventsIndexPage, FeedbackFormPage)
        self.assertCanNotCreateAt(NewsPage, FeedbackFormPage)
        self.assertCanNotCreateAt(FeedbackFormPage, FeedbackFormPage)
        assert FeedbackFormPage.can_create_at(self.workshop)
        add_feedback_form(self.workshop)
        assert not FeedbackFormPage.can_create_at(self.workshop)

    def test_an_editor_finds_it_under_add_child_page_with_what_it_is_for(self):
        response = self.client.get(f"/admin/pages/{self.workshop.pk}/add_subpage/")

        page = html(response)
        choice = next(a for a in page.select("a") if a.get("href", "").endswith(self.add_url()))
        assert "Feedback form" in text(choice)
        assert FeedbackFormPage.page_description in text(page)

    def test_an_editor_adds_a_feedback_form_with_a_question_of_their_own(self):
        # An editor saves a draft (a Moderator publishes it, as every page).
        self.assertCanCreate(
            self.workshop, FeedbackFormPage, self.form([("Which session helped most", "singleline")]), publish=False
        )

        form_page = FeedbackFormPage.objects.child_of(self.workshop).get()
        assert [field.label for field in form_page.form_fields.all()] == ["Which session helped most"]

    def test_a_question_that_repeats_a_standard_one_gets_a_plain_error(self):
        response = self.client.post(self.add_url(), self.form([("What worked", "multiline")]))

        assert response.status_code == 200
        assert "Every feedback form already asks for &#x27;What worked&#x27;" in response.content.decode()
        assert not FeedbackFormPage.objects.exists()

    def test_a_question_asking_for_an_email_address_gets_a_plain_error(self):
        response = self.client.post(self.add_url(), self.form([("Your e-mail address", "email")]))

        assert response.status_code == 200
        content = response.content.decode()
        assert "Feedback is anonymous: do not ask for a name or an e-mail address." in content
        assert not FeedbackFormPage.objects.exists()

    def test_the_editor_previews_the_form_and_the_thanks_and_nothing_is_kept(self):
        form_page = add_feedback_form(self.workshop)
        preview_url = f"/admin/pages/{form_page.pk}/edit/preview/"

        assert self.client.post(preview_url, self.form([("Your trust", "singleline")])).json()["is_valid"]
        form_preview = html(self.client.get(preview_url + "?mode=form"))
        landing_preview = html(self.client.get(preview_url + "?mode=landing"))

        assert "Overall, how would you rate this workshop?" in text(form_preview)
        assert form_preview.select_one("label[for=id_your_trust]") is not None
        assert "This is a preview" in text(form_preview)
        assert form_preview.select_one("form.feedback-form button")["type"] == "button"
        assert text(landing_preview.select_one("h1")) == "Thank you for your feedback"
        assert "The slides are on the workshop's page." in text(landing_preview), "the previewed text, not yet saved"
        assert not FeedbackResponse.objects.exists()
        self.assertPageIsPreviewable(form_page, mode="form")
        self.assertPageIsPreviewable(form_page, mode="landing")


# The summary ---------------------------------------------------------------------------------


def summary_url(event):
    return reverse("events_feedback_summary", args=[event.pk])


def respond(event, overall, useful, **fields):
    return FeedbackResponse.objects.create(
        event=event, overall_rating=overall, usefulness_rating=useful, received_on=timezone.localdate(), **fields
    )


@pytest.fixture
def responses(past):
    """Three responses from the three who attended (a third, Mary, came too): one named."""
    attended(past.event, make_booking(past.booking_form, name="Mary Seacole"))
    return [
        respond(
            past.event,
            5,
            3,
            what_worked="The exercise.",
            future_topics="Retention",
            answers={"which_session_helped_most": "Morning"},
        ),
        respond(
            past.event,
            4,
            5,
            what_to_improve="Longer breaks.",
            answers={"which_session_helped_most": "Morning"},
            name="Grace Hopper",
        ),
        respond(past.event, 4, 4, what_worked="Meeting other trusts.", answers={}),
    ]


def refused(response):
    """Wagtail sends someone refused back to the dashboard, with "Sorry, you do not have permission"."""
    return (response.status_code, response.get("Location")) == (302, reverse("wagtailadmin_home"))


@pytest.mark.parametrize("role", [BOOKING_ADMINISTRATORS, "Moderators"])
def test_booking_administrators_and_moderators_read_the_summary(client, log_in, past, responses, role):
    log_in(role)

    response = client.get(summary_url(past.event))

    assert response.status_code == 200
    assert "Grace Hopper" in response.content.decode()


def test_an_editor_cannot_read_the_feedback(client, log_in, past, responses):
    log_in("Editors")

    response = client.get(summary_url(past.event))

    assert refused(response)
    dashboard = client.get(response["Location"]).content.decode()
    assert "do not have permission" in dashboard
    assert "Grace Hopper" not in dashboard


def test_someone_signed_out_is_sent_to_sign_in(client, past, responses):
    response = client.get(summary_url(past.event))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_summary_counts_the_responses_and_averages_each_rating(client, log_in, past, responses):
    log_in(BOOKING_ADMINISTRATORS)

    page = html(client.get(summary_url(past.event)))

    assert text(page.select_one(".feedback-summary__count")) == "3 responses from 3 people who attended (100%)"
    averages = [text(p) for p in page.select(".feedback-rating__average")]
    assert averages == ["Average 4.3 out of 5", "Average 4.0 out of 5"]
    assert "1 of them put their name to their feedback" in text(page)


def test_each_ratings_chart_has_a_text_alternative_and_its_table(client, log_in, past, responses):
    log_in("Moderators")

    page = html(client.get(summary_url(past.event)))

    overall = page.select_one("#rating-overall_rating").find_parent("section")
    chart = overall.select_one(".feedback-chart")
    assert chart["role"] == "img"
    assert chart["aria-label"] == (
        "Overall rating, responses for each rating. 5 (excellent): 1; 4: 2; 3: 0; 2: 0; 1 (poor): 0."
    )
    assert [bar.select_one(".feedback-chart__fill")["width"] for bar in chart.select("svg")] == [
        "33",
        "67",
        "0",
        "0",
        "0",
    ]
    assert all(svg["aria-hidden"] == "true" for svg in chart.select("svg"))
    table = chart.find_next_sibling("table")
    assert text(table.caption) == "Overall rating: responses for each rating"
    assert [th["scope"] for th in table.select("thead th")] == ["col", "col", "col"]
    rows = [[text(cell) for cell in row.select("th, td")] for row in table.select("tbody tr")]
    assert rows[:2] == [["5 (excellent)", "1", "33%"], ["4", "2", "67%"]]
    assert all(row.th["scope"] == "row" for row in table.select("tbody tr"))


def test_what_people_wrote_is_listed_under_each_question_with_a_name_only_where_given(client, log_in, past, responses):
    log_in(BOOKING_ADMINISTRATORS)

    page = html(client.get(summary_url(past.event)))

    questions = {text(section.h3): section for section in page.select(".feedback-question")}
    assert [text(li) for li in questions["What worked well"].select("li")] == [
        "The exercise.",
        "Meeting other trusts.",
    ]
    assert [text(li) for li in questions["What could be improved"].select("li")] == ["Longer breaks. (Grace Hopper)"]
    assert [text(li) for li in questions["Topics for future workshops"].select("li")] == ["Retention"]
    # The editor's radio question: its choices counted.
    session = questions["Which session helped most"].select_one("table")
    assert [[text(cell) for cell in row.select("th, td")] for row in session.select("tbody tr")] == [
        ["Morning", "2"],
        ["Afternoon", "0"],
    ]
    # Nobody who did not give their name is named, not even from their booking.
    content = text(page)
    for booker in ("Ada Lovelace", "Mary Seacole"):
        assert booker not in content


def test_the_summary_asks_as_many_queries_for_thirty_responses_as_for_three(
    client, log_in, past, responses, django_assert_max_num_queries
):
    log_in(BOOKING_ADMINISTRATORS)
    client.get(summary_url(past.event))
    with CaptureQueriesContext(connection) as three:
        client.get(summary_url(past.event))
    for number in range(27):
        respond(
            past.event,
            1 + number % 5,
            5,
            what_worked=f"Answer {number}",
            answers={"which_session_helped_most": "Afternoon"},
        )

    with django_assert_max_num_queries(len(three.captured_queries)):
        response = client.get(summary_url(past.event))

    assert "30 responses" in text(html(response).select_one(".feedback-summary__count"))


def test_a_workshops_bookings_lead_to_its_feedback(client, log_in, past, responses):
    log_in(BOOKING_ADMINISTRATORS)

    page = html(client.get(reverse("wagtailforms:list_submissions", args=[past.booking_form.pk])))

    feedback = next(a for a in page.select("a") if text(a).startswith("Feedback ("))
    assert text(feedback) == "Feedback (3 responses)"
    assert feedback["href"] == summary_url(past.event)


def test_wagtails_forms_listing_leads_moderators_to_the_summary_and_shows_editors_nothing(
    client, log_in, past, responses
):
    log_in("Moderators")
    listing = html(client.get(reverse("wagtailforms:index")))
    rows = [[text(cell) for cell in row.select("td")] for row in listing.select("tbody tr")]
    assert any("Feedback form" in row for row in rows)
    # Wagtail's link to the form's submissions goes to the workshop's summary.
    submissions = client.get(reverse("wagtailforms:list_submissions", args=[past.feedback_form.pk]))
    assert submissions.status_code == 302 and submissions["Location"] == summary_url(past.event)
    results = client.get(reverse("wagtailforms:list_submissions_results", args=[past.feedback_form.pk]))
    assert results["Location"] == summary_url(past.event)
    # Wagtail's "delete submissions" deletes nothing of feedback.
    client.post(reverse("wagtailforms:delete_submissions", args=[past.feedback_form.pk]))
    assert FeedbackResponse.objects.count() == 3

    client.logout()
    log_in("Editors")
    forms_listing = client.get(reverse("wagtailforms:index"))
    assert "Tell us what you thought" not in forms_listing.content.decode()
    through_wagtail = client.get(reverse("wagtailforms:list_submissions", args=[past.feedback_form.pk]), follow=True)
    assert through_wagtail.redirect_chain[-1] == (reverse("wagtailadmin_home"), 302)
    assert "Grace Hopper" not in through_wagtail.content.decode()


def test_the_page_explorer_offers_moderators_the_feedback_and_editors_not(client, log_in, past, responses):
    explorer = reverse("wagtailadmin_explore", args=[past.event.pk])
    log_in("Moderators")
    assert "Read the feedback" in client.get(explorer).content.decode()

    client.logout()
    log_in("Editors")
    assert "Read the feedback" not in client.get(explorer).content.decode()


def test_the_summary_and_the_export_do_not_list_responses_in_the_order_they_came(client, log_in, past):
    earlier = respond(past.event, 3, 4, what_worked="Arrived first.")
    later = respond(past.event, 5, 4, what_worked="Arrived second.")
    assert earlier.pk < later.pk and earlier.received_on == later.received_on
    log_in(BOOKING_ADMINISTRATORS)

    page = html(client.get(summary_url(past.event)))
    exported = read_csv(client.get(export_url(past.event, "csv")))

    # By the answers, not by arrival: the later one, rated higher, comes first in both.
    worked = next(section for section in page.select(".feedback-question") if text(section.h3) == "What worked well")
    assert [text(li) for li in worked.select("li")] == ["Arrived second.", "Arrived first."]
    assert [row[3] for row in exported[1:]] == ["Arrived second.", "Arrived first."]


# The export ----------------------------------------------------------------------------------


def export_url(event, spreadsheet_format):
    return reverse("events_export_feedback", args=[event.pk, spreadsheet_format])


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(content[1:])))


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows())


def test_the_feedback_exports_as_csv_with_the_name_only_where_given(client, log_in, past, responses):
    responses[2].what_worked = '=HYPERLINK("https://example.com","Click")'
    responses[2].save()
    log_in(BOOKING_ADMINISTRATORS)

    rows = read_csv(client.get(export_url(past.event, "csv")))

    assert rows[0] == [
        "Received on",
        "Overall rating",
        "How useful for their role",
        "What worked well",
        "What could be improved",
        "Topics for future workshops",
        "Which session helped most",
        "Name (only if given)",
    ]
    today = timezone.localdate().isoformat()
    assert rows[1] == [today, "5", "3", "The exercise.", "", "Retention", "Morning", ""]
    assert rows[2][-1] == "Grace Hopper"
    # A formula typed into an answer stays text.
    assert rows[3][3] == '\'=HYPERLINK("https://example.com","Click")'


def test_the_feedback_exports_as_xlsx_with_every_answer_as_text(client, log_in, past, responses):
    responses[0].what_worked = "=1+1"
    responses[0].save()
    log_in(BOOKING_ADMINISTRATORS)

    rows = read_xlsx(client.get(export_url(past.event, "xlsx")))

    assert [cell.value for cell in rows[0]][:3] == ["Received on", "Overall rating", "How useful for their role"]
    first = rows[1]
    assert first[0].value == timezone.localdate()
    assert first[1].value == 5
    assert first[3].value == "=1+1" and first[3].data_type == "s"
    assert len(rows) == 4


def test_every_feedback_export_is_in_the_workshops_audit_log(client, log_in, past, responses):
    user = log_in(BOOKING_ADMINISTRATORS)

    client.get(export_url(past.event, "xlsx"))

    entry = PageLogEntry.objects.get(action="events.export_feedback")
    assert entry.page_id == past.event.pk and entry.user == user
    assert entry.data == {"format": "xlsx", "rows": 3}


@pytest.mark.parametrize("role", ["Moderators", "Editors"])
def test_only_people_who_may_export_feedback_download_it(client, log_in, past, responses, role):
    log_in(role)

    assert refused(client.get(export_url(past.event, "csv")))
    assert not PageLogEntry.objects.filter(action="events.export_feedback").exists()
    summary = client.get(summary_url(past.event))
    assert "Download CSV" not in summary.content.decode()


def test_the_groups_are_given_what_they_need_to_read_and_export_feedback():
    def codenames(group):
        return set(
            Group.objects.get(name=group)
            .permissions.filter(codename__endswith="feedbackresponse")
            .values_list("codename", flat=True)
        )

    assert codenames(BOOKING_ADMINISTRATORS) == {"view_feedbackresponse", "export_feedbackresponse"}
    assert codenames("Moderators") == {"view_feedbackresponse"}
    assert codenames("Editors") == set()


# Retention -----------------------------------------------------------------------------------


def test_names_given_with_feedback_are_cleared_when_the_bookings_are_erased(index, today, settings):
    old, old_form = workshop_held(index, "old-workshop", today - timedelta(days=settings.BOOKING_RETENTION_DAYS + 2))
    recent, recent_form = workshop_held(index, "recent-workshop", today - timedelta(days=10))
    make_booking(old_form)
    respond(old, 5, 5, what_worked="Everything.", name="Ada Lovelace")
    respond(recent, 4, 4, name="Grace Hopper")

    purge_booking_personal_data_task.enqueue(settings.BOOKING_RETENTION_DAYS)

    kept = {response.event_id: response for response in FeedbackResponse.objects.all()}
    # The old workshop's response stays for its figures, without the name.
    assert kept[old.pk].name == "" and kept[old.pk].what_worked == "Everything."
    assert kept[recent.pk].name == "Grace Hopper"


# Two sendings at the same instant, on PostgreSQL ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.one_process_at_a_time("database connections")
def test_sendings_at_the_same_instant_keep_one_response_on_postgresql(committed_content):
    index = NewsAndEventsIndexPage.objects.get()
    event, booking_form = workshop_held(index, "busy-feedback", timezone.localdate() - timedelta(days=1))
    add_feedback_form(event)
    booking = attended(event, make_booking(booking_form))
    url = link(booking)
    threads = 8
    barrier = threading.Barrier(threads, timeout=60)
    statuses, errors = [], []
    lock = threading.Lock()

    def send_at_once(number):
        try:
            barrier.wait()
            response = Client().post(url, feedback_answers(overall_rating=str(1 + number % 5)))
            with lock:
                statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 (recorded and asserted on below)
            with lock:
                errors.append(repr(error))
        finally:
            connection.close()

    with override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=1000):
        workers = [threading.Thread(target=send_at_once, args=(number,)) for number in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)

    assert errors == []
    assert sorted(statuses) == [302] + [409] * (threads - 1)
    assert FeedbackResponse.objects.filter(event=event).count() == 1


def transaction_ids(table, **where):
    """The PostgreSQL transaction id (xmin) that wrote each row: what a reader of the database sees."""
    condition = " AND ".join(f"{column} = %s" for column in where) or "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {table} WHERE {condition}", list(where.values()))  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.one_process_at_a_time("database connections")
def test_no_booking_row_shares_a_transaction_with_a_response_on_postgresql(committed_content):
    index = NewsAndEventsIndexPage.objects.get()
    event, booking_form = workshop_held(index, "xmin-feedback", timezone.localdate() - timedelta(days=1))
    add_feedback_form(event)
    people = [attended(event, make_booking(booking_form, name=f"Attendee {number}")) for number in range(3)]
    written_before = {booking.pk: transaction_ids("events_booking", id=booking.pk) for booking in people}

    for booking in people:
        assert Client().post(link(booking), feedback_answers()).status_code == 302

    responses = set(transaction_ids("events_feedbackresponse", event_id=event.pk))
    assert len(responses) == 3
    # No booking row was written when its feedback was given: each keeps the transaction that last wrote it.
    assert {booking.pk: transaction_ids("events_booking", id=booking.pk) for booking in people} == written_before
    bookings = set(transaction_ids("events_booking"))
    assert responses.isdisjoint(bookings)
    # Written with each response: only the keyed hash that its attendee answered, on no booking's transaction either.
    hashes = set(transaction_ids("events_feedbackgiven"))
    assert len(hashes) == 3 and hashes.isdisjoint(bookings)
