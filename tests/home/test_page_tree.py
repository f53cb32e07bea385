"""Each page type can be created only where it belongs, and editors can create them in the admin."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from events.models import NewsAndEventsIndexPage
from home.models import HomePage, StandardPage
from reports.models import ReportIndexPage


class TestPageTree(WagtailPageTestCase):
    def test_home_page_lives_only_at_the_root(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertCanNotCreateAt(HomePage, HomePage)
        self.assertCanNotCreateAt(StandardPage, HomePage)

    def test_standard_pages_live_under_the_home_page_or_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})
        self.assertAllowedSubpageTypes(HomePage, {StandardPage, NewsAndEventsIndexPage, ReportIndexPage})

    def test_every_page_type_describes_itself_to_editors(self):
        for model in (HomePage, StandardPage):
            assert model.page_description, model


@pytest.mark.django_db
def test_there_can_be_only_one_home_page(initial_content):
    root = Page.get_first_root_node()
    assert not HomePage.can_create_at(root)


class TestEditorsCanCreatePages(WagtailPageTestCase):
    def setUp(self):
        call_command("load_initial_content", stdout=io.StringIO())
        self.home = HomePage.objects.get()
        self.client.force_login(self.create_test_user())

    def test_an_editor_creates_a_standard_page_with_a_body(self):
        self.assertCanCreate(
            self.home,
            StandardPage,
            nested_form_data(
                {
                    "title": "Steering group",
                    "slug": "steering-group",
                    "introduction": "The trusts that steer the Collaborative.",
                    "body": streamfield(
                        [
                            ("heading", {"text": "Members", "level": "2"}),
                            ("paragraph", rich_text("<p>Seven trusts signed off the Collaborative.</p>")),
                        ]
                    ),
                }
            ),
        )
        created = StandardPage.objects.get(slug="steering-group")
        assert created.get_parent().specific == self.home
        assert [block.block_type for block in created.body] == ["heading", "paragraph"]

    def test_every_page_type_renders_and_previews(self):
        about = StandardPage.objects.get(slug="about")
        home_form = {
            "title": "Home",
            "slug": "home",
            "hero_heading": "National Mental Health Workforce Development Collaborative",
            "introduction": "A preview of a new introduction.",
            "body": streamfield([]),
        }
        about_form = {
            "title": "About the Collaborative",
            "slug": "about",
            "body": streamfield([("paragraph", rich_text("<p>A preview of new wording.</p>"))]),
        }
        for page, form in ((self.home, home_form), (about, about_form)):
            self.assertPageIsRenderable(page)
            self.assertPageIsPreviewable(page, post_data=nested_form_data(form))
