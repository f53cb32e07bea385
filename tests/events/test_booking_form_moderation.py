"""
A new workshop's booking form goes through moderation with its workshop: an
Editor finds the form from the message, adds a question and submits the
workshop; a Moderator reviews both, and each goes live on its own approval.
A Moderator who publishes the workshop at once publishes its new form too.
"""

from datetime import date
from types import SimpleNamespace

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from events.models import BookingFormPage, EventPage, Venue
from tests.conftest import html
from tests.events import test_tree_and_validation

pytestmark = pytest.mark.django_db


def workshop_form(**changes):
    """The workshop editor's form, filled in for a Winter workshop in 2030."""
    venue = Venue.objects.get(name="Malmaison Hotel")
    return test_tree_and_validation.TestEditorsPublishAWorkshop.form(SimpleNamespace(venue=venue), **changes)


def booking_form_form(form_page, questions=(), **changes):
    """The booking form editor's form, as it stands, with these extra questions."""
    data = {
        "title": form_page.title,
        "slug": form_page.slug,
        "introduction": "",
        "form_fields": inline_formset(
            [
                {"label": label, "field_type": field_type, "required": "on", "choices": "", "default_value": ""}
                for label, field_type in questions
            ]
        ),
        "privacy_notice": form_page.privacy_notice_id or "",
        "confirmation_text": rich_text(""),
    }
    data.update(changes)
    return nested_form_data(data)


def message_texts(response):
    """The admin's messages as the page shows them, each with its buttons' text."""
    return [" ".join(item.get_text(" ").split()) for item in html(response).select(".messages li")]


def review_actions(dashboard, page):
    """The actions offered for `page` under 'Awaiting your review' on the dashboard: {label: address}."""
    buttons = html(dashboard).find_all("button", attrs={"data-workflow-action-url": True})
    return {
        button.get_text(strip=True): button["data-workflow-action-url"]
        for button in buttons
        if f"/workflow/action/{page.pk}/" in button["data-workflow-action-url"]
    }


def approve_from_the_dashboard(client, dashboard, page):
    """Choose Approve in the page's row of 'Awaiting your review', as the moderator's browser does."""
    actions = review_actions(dashboard, page)
    assert "Approve" in actions, f"{page.title} is not awaiting review"
    return client.post(actions["Approve"], follow=True)


def create_a_workshop(client, index, **action):
    return client.post(f"/admin/pages/add/events/eventpage/{index.pk}/", workshop_form(**action), follow=True)


def the_workshop_and_its_form():
    workshop = EventPage.objects.get(slug="winter-workshop")
    return workshop, BookingFormPage.objects.child_of(workshop).get()


def test_an_editor_submits_a_workshop_and_a_moderator_reviews_its_booking_form_too(client, index, log_in):
    editor = log_in("Editors")
    created = create_a_workshop(client, index)

    workshop, form_page = the_workshop_and_its_form()
    edit_form_url = f"/admin/pages/{form_page.pk}/edit/"
    message = next(text for text in message_texts(created) if "Added a booking form" in text)
    assert "when you submit the workshop for approval" in message
    link = html(created).find("a", href=edit_form_url)
    assert link is not None and link.get_text(strip=True) == "Edit booking form"

    assert client.get(edit_form_url).status_code == 200
    client.post(edit_form_url, booking_form_form(form_page, [("Which NHS region are you in?", "singleline")]))
    client.post(f"/admin/pages/{workshop.pk}/edit/", workshop_form(**{"action-submit": "action-submit"}))

    workshop, form_page = the_workshop_and_its_form()
    assert workshop.current_workflow_state.requested_by == editor
    assert form_page.current_workflow_state.requested_by == editor
    assert not workshop.live and not form_page.live

    log_in("Moderators")
    dashboard = client.get("/admin/")
    assert "Awaiting your review" in dashboard.content.decode()
    assert set(review_actions(dashboard, workshop)) >= {"Approve", "Request changes"}
    assert set(review_actions(dashboard, form_page)) >= {"Approve", "Request changes"}

    approved = approve_from_the_dashboard(client, dashboard, workshop)

    workshop, form_page = the_workshop_and_its_form()
    assert workshop.live and not form_page.live
    shown = " ".join(message_texts(approved))
    assert "'Winter workshop (10 January 2030)' has been approved and published." in shown
    assert "Its booking form, 'Book a place', still awaits review" in shown
    # Until the form is approved too, nobody can book.
    assert client.get(workshop.url + "book/").status_code == 404

    approved = approve_from_the_dashboard(client, client.get("/admin/"), form_page)

    form_page.refresh_from_db()
    assert form_page.live
    assert "'Book a place' has been approved and published." in " ".join(message_texts(approved))
    assert "Which NHS region are you in?" in client.get(form_page.url).content.decode()


def test_a_booking_form_approved_before_its_workshop_opens_only_with_the_workshop(client, index, log_in):
    log_in("Editors")
    create_a_workshop(client, index, **{"action-submit": "action-submit"})
    workshop, form_page = the_workshop_and_its_form()
    assert form_page.current_workflow_state is not None

    log_in("Moderators")
    approved = approve_from_the_dashboard(client, client.get("/admin/"), form_page)

    form_page.refresh_from_db()
    assert form_page.live
    assert "Booking opens when its workshop, 'Winter workshop', is approved too." in " ".join(message_texts(approved))
    assert client.get("/news-and-events/winter-workshop/book/").status_code == 404

    approve_from_the_dashboard(client, client.get("/admin/"), workshop)

    assert client.get("/news-and-events/winter-workshop/book/").status_code == 200


def test_a_moderator_approving_in_the_page_editor_is_told_what_was_published(client, index, log_in):
    log_in("Editors")
    create_a_workshop(client, index, **{"action-submit": "action-submit"})
    workshop, form_page = the_workshop_and_its_form()

    log_in("Moderators")
    approved = client.post(
        f"/admin/pages/{workshop.pk}/edit/",
        workshop_form(**{"action-workflow-action": "true", "workflow-action-name": "approve"}),
        follow=True,
    )

    workshop, form_page = the_workshop_and_its_form()
    assert workshop.live and not form_page.live
    shown = message_texts(approved)
    assert "Page 'Winter workshop' has been updated." not in shown
    assert "'Winter workshop (10 January 2030)' has been approved and published." in " ".join(shown)
    assert "Its booking form, 'Book a place', still awaits review" in " ".join(shown)


def test_a_moderator_who_publishes_a_drafted_workshop_publishes_its_new_form_with_it(client, index, log_in):
    log_in("Editors")
    create_a_workshop(client, index)
    workshop, form_page = the_workshop_and_its_form()

    log_in("Moderators")
    client.post(f"/admin/pages/{workshop.pk}/edit/", workshop_form(**{"action-publish": "action-publish"}))

    workshop, form_page = the_workshop_and_its_form()
    assert workshop.live and form_page.live
    assert form_page.current_workflow_state is None


def test_a_moderator_who_publishes_at_once_is_told_the_form_is_live_with_a_link_to_it(client, index, log_in):
    log_in("Moderators")
    created = create_a_workshop(client, index, **{"action-publish": "action-publish"})

    workshop, form_page = the_workshop_and_its_form()
    assert workshop.live and form_page.live
    message = next(text for text in message_texts(created) if "Added a booking form" in text)
    assert "It is live now" in message
    assert html(created).find("a", href=f"/admin/pages/{form_page.pk}/edit/") is not None


def test_the_question_types_offered_are_those_a_booker_can_answer(client, index, log_in):
    log_in("Editors")
    create_a_workshop(client, index)
    __, form_page = the_workshop_and_its_form()

    editor = html(client.get(f"/admin/pages/{form_page.pk}/edit/"))

    # The select of a question the editor adds, in the template Wagtail copies for each new question.
    choice = editor.find("select", attrs={"name": "form_fields-__prefix__-field_type"})
    # (Text inside a <template> is not what get_text() reads: .string is.)
    offered = [option.string for option in choice.find_all("option") if option["value"]]
    assert "Hidden field" not in offered
    assert set(offered) >= {"Single line text", "Multi-line text", "Drop down", "Radio buttons", "Checkboxes", "Date"}
    assert not {"URL", "Date/time", "Multiple select"} & set(offered)


def test_approving_any_page_says_what_was_published(client, initial_content, log_in):
    # Every page type's viewset confirms an approval (home/moderation.py), not only a workshop's.
    editor = log_in("Editors")
    about = Page.objects.get(slug="about").specific
    about.save_revision(user=editor)
    about.get_workflow().start(about, editor)

    log_in("Moderators")
    response = approve_from_the_dashboard(client, client.get("/admin/"), about)

    about.refresh_from_db()
    assert about.live and about.current_workflow_state is None
    messages = [message.get_text(" ", strip=True) for message in html(response).select(".messages li")]
    published = f"'{about.get_admin_display_title()}' has been approved and published."
    assert any(published in message for message in messages), messages


def test_questions_of_a_type_no_longer_offered_become_the_nearest_one_offered(index):
    from importlib import import_module

    from django.apps import apps

    from events.models import BookingFormField
    from tests.events.factories import add_booking_form, add_event

    migration = import_module("events.migrations.0015_booking_questions_a_booker_answers")
    form_page = add_booking_form(add_event(index, "winter-workshop", date(2030, 1, 10)))
    for position, field_type in enumerate(["url", "datetime", "multiselect", "hidden", "radio"]):
        BookingFormField.objects.create(
            page=form_page, sort_order=position, label=f"Question {position}", field_type=field_type, choices="A\nB"
        )

    migration.offer_only_questions_a_booker_answers(apps, None)

    questions = list(form_page.form_fields.order_by("sort_order"))
    assert [question.field_type for question in questions] == [
        "singleline",
        "singleline",
        "checkboxes",
        "singleline",
        "radio",
    ]
    assert not questions[3].required
    for question in questions:
        question.full_clean(exclude=["page"])
