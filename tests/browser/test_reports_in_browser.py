"""
Reports in Chromium: open the Reports index, filter by year, open a report,
use its contents list, and download its document; axe-core checks each page
at a phone's and a desktop's width.
"""

from datetime import date
from pathlib import Path

import pytest

from events.models import EventPage
from reports.models import ReportChange, ReportDocument, ReportIndexPage
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations
from tests.reports.factories import add_report, make_document, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_TITLE = "Retaining nurses in mental health trusts"


@pytest.fixture
def report_with_a_document(site):
    """A dated report, from a workshop, with its full text as a PDF, beside the seed report."""
    index = ReportIndexPage.objects.get()
    add_report(index, "an-older-report", date(2021, 6, 1), title="An older report")
    content = pdf_bytes(pages=4)
    report = add_report(
        index,
        "retaining-nurses",
        date(2024, 9, 12),
        title=REPORT_TITLE,
        summary="What the spring workshop found about keeping experienced nurses.",
        authors="Directors of nursing of the Collaborative's member trusts",
        workshop=EventPage.objects.get(slug="strategic-workforce-planning-workshop"),
        body=[
            ("heading", {"text": "Summary", "level": "2"}),
            ("paragraph", "<p>Trusts that offered flexible rotas kept more nurses.</p>"),
            ("heading", {"text": "What trusts told us", "level": "2"}),
            ("paragraph", "<p>Flexible working came up in every group.</p>"),
            (
                "recommendations",
                {
                    "heading": "Recommendations",
                    "recommendations": [
                        {"text": "Offer flexible rotas to every nurse who asks.", "for_whom": "Directors of nursing"}
                    ],
                },
            ),
        ],
        last_reviewed=date(2025, 9, 1),
        next_review_due=date(2027, 9, 1),
    )
    report.documents.add(ReportDocument(document=make_document("Full report", "retaining-nurses.pdf", content)))
    report.changes.add(ReportChange(date=date(2025, 9, 1), note="Reviewed; no changes needed"))
    report.save_revision().publish()
    return report, content


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_find_a_report_by_year_read_it_and_download_it(
    browser, site, report_with_a_document, screenshots_dir, viewport
):
    report, content = report_with_a_document
    width = viewport["width"]
    page = browser.new_page(viewport=viewport, accept_downloads=True)

    page.goto(site + "/reports/")
    assert page.locator("h1").inner_text() == "Reports"
    assert page.locator("#result-count").inner_text() == "3 reports"
    page.screenshot(path=screenshots_dir / f"reports-{width}.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_label("Year published").select_option("2024")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/reports/?year=2024*")
    assert page.locator("#result-count").inner_text() == "1 report"
    page.screenshot(path=screenshots_dir / f"reports-2024-{width}.png", full_page=True)

    page.get_by_role("link", name=REPORT_TITLE).click()
    page.wait_for_url("**/reports/retaining-nurses/")
    assert page.locator("h1").inner_text().endswith(REPORT_TITLE)
    contents = page.get_by_role("navigation", name="Contents")
    assert contents.get_by_role("link").all_inner_texts() == ["Summary", "What trusts told us", "Recommendations"]
    page.screenshot(path=screenshots_dir / f"report-{width}.png", full_page=True)
    assert_no_accessibility_violations(page)

    contents.get_by_role("link", name="What trusts told us").click()
    page.wait_for_url("**#what-trusts-told-us")
    assert page.locator("#what-trusts-told-us").is_visible()

    link = page.get_by_role("link", name="Full report")
    assert "PDF" in page.locator(".report-documents li").inner_text()
    assert "4 pages" in page.locator(".report-documents li").inner_text()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    # (The storage adds a suffix when a test run has saved the name before.)
    assert download.suggested_filename.startswith("retaining-nurses")
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes() == content
    page.close()


def test_the_workshop_page_leads_to_its_report(browser, site, report_with_a_document, screenshots_dir):
    report, _ = report_with_a_document
    page = browser.new_page(viewport=PHONE)

    page.goto(site + "/news-and-events/strategic-workforce-planning-workshop/")
    page.get_by_role("link", name=f"Read the report: {REPORT_TITLE}").click()
    page.wait_for_url("**/reports/retaining-nurses/")
    page.screenshot(path=screenshots_dir / "workshop-to-report-375.png", full_page=True)
    page.close()
