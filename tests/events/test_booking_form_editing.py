"""Editors add a booking form under a workshop in the admin, with questions of their own, and preview it."""

from datetime import timedelta

from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from events.models import BookingFormField, BookingFormPage, EventPage, NewsAndEventsIndexPage, NewsPage
from tests.conftest import make_user
from tests.events.factories import add_booking_form, add_event, make_booking


def html_text(content):
    return " ".join(BeautifulSoup(content, "html.parser").get_text(" ").split())


class TestEditorsAddABookingForm(WagtailPageTestCase):
    def setUp(self):
        index = NewsAndEventsIndexPage.objects.get()
        self.workshop = add_event(index, "winter-workshop", timezone.localdate() + timedelta(days=40))
        self.workshop.save_revision().publish()
        # A moderator, who may publish; an editor's draft goes the same way through moderation.
        self.client.force_login(make_user("moderator", "Moderators"))

    def form(self, questions=(), **changes):
        data = {
            "title": "Book a place",
            "slug": "book",
            "introduction": "Places are for directors and their deputies.",
            "form_fields": inline_formset(
                [
                    {"label": label, "field_type": field_type, "required": "", "choices": "", "default_value": ""}
                    for label, field_type in questions
                ]
            ),
            "privacy_notice": "",
            "confirmation_text": rich_text("<p>Bring your trust's workforce plan.</p>"),
        }
        data.update(changes)
        return nested_form_data(data)

    def add_url(self):
        return f"/admin/pages/add/events/bookingformpage/{self.workshop.pk}/"

    def test_a_booking_form_lives_only_under_a_workshop_and_one_per_workshop(self):
        self.assertAllowedParentPageTypes(BookingFormPage, {EventPage})
        self.assertAllowedSubpageTypes(BookingFormPage, set())
        self.assertCanNotCreateAt(NewsAndEventsIndexPage, BookingFormPage)
        self.assertCanNotCreateAt(NewsPage, BookingFormPage)
        add_booking_form(self.workshop)
        assert not BookingFormPage.can_create_at(self.workshop)

    def test_an_editor_adds_a_booking_form_with_a_question_of_their_own(self):
        data = self.form([("Which session will you join?", "singleline")], **{"action-publish": "action-publish"})
        self.assertCanCreate(self.workshop, BookingFormPage, data)

        form_page = BookingFormPage.objects.child_of(self.workshop).get()
        assert [field.label for field in form_page.form_fields.all()] == ["Which session will you join?"]
        response = self.client.get(form_page.url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Which session will you join?" in body
        assert "Places are for directors and their deputies." in body

    def test_a_question_that_repeats_a_standard_one_gets_a_plain_error(self):
        response = self.client.post(self.add_url(), self.form([("Email", "email")]))

        assert response.status_code == 200
        assert "Every booking form already asks for &#x27;Email&#x27;" in response.content.decode()
        assert not BookingFormPage.objects.exists()

    def test_the_editor_previews_the_form_and_the_confirmation(self):
        form_page = add_booking_form(self.workshop)
        BookingFormField.objects.create(page=form_page, sort_order=0, label="Trust code", field_type="singleline")

        preview_url = f"/admin/pages/{form_page.pk}/edit/preview/"
        assert self.client.post(preview_url, self.form([("Trust code", "singleline")])).json()["is_valid"]
        form_preview = self.client.get(preview_url + "?mode=form").content.decode()
        landing_preview = self.client.get(preview_url + "?mode=landing").content.decode()

        assert "Trust code" in form_preview and "Book my place" in form_preview
        assert "Booking request received" in landing_preview
        assert "Bring your trust's workforce plan." in html_text(landing_preview), "the previewed text, not yet saved"
        self.assertPageIsPreviewable(form_page, mode="form")
        self.assertPageIsPreviewable(form_page, mode="landing")


class TestCopyingAWorkshop(WagtailPageTestCase):
    def test_a_copied_workshop_is_a_fresh_one_with_its_booking_form_and_no_bookings(self):
        from events.models import Booking

        index = NewsAndEventsIndexPage.objects.get()
        workshop = add_event(index, "spring-workshop", timezone.localdate() + timedelta(days=40), capacity=20)
        form_page = add_booking_form(workshop)
        BookingFormField.objects.create(page=form_page, sort_order=0, label="Trust code", field_type="singleline")
        make_booking(form_page, name="Ada Lovelace", email="ada@example.nhs.uk")
        self.client.force_login(self.create_test_user())

        response = self.client.post(
            f"/admin/pages/{workshop.pk}/copy/",
            {
                "new_title": "Autumn workshop",
                "new_slug": "autumn-workshop",
                "new_parent_page": index.pk,
                "copy_subpages": "on",
                "publish_copies": "",
                "alias": "",
            },
        )

        assert response.status_code == 302
        copy = EventPage.objects.get(slug="autumn-workshop")
        assert copy.bookings.count() == 0
        assert copy.places_left == 20
        assert copy.calendar_uid != workshop.calendar_uid, "a different event in people's calendars"
        copied_form = BookingFormPage.objects.child_of(copy).get()
        assert [field.label for field in copied_form.form_fields.all()] == ["Trust code"]
        assert Booking.objects.filter(page=copied_form).count() == 0
        assert workshop.bookings.count() == 1, "the original keeps its bookings"
