"""Where News and events pages may live, and the plain-English errors an editor sees."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from events.models import AttendanceMode, EventPage, EventStatus, NewsAndEventsIndexPage, NewsPage, Venue
from home.models import HomePage, StandardPage
from tests.conftest import make_user
from tests.events.factories import make_venue


class TestTree(WagtailPageTestCase):
    def test_the_index_lives_under_the_home_page_and_holds_events_and_news(self):
        self.assertAllowedParentPageTypes(NewsAndEventsIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(NewsAndEventsIndexPage, {EventPage, NewsPage})

    def test_events_and_news_live_only_in_the_section(self):
        self.assertAllowedParentPageTypes(EventPage, {NewsAndEventsIndexPage})
        self.assertAllowedParentPageTypes(NewsPage, {NewsAndEventsIndexPage})
        self.assertCanNotCreateAt(StandardPage, EventPage)
        self.assertCanNotCreateAt(HomePage, EventPage)
        self.assertCanNotCreateAt(Page, NewsAndEventsIndexPage)

    def test_every_page_type_describes_itself(self):
        for model in (NewsAndEventsIndexPage, EventPage, NewsPage):
            assert model.page_description


def event(**fields):
    defaults = {
        "title": "Workshop",
        "slug": "workshop",
        "summary": "A workshop.",
        "date": date(2030, 3, 7),
        "attendance_mode": AttendanceMode.ONLINE,
    }
    return EventPage(**{**defaults, **fields})


# Tree position is set when a page is added under its parent, not by the editor's form.
TREE_FIELDS = ["path", "depth"]


def errors_of(page):
    with pytest.raises(ValidationError) as caught:
        page.full_clean(exclude=TREE_FIELDS)
    return caught.value.message_dict


def assert_valid(page):
    page.full_clean(exclude=TREE_FIELDS)


@pytest.mark.django_db
class TestValidation:
    def test_end_time_must_follow_start_time(self):
        errors = errors_of(event(start_time=time(12, 30), end_time=time(10, 30)))
        assert errors["end_time"] == ["The end time must be after the start time."]

    def test_an_end_time_needs_a_start_time(self):
        assert "Enter a start time" in errors_of(event(start_time=None, end_time=time(12, 30)))["start_time"][0]

    def test_a_new_event_starts_at_the_usual_time_with_the_last_booking_contact(self):
        from events.models import Contact

        assert event().start_time == time(10, 30)
        contact = Contact.objects.create(name="Jo Smith", role="Workforce lead")
        index = NewsAndEventsIndexPage.objects.get()
        index.add_child(instance=event(slug="earlier", booking_contact=contact))
        assert event().booking_contact == contact

    def test_an_upcoming_event_in_person_needs_a_venue(self):
        errors = errors_of(event(attendance_mode=AttendanceMode.IN_PERSON))
        assert errors["venue"] == ["Choose a venue: an event held in person needs one. Or set it to 'Online'."]
        errors = errors_of(event(attendance_mode=AttendanceMode.HYBRID))
        assert "venue" in errors

    def test_a_past_event_may_have_no_venue_on_record(self):
        assert_valid(event(attendance_mode=AttendanceMode.IN_PERSON, date=date(2018, 2, 1)))

    def test_capacity_is_at_least_one_or_blank(self):
        assert errors_of(event(capacity=0))["capacity"] == [
            "An event needs at least 1 place. Leave blank for no limit."
        ]
        assert_valid(event(capacity=None))

    def test_booking_must_close_after_it_opens(self):
        opens = datetime(2030, 2, 1, 9, 0)
        errors = errors_of(event(booking_opens_at=opens, booking_closes_at=opens))
        assert errors["booking_closes_at"] == ["Booking must close after it opens."]

    def test_only_an_event_moved_online_has_an_original_venue(self):
        venue = make_venue(name="The Studio", address_line_1="7 Cannon Street", town_or_city="Birmingham")
        assert "originally_planned_venue" in errors_of(event(originally_planned_venue=venue))
        assert_valid(event(originally_planned_venue=venue, status=EventStatus.MOVED_ONLINE))

    def test_an_event_known_only_by_month_has_no_time(self):
        errors = errors_of(event(date_shows_month_only=True, start_time=time(10, 30)))
        assert "cannot have a time" in errors["date_shows_month_only"][0]

    def test_capacity_defaults_to_fifty(self):
        assert event().capacity == 50


class TestEditorsPublishAWorkshop(WagtailPageTestCase):
    def setUp(self):
        self.index = NewsAndEventsIndexPage.objects.get()
        self.venue = Venue.objects.get(name="Malmaison Hotel")
        self.client.force_login(self.create_test_user())

    def form(self, **changes):
        from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

        data = {
            "title": "Winter workshop",
            "slug": "winter-workshop",
            "event_type": "workshop",
            "date": "2030-01-10",
            "start_time": "10:30",
            "end_time": "12:30",
            "attendance_mode": "in_person",
            "venue": self.venue.pk,
            "materials": inline_formset([]),
            "summary": "A workshop on workforce planning.",
            "aims": rich_text("<p>To plan together.</p>"),
            "agenda": streamfield(
                [
                    (
                        "part",
                        {
                            "heading": "Morning",
                            "sessions": streamfield(
                                [
                                    (
                                        "item",
                                        {
                                            "time": "10:30",
                                            "title": "Welcome",
                                            "speakers": streamfield([]),
                                            "to_be_confirmed": "",
                                            "description": "",
                                        },
                                    )
                                ]
                            ),
                        },
                    )
                ]
            ),
            "body": streamfield([]),
            "capacity": "50",
            "status": "scheduled",
        }
        data.update(changes)
        return nested_form_data(data)

    def test_an_editor_creates_a_workshop_with_its_agenda(self):
        self.assertCanCreate(self.index, EventPage, self.form())
        event = EventPage.objects.get(slug="winter-workshop")
        assert event.when == "Thursday 10 January 2030, 10:30am to 12:30pm"
        assert event.agenda[0].value["sessions"][0]["title"] == "Welcome"
        assert event.venue == self.venue

    def test_the_editor_sees_a_plain_error_for_an_end_before_the_start(self):
        url = f"/admin/pages/add/events/eventpage/{self.index.pk}/"
        response = self.client.post(url, self.form(start_time="12:30", end_time="10:30"))
        assert response.status_code == 200
        assert "The end time must be after the start time." in response.content.decode()
        assert not EventPage.objects.filter(slug="winter-workshop").exists()


class TestANewWorkshopGetsItsBookingForm(WagtailPageTestCase):
    """
    A new workshop gets its booking form at once: it goes for approval with
    the workshop, or live with it when a Moderator publishes the workshop
    (the whole walk through moderation: test_booking_form_moderation.py).
    """

    def setUp(self):
        self.index = NewsAndEventsIndexPage.objects.get()
        self.venue = Venue.objects.get(name="Malmaison Hotel")
        self.editor = make_user("editor", "Editors")
        self.moderator = make_user("moderator", "Moderators")

    def form(self, **changes):
        return TestEditorsPublishAWorkshop.form(self, **changes)

    def test_an_editors_draft_workshop_gets_a_draft_booking_form_that_goes_for_approval_with_it(self):
        from events.models import BookingFormPage

        self.client.force_login(self.editor)
        response = self.client.post(f"/admin/pages/add/events/eventpage/{self.index.pk}/", self.form(), follow=True)

        workshop = EventPage.objects.get(slug="winter-workshop")
        form_page = BookingFormPage.objects.child_of(workshop).get()
        assert not workshop.live and not form_page.live
        assert form_page.title == "Book a place" and form_page.slug == "book"
        assert form_page.privacy_notice.slug == "privacy-notice"
        assert "Added a booking form under Winter workshop" in response.content.decode()
        assert f'href="/admin/pages/{form_page.pk}/edit/"' in response.content.decode()

        workshop.get_workflow().start(workshop, self.editor)
        workshop.get_latest_revision().publish(user=self.moderator)

        form_page.refresh_from_db()
        assert form_page.current_workflow_state.requested_by == self.editor
        assert not form_page.live
        assert self.client.get(workshop.url + "book/").status_code == 404

    def test_a_moderator_who_publishes_the_draft_publishes_its_booking_form_with_it(self):
        from events.models import BookingFormPage

        self.client.force_login(self.editor)
        self.client.post(f"/admin/pages/add/events/eventpage/{self.index.pk}/", self.form())
        workshop = EventPage.objects.get(slug="winter-workshop")

        workshop.get_latest_revision().publish(user=self.moderator)

        form_page = BookingFormPage.objects.child_of(workshop).get()
        assert form_page.live
        assert self.client.get(form_page.url).status_code == 200

    def test_a_moderator_who_publishes_at_once_publishes_the_booking_form_too(self):
        from events.models import BookingFormPage

        self.client.force_login(self.moderator)
        self.client.post(
            f"/admin/pages/add/events/eventpage/{self.index.pk}/", self.form(**{"action-publish": "action-publish"})
        )

        workshop = EventPage.objects.get(slug="winter-workshop")
        assert workshop.live
        assert BookingFormPage.objects.child_of(workshop).get().live

    def test_a_past_event_entered_for_the_record_gets_no_booking_form(self):
        from events.models import BookingFormPage

        self.client.force_login(self.moderator)
        self.client.post(f"/admin/pages/add/events/eventpage/{self.index.pk}/", self.form(date="2019-05-02"))

        assert not BookingFormPage.objects.child_of(EventPage.objects.get(slug="winter-workshop")).exists()


@pytest.mark.django_db
def test_a_workshop_scheduled_to_go_live_is_published_with_its_booking_form(client, initial_content):
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from events.models import BookingFormPage

    index = NewsAndEventsIndexPage.objects.get()
    workshop = event(slug="scheduled-workshop", title="Scheduled workshop", live=False)
    index.add_child(instance=workshop)
    form_page = BookingFormPage(title="Book a place", slug="book", live=False)
    workshop.add_child(instance=form_page)
    form_page.save_revision()
    workshop.go_live_at = timezone.now() - timedelta(minutes=1)
    workshop.save_revision(approved_go_live_at=workshop.go_live_at)

    call_command("publish_scheduled", stdout=io.StringIO())

    workshop.refresh_from_db()
    form_page.refresh_from_db()
    assert workshop.live and form_page.live
    assert client.get(workshop.url).status_code == 200
