"""The home page and the general pages show the Collaborative's own words, in the site's layout."""

import re

import pytest

from home.models import SiteSettings, StandardPage
from tests.conftest import html

pytestmark = pytest.mark.django_db

ABOUT_SENTENCES = [
    "The Collaborative was designed in December 2016 and signed off by the seven Trusts in April 2017.",
    "These trusts form a steering group of the Collaborative.",
    "They invited all MH trusts in the country to join the Collaborative.",
    "The Collaborative workshop sessions are open to all NHS Trusts in England, that provide MH services.",
    "However, the workshop attendees will be limited to 50 spaces, taking into consideration the "
    "administration arrangements and costs.",
    "The meetings would be held in rotation at three venues one in each of London, Birmingham and Manchester.",
    "All providers face major challenges in sustaining and developing their workforce at a time of major "
    "financial pressure.",
]


def text_of(soup):
    return " ".join(soup.get_text(" ").split())


def test_home_page_shows_the_hero_and_the_introduction(client, initial_content):
    soup = html(client.get("/"))
    hero = soup.select_one(".nhsuk-hero")
    assert hero.h1.get_text(strip=True) == "National Mental Health Workforce Development Collaborative"
    assert (
        "The National Mental Health Workforce Development Collaborative is a voluntary group of mental "
        "health Trusts that have come together to focus on strategic mental health workforce development "
        "issues." in text_of(hero)
    )
    assert soup.title.get_text() == "National Mental Health Workforce Development Collaborative"


def test_home_page_sections_explain_themselves_while_empty(client, initial_content):
    from reports.models import ReportPage

    for report in ReportPage.objects.live():
        report.unpublish()
    soup = html(client.get("/"))
    sections = {section.h2.get_text(strip=True): section for section in soup.select("main section")}
    assert list(sections) == ["Upcoming workshops", "Latest news", "Latest reports"]
    # Every workshop in the source texts is past, and here no report is published.
    assert "No workshops are open for booking at the moment." in text_of(sections["Upcoming workshops"])
    assert "No reports have been published yet." in text_of(sections["Latest reports"])
    contact_link = soup.find("a", string="Contact us to hear about the next workshop")
    assert contact_link["href"] == "/contact-us/"
    assert [a.get_text(strip=True) for a in sections["Latest news"].select("h3 a")] == [
        "Read our report on ‘Thriving at Work’"
    ]


def test_about_page_has_the_full_source_text(client, initial_content, seed_text):
    soup = html(client.get("/about/"))
    main_text = text_of(soup.main)
    for sentence in ABOUT_SENTENCES:
        assert sentence in main_text
        assert sentence in seed_text, "the page must quote the Collaborative's text, not paraphrase it"
    assert [h2.get_text(strip=True) for h2 in soup.main.find_all("h2")] == [
        "Reasons for collaboration",
        "Mental Health Workshops schedule 2020",
    ]
    assert len(soup.main.select("ul li")) == 5


def test_about_page_lists_the_2020_schedule_and_rotating_venues(client, initial_content, seed_text):
    table = html(client.get("/about/")).select_one("main table.nhsuk-table")
    assert [th.get_text(strip=True) for th in table.select("thead th[scope=col]")] == ["Date", "Venue"]
    rows = [[cell.get_text(strip=True) for cell in row.find_all("td")] for row in table.select("tbody tr")]
    assert rows == [
        ["5 March 2020", "30 Euston Square, London NW1 2FB"],
        ["14 May 2020", "The Studio, 7 Cannon Street, Birmingham, B2 5EP"],
        ["15 September 2020", "Tavistock and Portman NHS FT, 120 Belsize Lane, London NW3 5BS"],
        ["19 November 2020", "Malmaison Hotel, 1-3 Piccadilly, Manchester M1 3AQ"],
    ]
    for date, venue in rows:
        assert f"{date} – {venue}" in seed_text


def test_standard_page_has_breadcrumbs_and_a_descriptive_title(client, initial_content):
    soup = html(client.get("/about/"))
    breadcrumb = soup.select_one("nav.nhsuk-breadcrumb")
    assert [a.get_text(strip=True) for a in breadcrumb.select(".nhsuk-breadcrumb__link")] == ["Home"]
    assert (
        soup.title.get_text() == "About the Collaborative - National Mental Health Workforce Development Collaborative"
    )
    assert soup.find("meta", attrs={"name": "description"})["content"].startswith("Why the Collaborative exists")


def test_a_page_in_a_section_names_the_section_in_its_title(client, initial_content):
    about = StandardPage.objects.get(slug="about")
    about.add_child(instance=StandardPage(title="Steering group", slug="steering-group", body=[]))
    soup = html(client.get("/about/steering-group/"))
    assert soup.title.get_text() == (
        "Steering group - About the Collaborative - National Mental Health Workforce Development Collaborative"
    )
    assert [a.get_text(strip=True) for a in soup.select(".nhsuk-breadcrumb__link")] == [
        "Home",
        "About the Collaborative",
    ]


def test_contact_page_names_the_contact_and_leaves_out_the_unknown_email(client, initial_content):
    soup = html(client.get("/contact-us/"))
    main_text = text_of(soup.main)
    assert "please contact Joanna Daci, Programme Operations Manager." in main_text
    assert "Joanna Daci, Programme Operations Manager" in text_of(soup.select_one("main dl"))
    assert not soup.main.select('a[href^="mailto:"]')


def test_contact_details_come_from_the_site_settings(client, initial_content):
    site_settings = SiteSettings.objects.get()
    site_settings.contact_email = "collaborative@example.nhs.uk"
    site_settings.contact_phone = "020 7946 0000"
    site_settings.save()
    soup = html(client.get("/contact-us/"))
    assert soup.main.select_one('a[href="mailto:collaborative@example.nhs.uk"]')
    assert soup.main.select_one('a[href="tel:02079460000"]')


def test_the_privacy_notice_says_it_is_a_draft_and_has_the_expected_sections(client, initial_content):
    # The accessibility statement is no longer a draft: it is filled in from the
    # accessibility audit (tests/home/test_initial_content.py checks its parts).
    soup = html(client.get("/privacy-notice/"))
    found = [heading.get_text(" ", strip=True) for heading in soup.main.find_all(re.compile("^h[2-3]$"))]
    for heading in ["This notice is a draft", "Who we are", "What we collect", "Cookies", "Your rights"]:
        assert any(heading in text for text in found), (heading, found)
    assert soup.main.select_one(".nhsuk-card--warning")
    assert not html(client.get("/accessibility-statement/")).main.select_one(".nhsuk-card--warning")


def test_the_privacy_notice_says_cancelling_ends_when_the_workshop_starts(client, initial_content):
    # As the booking's own pages do (events.views): no promise of "at any time".
    notice = " ".join(html(client.get("/privacy-notice/")).main.get_text(" ").split())
    assert "at any time" not in notice
    assert (
        "You can change how you attend, give your place to a colleague or cancel it until the workshop starts" in notice
    )
    assert "On the day we record whether you attended" in notice


def test_the_privacy_notice_says_what_follows_the_workshop(client, initial_content):
    # Feedback, certificates and the follow-up e-mail (events/booking/), as docs/data-protection.md has them.
    notice = " ".join(html(client.get("/privacy-notice/")).main.get_text(" ").split())
    assert "After the workshop" in notice
    assert "if you booked and did not attend, it has the presentations only" in notice
    assert "Your feedback is anonymous" in notice and "we keep only the day it arrived" in notice
    assert "they see your name, the workshop and its date, and nothing else" in notice
    assert "a name you gave with it is erased with your booking details" in notice


def test_the_userbar_checks_pages_against_wcag_22_aa(client, initial_content, log_in):
    import json

    log_in(superuser=True)

    soup = html(client.get("/about/"))

    configuration = json.loads(soup.find(id="checker-axe-configuration").string)
    assert configuration["options"]["runOnly"] == [
        "wcag2a",
        "wcag2aa",
        "wcag21a",
        "wcag21aa",
        "wcag22aa",
        "best-practice",
        "seo",
    ]
    assert {rule["id"] for rule in configuration["spec"]["rules"]} >= {"alt-text-quality", "empty-meta-description"}
