"""load_initial_content builds the site once, changes nothing when repeated, and never undoes an editor's work."""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from home import initial_content
from home.content_loader import normalise_stream
from home.models import FooterLink, HomePage, SiteSettings, StandardPage
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def wagtails_new_site():
    """The database as Wagtail's migrations leave it: a root, a placeholder page and a site."""
    HomePage.objects.get().delete()
    root = Page.get_first_root_node()
    welcome = root.add_child(instance=Page(title="Welcome to your new Wagtail site!", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=welcome, is_default_site=True)


def load():
    output = io.StringIO()
    call_command("load_initial_content", stdout=output)
    return output.getvalue()


def snapshot():
    """Everything the loader writes, in a comparable form."""
    pages = {}
    for page in Page.objects.filter(depth__gt=1).specific().order_by("path"):
        fields = {"title": page.title, "live": page.live, "show_in_menus": page.show_in_menus}
        for name in ("introduction", "hero_heading", "listing_summary"):
            if hasattr(page, name):
                fields[name] = getattr(page, name)
        if hasattr(page, "body"):
            fields["body"] = normalise_stream(page._meta.get_field("body"), page.body)
        pages[page.url_path] = fields
    site_settings = SiteSettings.objects.values().get()
    footer = list(FooterLink.objects.order_by("sort_order").values_list("link_page__slug", "link_url", "label"))
    return {
        "pages": pages,
        "revisions": Revision.objects.count(),
        "sites": list(Site.objects.values_list("hostname", "root_page__slug", "is_default_site", "site_name")),
        "settings": site_settings,
        "footer": footer,
    }


def test_builds_the_site_tree_in_place_of_wagtails_placeholder(wagtails_new_site):
    assert Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()
    load()
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert site.site_name == "National Mental Health Workforce Development Collaborative"
    assert sorted(page.slug for page in site.root_page.get_children()) == [
        "about",
        "accessibility-statement",
        "contact-us",
        "news-and-events",
        "privacy-notice",
        "reports",
    ]
    assert all(page.live for page in Page.objects.filter(depth__gt=1))


def test_running_it_twice_changes_nothing():
    load()
    first = snapshot()
    output = load()
    assert snapshot() == first
    assert "0 created, 0 updated" in output


def test_an_edited_page_is_never_overwritten():
    load()
    editor = make_user("editor")
    about = StandardPage.objects.get(slug="about")
    about.introduction = "The Collaborative's own new introduction."
    about.save_revision(user=editor).publish()

    output = load()

    about.refresh_from_db()
    assert about.introduction == "The Collaborative's own new introduction."
    assert "kept (edited since)" in output and "About the Collaborative" in output


def test_a_draft_an_editor_saved_is_not_overwritten_either():
    load()
    editor = make_user("editor")
    privacy = StandardPage.objects.get(slug="privacy-notice")
    privacy.introduction = "Draft wording, not yet approved."
    privacy.save_revision(user=editor)

    load()

    privacy.refresh_from_db()
    assert privacy.has_unpublished_changes
    assert privacy.get_latest_revision_as_object().introduction == "Draft wording, not yet approved."


def test_an_untouched_page_follows_corrections_to_the_source_text(monkeypatch):
    load()
    corrected_body = [
        *initial_content.ABOUT_BODY,
        initial_content.paragraph("<p>A corrected closing line.</p>"),
    ]
    monkeypatch.setattr(initial_content, "ABOUT_BODY", corrected_body)

    output = load()

    about = StandardPage.objects.get(slug="about")
    assert about.body[-1].value.source == "<p>A corrected closing line.</p>"
    assert "updated" in output


def test_site_settings_an_editor_changed_are_kept():
    load()
    site_settings = SiteSettings.objects.get()
    site_settings.contact_name = "A new contact"
    site_settings.save()
    FooterLink.objects.filter(link_page__slug="contact-us").delete()

    load()

    site_settings.refresh_from_db()
    assert site_settings.contact_name == "A new contact"
    assert list(FooterLink.objects.values_list("link_page__slug", flat=True)) == [
        "privacy-notice",
        "accessibility-statement",
    ]


def test_leaves_unknown_contact_details_empty_rather_than_invented():
    load()
    site_settings = SiteSettings.objects.get()
    assert (site_settings.contact_name, site_settings.contact_role) == (
        "Joanna Daci",
        "Programme Operations Manager",
    )
    assert site_settings.contact_email == ""
    assert site_settings.contact_phone == ""


def test_the_content_is_searchable_once_loaded():
    load()
    results = Page.objects.live().search("Birmingham")
    assert [page.slug for page in results] == ["about"]


@pytest.fixture
def flushed_database():
    call_command("flush", interactive=False, verbosity=0)
    yield
    # flush recreated the content types inside this test's transaction, which
    # is rolled back: forget the ids it cached, or later tests see stale ones.
    ContentType.objects.clear_cache()


def test_builds_the_whole_tree_on_a_flushed_database(flushed_database):
    assert not Page.objects.exists()
    load()
    assert Site.objects.get(is_default_site=True).root_page.specific.slug == "home"
    assert StandardPage.objects.live().count() == 4


def test_the_accessibility_statement_has_every_part_the_regulations_ask_for(client):
    from bs4 import BeautifulSoup

    load()
    soup = BeautifulSoup(client.get("/accessibility-statement/").content, "html.parser")
    headings = [heading.get_text(strip=True) for heading in soup.select("main h2, main h3, main h4")]
    for required in (
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert required in headings, required
    text = soup.select_one("main").get_text(" ", strip=True)
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in text
    assert "Equality Advisory and Support Service" in text
    assert "prepared on 24 November 2026 and last reviewed on 29 November 2026" in text
    # Nothing it has not been tested for: no claim of working with screen readers or speech recognition.
    assert "has not yet been tested with people who use screen readers or speech recognition software" in text
    assert "listen to the website using a screen reader" not in text
    assert "using speech recognition software" not in text.replace("or speech recognition software", "")
    # It says how it was tested, and that it is no longer a draft.
    assert "axe-core" in text and "keyboard alone" in text
    assert "draft" not in text.lower()


def test_the_accessibility_statement_says_only_what_is_true_of_this_site(client):
    from bs4 import BeautifulSoup

    from events.models import Venue

    load()
    soup = BeautifulSoup(client.get("/accessibility-statement/").content, "html.parser")
    text = " ".join(soup.select_one("main").get_text(" ").split())
    # Reports are the Collaborative's own web pages, not documents made by others.
    assert "did not make" not in text
    assert not re.search(r"reports are (PDF|Word)", text)
    # The site runs no conferencing service and its e-mails name none.
    assert "conferencing service named" not in text
    assert "videoconferences take place on a conferencing service that is not part of this website" in text
    # The map links go to OpenStreetMap, and the statement names it.
    assert Venue(address_line_1="1 A Street", town_or_city="London").map_url.startswith(
        "https://www.openstreetmap.org/"
    )
    assert "open OpenStreetMap" in text
    # No checks or plans that nobody has undertaken.
    assert "We check each new document" not in text
    assert "We plan to" not in text
