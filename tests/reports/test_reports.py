"""
Reports: where they live, the report page (contents, recommendations,
documents, review dates, change history, accessible formats), the link both
ways with the workshop, the listing, and what search engines and feeds see.
"""

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection, CollectionViewRestriction
from wagtail.test.utils import WagtailPageTestCase

from events.models import EventPage, NewsAndEventsIndexPage, NewsPage
from home.models import HomePage, SiteSettings, StandardPage
from reports.models import ReportChange, ReportDocument, ReportIndexPage, ReportPage, ReportRelatedPage
from tests.conftest import html, metadata
from tests.reports.factories import add_report, make_document, pdf_bytes

Document = get_document_model()

COLLABORATIVE = {
    "@type": "Organization",
    "name": "National Mental Health Workforce Development Collaborative",
    "url": "http://testserver/",
}

pytestmark = pytest.mark.django_db


def text(soup):
    return " ".join(soup.get_text(" ").split())


def heading(words, level="2"):
    return ("heading", {"text": words, "level": level})


def paragraph(words):
    return ("paragraph", f"<p>{words}</p>")


# Where reports live ---------------------------------------------------------------


class TestTree(WagtailPageTestCase):
    def test_the_index_lives_under_the_home_page_and_holds_reports(self):
        self.assertAllowedParentPageTypes(ReportIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ReportIndexPage, {ReportPage})
        self.assertAllowedParentPageTypes(ReportPage, {ReportIndexPage})
        self.assertAllowedSubpageTypes(ReportPage, set())
        self.assertCanNotCreateAt(StandardPage, ReportPage)
        self.assertCanNotCreateAt(NewsAndEventsIndexPage, ReportPage)
        assert not ReportIndexPage.can_create_at(HomePage.objects.get()), "one Reports section"

    def test_every_page_type_describes_itself(self):
        assert ReportIndexPage.page_description and ReportPage.page_description


# The report page ------------------------------------------------------------------


def test_section_headings_build_the_contents_list_and_carry_its_anchors(client, reports_index):
    report = add_report(
        reports_index,
        "workforce-report",
        body=[
            heading("Summary"),
            paragraph("In brief."),
            heading("What we heard"),
            heading("From HR directors", level="3"),
            paragraph("Details."),
            heading("Summary"),
            ("recommendations", {"heading": "Recommendations", "recommendations": [{"text": "Act.", "for_whom": ""}]}),
        ],
    )

    soup = html(client.get(report.url))

    contents = soup.select_one("nav.nhsuk-contents-list")
    links = [(a.get_text(strip=True), a["href"]) for a in contents.select("a")]
    assert links == [
        ("Summary", "#summary"),
        ("What we heard", "#what-we-heard"),
        ("Summary", "#summary-2"),
        ("Recommendations", "#recommendations"),
    ]
    for label, anchor in links:
        target = soup.find(id=anchor[1:])
        assert target is not None and target.name == "h2" and target.get_text(strip=True) == label
    assert soup.find("h3", string="From HR directors") is not None, "sub-headings stay on the page, not the list"


def test_a_report_with_one_section_has_no_contents_list(client, reports_index):
    report = add_report(reports_index, "short-report", body=[heading("Summary"), paragraph("In brief.")])

    assert html(client.get(report.url)).select_one("nav.nhsuk-contents-list") is None


def test_recommendations_are_a_numbered_list_with_who_should_act(client, reports_index):
    report = add_report(
        reports_index,
        "recommending",
        body=[
            (
                "recommendations",
                {
                    "heading": "Recommendations",
                    "recommendations": [
                        {"text": "Offer a wellbeing lead in every trust.", "for_whom": "HR directors"},
                        {"text": "Measure practice against the core standards.", "for_whom": ""},
                    ],
                },
            )
        ],
    )

    items = html(client.get(report.url)).select("ol.recommendations li")

    assert [text(item) for item in items] == [
        "Offer a wellbeing lead in every trust. For: HR directors",
        "Measure practice against the core standards.",
    ]


def test_the_page_gives_dates_authors_workshop_topics_changes_and_review_dates(client, reports_index):
    workshop = EventPage.objects.get(slug="thriving-at-work-workshop")
    report = add_report(
        reports_index,
        "dated-report",
        date(2024, 3, 10),
        authors="HR directors of the member trusts",
        workshop=workshop,
        last_reviewed=date(2025, 3, 1),
        next_review_due=date(2028, 3, 1),
    )
    report.tags.add("Wellbeing", "Retention")
    report.changes.add(ReportChange(date=date(2024, 6, 1), note="Corrected a figure"))
    report.changes.add(ReportChange(date=date(2025, 3, 1), note="Checked and brought up to date"))
    report.save_revision().publish()

    soup = html(client.get(report.url))

    facts = text(soup.select_one(".report-facts"))
    assert "Published 10 March 2024" in facts
    assert "By HR directors of the member trusts" in facts
    assert "From the workshop Workshop for HR Directors on the Thriving at Work report" in facts
    assert "February 2018" in facts
    assert "Topics Retention, Wellbeing" in facts or "Topics Wellbeing, Retention" in facts
    assert [" ".join(item.get_text().split()) for item in soup.select(".report-changes li")] == [
        "1 March 2025: Checked and brought up to date",
        "1 June 2024: Corrected a figure",
    ]
    assert text(soup.select_one(".review-date")) == "Page last reviewed: 1 March 2025 Next review due: 1 March 2028"


def test_the_next_review_must_come_after_the_last(reports_index):
    report = ReportPage(
        title="Reviewed",
        slug="reviewed",
        summary="S.",
        last_reviewed=date(2025, 3, 1),
        next_review_due=date(2025, 3, 1),
    )
    with pytest.raises(ValidationError) as caught:
        report.full_clean(exclude=["path", "depth"])
    assert caught.value.message_dict["next_review_due"] == ["The next review must come after the last one."]


def test_the_accessible_format_line_uses_the_sites_contact_details(client, reports_index):
    report = add_report(reports_index, "formats")
    settings = SiteSettings.for_site(reports_index.get_site())

    settings.contact_email = "collaborative@example.nhs.uk"
    settings.contact_phone = "020 7946 0000"
    settings.save()
    with_email = text(html(client.get(report.url)).select_one(".accessible-format"))
    settings.contact_email = ""
    settings.contact_phone = ""
    settings.save()
    with_page_only = html(client.get(report.url)).select_one(".accessible-format")

    assert "If you need this report in another format, such as large print, easy read or audio" in with_email
    assert "email collaborative@example.nhs.uk or call 020 7946 0000" in with_email
    assert with_page_only.select_one("a")["href"] == "/contact-us/"


# Documents --------------------------------------------------------------------------


def test_a_pdf_is_shown_with_its_type_size_and_pages_and_served_by_wagtail(client, reports_index):
    content = pdf_bytes(pages=3)
    document = make_document("The full report", "full-report.pdf", content)
    spreadsheet = make_document("The survey results", "survey.xlsx", b"PK\x03\x04" + b"\0" * 3000)
    report = add_report(reports_index, "with-documents")
    report.documents.add(ReportDocument(document=document), ReportDocument(document=spreadsheet))
    report.save_revision().publish()

    items = html(client.get(report.url)).select(".report-documents li")

    size = f"{len(content) / 1024:.1f} KB"
    assert [text(item) for item in items] == [
        f"The full report ({'PDF'}, {size}, 3 pages)",
        "The survey results (XLSX, 2.9 KB)",
    ]
    link = items[0].select_one("a")["href"]
    assert link.startswith("/documents/")
    served = client.get(link)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert b"".join(served.streaming_content) == content


def test_a_document_in_a_private_collection_is_neither_listed_nor_served_to_visitors(client, reports_index):
    private = Collection.get_first_root_node().add_child(name="Drafts for the steering group")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    document = make_document("Draft report", "draft.pdf", pdf_bytes(1), collection=private)
    report = add_report(reports_index, "with-a-private-document")
    report.documents.add(ReportDocument(document=document))
    report.save_revision().publish()

    page = html(client.get(report.url))
    served = client.get(document.url)

    assert page.select(".report-documents li") == []
    assert served.status_code == 302 and "/_util/login/" in served["Location"]


def upload(admin_client, filename, content, content_type="application/octet-stream"):
    return admin_client.post(
        "/admin/documents/add/",
        {
            "title": filename,
            "file": SimpleUploadedFile(filename, content, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_an_editor_can_upload_a_pdf_and_an_office_document(admin_client):
    assert upload(admin_client, "report.pdf", pdf_bytes(2), "application/pdf").status_code == 302
    assert upload(admin_client, "notes.docx", b"PK\x03\x04" + b"\0" * 100).status_code == 302
    assert upload(admin_client, "notes.txt", "Plain notes, café.".encode()).status_code == 302
    assert sorted(Document.objects.values_list("title", flat=True)) == ["notes.docx", "notes.txt", "report.pdf"]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "Files ending in .svg cannot be uploaded"),
        ("page.html", b"<!doctype html><html></html>", "Files ending in .html cannot be uploaded"),
        ("page.htm", b"<html></html>", "Files ending in .htm cannot be uploaded"),
        ("tool.exe", b"MZ\x90\x00", "Files ending in .exe cannot be uploaded: this kind of file is not accepted"),
        ("report.pdf", b"<!DOCTYPE html><script>alert(1)</script>", "are not a PDF file"),
        ("notes.txt", b"Hello <svg onload=alert(1)>", "contains a web page or an SVG image"),
        ("sheet.xlsx", b"<html><body>not a spreadsheet</body></html>", "are not a XLSX file"),
    ],
)
def test_web_pages_and_svg_are_refused_whatever_they_are_called(admin_client, filename, content, message):
    response = upload(admin_client, filename, content)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "File extension “”" not in page, "one clear message, not Wagtail's empty-extension one too"
    assert not Document.objects.exists()


def test_a_file_over_the_size_limit_is_refused(admin_client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024

    response = upload(admin_client, "big.pdf", pdf_bytes(1) + b"\0" * 2048)

    assert response.status_code == 200
    assert "This file is too big" in response.content.decode()
    assert not Document.objects.exists()


# The workshop and the news item, both ways -----------------------------------------


def test_the_workshop_offers_its_report_once_the_report_is_published(client, reports_index):
    workshop = EventPage.objects.get(slug="thriving-at-work-workshop")
    ReportPage.objects.filter(workshop=workshop).update(workshop=None)
    report = add_report(reports_index, "new-report", workshop=workshop, publish=False)

    draft = html(client.get(workshop.url)).select(".read-the-report")
    report.save_revision().publish()
    published = html(client.get(workshop.url)).select(".read-the-report")
    on_report = html(client.get(report.url)).select_one(".report-facts a")

    assert draft == []
    assert [(link["href"], text(link)) for link in published] == [(report.url, "Read the report: New report")]
    assert on_report["href"] == workshop.url


def test_the_news_item_a_report_links_to_links_back(client, reports_index):
    news = NewsPage.objects.get(slug="thriving-at-work-report")
    report = add_report(reports_index, "news-linked")
    report.related_pages.add(ReportRelatedPage(page=news))
    report.save_revision().publish()

    news_links = [a["href"] for a in html(client.get(news.url)).select("main a")]
    report_links = [a["href"] for a in html(client.get(report.url)).select("main a")]

    assert report.url in news_links
    assert news.url in report_links


def test_related_reports_are_listed_apart_from_other_pages(client, reports_index):
    other = add_report(reports_index, "other-report")
    report = add_report(reports_index, "main-report")
    report.related_pages.add(
        ReportRelatedPage(page=other), ReportRelatedPage(page=StandardPage.objects.get(slug="about"))
    )
    report.save_revision().publish()

    soup = html(client.get(report.url))
    sections = {h2.get_text(strip=True): h2.find_next("ul") for h2 in soup.select("main h2")}

    assert [a.get_text() for a in sections["Related reports"].select("a")] == ["Other report"]
    assert [a.get_text() for a in sections["Related pages"].select("a")] == ["About the Collaborative"]


# The seed report ---------------------------------------------------------------------


def test_the_thriving_at_work_report_comes_from_the_source_text(client, initial_content, seed_text):
    report = ReportPage.objects.get(slug="thriving-at-work")
    workshop = EventPage.objects.get(slug="thriving-at-work-workshop")
    news = NewsPage.objects.get(slug="thriving-at-work-report")

    assert report.live and report.workshop == workshop
    assert [link.page_id for link in report.related_pages.all()] == [news.pk]
    assert report.summary in seed_text
    for block in report.body:
        if block.block_type == "paragraph":
            assert text(html_of(block.value.source)) in seed_text, "the page says only what the source says"
    assert report.documents.count() == 0, "no document file is invented"
    assert report.publication_date is None, "the source gives no publication date"
    soup = html(client.get(workshop.url))
    assert soup.select_one(".read-the-report")["href"] == report.url


def test_the_thriving_at_work_report_says_the_full_report_is_not_online_and_whom_to_ask(client, initial_content):
    report = ReportPage.objects.get(slug="thriving-at-work")
    main = html(client.get(report.url)).main

    contents = [a.get_text(strip=True) for a in main.select(".report-contents a")]
    assert contents[0] == "Getting the full report"
    assert "The full report is not yet published on this website." in text(main)
    assert main.find("a", string="contact us")["href"] == "/contact-us/"
    # The site's contact details, as its settings hold them: the source
    # names the contact, and an e-mail address added there shows here too.
    assert "Joanna Daci, Programme Operations Manager" in text(main.select_one(".report-body"))


def html_of(markup):
    from bs4 import BeautifulSoup

    return BeautifulSoup(markup, "html.parser")


# The listing -------------------------------------------------------------------------


def test_reports_are_listed_newest_first_with_undated_ones_last(client, reports_index):
    add_report(reports_index, "older", date(2021, 5, 1), title="Older")
    add_report(reports_index, "newer", date(2024, 1, 15), title="Newer")
    add_report(reports_index, "draft", date(2025, 1, 1), title="Draft", publish=False)

    titles = [a.get_text(strip=True) for a in html(client.get("/reports/")).select(".report-card h3 a")]

    assert titles == ["Newer", "Older", "Thriving at Work: the Collaborative workshop report"]


def test_reports_can_be_filtered_by_year_and_topic(client, reports_index):
    for slug, day, topic in [("older", date(2021, 5, 1), "Retention"), ("newer", date(2024, 1, 15), "Wellbeing")]:
        report = add_report(reports_index, slug, day, title=slug.capitalize())
        report.tags.add(topic)
        report.save_revision().publish()

    def titles(query):
        return [a.get_text(strip=True) for a in html(client.get("/reports/" + query)).select(".report-card h3 a")]

    page = html(client.get("/reports/"))
    assert [option.get_text() for option in page.select("#id_year option")] == ["Any year", "2024", "2021"]
    assert [option.get_text() for option in page.select("#id_topic option")] == ["Any topic", "Retention", "Wellbeing"]
    assert titles("?year=2021") == ["Older"]
    assert titles("?topic=wellbeing") == ["Newer"]
    assert titles("?year=2021&topic=wellbeing") == []
    assert "No reports match these filters" in text(html(client.get("/reports/?year=2021&topic=wellbeing")))
    # Nonsense is ignored, never an error.
    assert len(titles("?year=banana&topic=%00&page=-4")) == 3


def test_the_year_and_topic_filters_follow_publishing_unpublishing_and_privacy(client, reports_index):
    from wagtail.models import PageViewRestriction

    def choices():
        page = html(client.get("/reports/"))
        return (
            [option.get_text() for option in page.select("#id_year option")][1:],
            [option.get_text() for option in page.select("#id_topic option")][1:],
        )

    report = add_report(reports_index, "estates", date(2012, 3, 1))
    report.tags.add("Estates")
    report.save_revision().publish()
    assert choices() == (["2012"], ["Estates"])

    report.unpublish()
    assert choices() == ([], [])

    report.save_revision().publish()
    restriction = PageViewRestriction.objects.create(page=report, restriction_type="login")
    assert choices() == ([], [])
    restriction.delete()
    assert choices() == (["2012"], ["Estates"])


def test_the_listing_is_paginated(client, reports_index):
    for number in range(12):
        add_report(reports_index, f"report-{number}", date(2020, 1, 1) + timedelta(days=number))

    first = html(client.get("/reports/"))
    second = html(client.get("/reports/?page=2"))

    assert text(first.select_one("#result-count")) == "13 reports"
    assert len(first.select(".report-card")) == 10
    assert len(second.select(".report-card")) == 3
    assert first.select_one(".nhsuk-pagination__link--next")["href"] == "?page=2"


def listing_queries(client, reports_index, first, last):
    for number in range(first, last):
        report = add_report(reports_index, f"report-{number}", date(2000, 1, 1) + timedelta(days=number))
        report.tags.add(f"Topic {number % 7}")
        report.save_revision().publish()
    client.get("/reports/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/?page=2")
    assert response.status_code == 200
    return len(queries)


def test_the_listings_queries_do_not_grow_with_the_number_of_reports(client, reports_index):
    # With the initial content's report: three on the second page of ten, then a full second page.
    few = listing_queries(client, reports_index, 0, 12)
    many = listing_queries(client, reports_index, 12, 30)

    assert many == few, f"{few} queries for 12 reports, {many} for 30"


# Search engines, feeds and search ------------------------------------------------------


def test_a_report_describes_itself_to_search_engines_and_social_media(client, reports_index):
    workshop = EventPage.objects.get(slug="thriving-at-work-workshop")
    report = add_report(reports_index, "described", date(2024, 3, 10), authors="The Collaborative", workshop=workshop)

    soup = html(client.get(report.url))
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)

    assert data["@type"] == "Report"
    assert data["name"] == "Described"
    assert data["datePublished"] == "2024-03-10"
    assert data["author"] == {"@type": "Organization", "name": "The Collaborative"}
    assert data["about"]["url"] == "http://testserver" + workshop.url
    assert data["publisher"] == COLLABORATIVE
    assert soup.select_one('meta[property="og:type"]')["content"] == "article"
    assert soup.select_one('meta[property="og:title"]')["content"] == "Described"


def test_the_thriving_at_work_report_claims_no_publication_date(client, reports_index):
    report = ReportPage.objects.get(slug="thriving-at-work")
    (data,) = metadata(client.get(report.url)).json_ld

    # The Collaborative's text gives no publication date, and the day the page went
    # live is not when the report was published: no date rather than a wrong one.
    assert "datePublished" not in data
    assert data["author"] == COLLABORATIVE
    assert data["publisher"] == COLLABORATIVE
    assert data["image"] == ["http://testserver/static/wagtailnhsukfrontend/favicons/largetile-310x310.png"]


def test_a_report_is_shown_with_its_cover(client, reports_index):
    cover = get_image_model().objects.create(title="The report's cover", file=get_test_image_file(size=(900, 1200)))
    report = add_report(reports_index, "covered", date(2024, 3, 10), cover_image=cover)

    found = metadata(client.get(report.url))
    (data,) = found.json_ld
    assert data["image"] == [
        "http://testserver" + cover.get_rendition(spec).url
        for spec in ("fill-1920x1080", "fill-1600x1200", "fill-1200x1200")
    ]
    assert found.opengraph["og:image"] == "http://testserver" + cover.get_rendition("fill-1200x630").url


def test_reports_are_in_the_sites_feed(client, reports_index):
    add_report(reports_index, "in-the-feed", timezone.localdate(), title="In the feed")

    items = ET.fromstring(client.get("/news-and-events/feed.xml").content).find("channel").findall("item")
    report = next(item for item in items if item.findtext("title") == "In the feed")

    assert report.findtext("category") == "Report"
    assert report.findtext("link") == "http://testserver/reports/in-the-feed/"


def test_search_finds_a_report_by_its_summary_and_body(client, reports_index):
    from django.core.management import call_command

    add_report(
        reports_index,
        "searchable",
        title="Searchable",
        summary="Zebra crossings in workforce planning.",
        body=[paragraph("Quokka retention schemes.")],
    )
    call_command("update_index", verbosity=0)

    for word in ("zebra", "quokka"):
        results = [a.get_text(strip=True) for a in html(client.get("/search/", {"q": word})).select("main li a")]
        assert "Searchable" in results, word


def test_the_home_page_shows_the_latest_reports(client, reports_index):
    add_report(reports_index, "newest", timezone.localdate(), title="Newest report")

    section = html(client.get("/")).select_one('section[aria-labelledby="latest-reports-heading"]')

    assert [a.get_text(strip=True) for a in section.select("h3 a")][:2] == [
        "Newest report",
        "Thriving at Work: the Collaborative workshop report",
    ]


# Editors ---------------------------------------------------------------------------------


class TestEditorsPublishAReport(WagtailPageTestCase):
    def setUp(self):
        self.index = ReportIndexPage.objects.get()
        self.workshop = EventPage.objects.get(slug="thriving-at-work-workshop")
        self.document = make_document("Full report", "full.pdf", pdf_bytes(2))
        self.client.force_login(self.create_test_user())

    def form(self, **changes):
        from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

        data = {
            "title": "Keeping staff well",
            "slug": "keeping-staff-well",
            "publication_date": "2025-02-03",
            "summary": "What HR directors agreed about staff wellbeing.",
            "authors": "HR directors of the Collaborative",
            "cover_image": "",
            "body": streamfield(
                [
                    ("heading", {"text": "Summary", "level": "2"}),
                    ("paragraph", rich_text("<p>Trusts agreed three steps.</p>")),
                    (
                        "recommendations",
                        {
                            "heading": "Recommendations",
                            "recommendations": streamfield(
                                [("item", {"text": "Name a wellbeing lead.", "for_whom": "HR directors"})]
                            ),
                        },
                    ),
                ]
            ),
            "documents": inline_formset([{"document": self.document.pk}]),
            "workshop": self.workshop.pk,
            "tags": "Wellbeing",
            "related_pages": inline_formset([]),
            "last_reviewed": "2025-02-03",
            "next_review_due": "2026-02-03",
            "changes": inline_formset([{"date": "2025-02-03", "note": "First published"}]),
            "action-publish": "action-publish",
        }
        data.update(changes)
        return nested_form_data(data)

    def test_an_editor_publishes_a_report_with_its_document_and_workshop(self):
        self.assertCanCreate(self.index, ReportPage, self.form())

        report = ReportPage.objects.get(slug="keeping-staff-well")
        assert report.workshop == self.workshop
        assert [link.document for link in report.documents.all()] == [self.document]
        assert report.contents == [
            {"anchor": "summary", "text": "Summary", "block_id": report.body[0].id},
            {"anchor": "recommendations", "text": "Recommendations", "block_id": report.body[2].id},
        ]
        page = self.client.get(self.workshop.url).content.decode()
        assert "Read the report: Keeping staff well" in page

    def test_review_dates_in_the_wrong_order_get_a_plain_error(self):
        response = self.client.post(
            f"/admin/pages/add/reports/reportpage/{self.index.pk}/", self.form(next_review_due="2024-01-01")
        )

        assert response.status_code == 200
        assert "The next review must come after the last one." in response.content.decode()

    def test_a_report_previews(self):
        report = add_report(self.index, "previewed", body=[heading("Summary"), paragraph("Text.")])
        self.assertPageIsPreviewable(report, post_data=self.form(slug="previewed"))
