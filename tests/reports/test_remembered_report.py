"""
A report's facts, documents, links and changes, and its structured data, are
rendered once for visitors and remembered (the page cache itself off): the
workshop it names and the pages it links to show as they are now, and a
document only a signed-in person may open is never shown to a visitor from
what was kept for them, nor the other way round.
"""

from datetime import timedelta

import pytest
from django.test import Client
from wagtail.models import Collection, CollectionViewRestriction, Page

from events.models import EventPage
from reports.models import ReportDocument, ReportPage
from tests.conftest import html, make_user, remembered_parts_kept
from tests.events.factories import add_event
from tests.reports.factories import add_report, make_document, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pages_rendered_afresh(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def workshop(initial_content, clock):
    from django.utils import timezone

    index = Page.objects.get(slug="news-and-events")
    event = add_event(index, "retention-workshop", timezone.localdate() + timedelta(days=30))
    event.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)


@pytest.fixture
def report(reports_index, workshop, committing):
    news = Page.objects.get(slug="news-and-events")
    report = add_report(reports_index, "retention-findings", title="Retention findings", workshop=workshop)
    with committing():
        report.related_pages.create(page=news)
        report.save_revision().publish()
    return ReportPage.objects.get(pk=report.pk)


def report_text(report, client=None):
    return html((client or Client()).get(report.url)).select_one("main").get_text(" ", strip=True)


def test_a_report_names_its_workshop_and_links_as_they_are_now(report, workshop, committing):
    text = report_text(report)
    assert "Retention workshop" in text and "Related pages" in text
    assert any(part.endswith(f":{report.pk}:report") for part in remembered_parts_kept())

    workshop.title = "Retention and wellbeing workshop"
    with committing():
        workshop.save_revision().publish()
    assert "Retention and wellbeing workshop" in report_text(report)

    with committing():
        Page.objects.get(slug="news-and-events").unpublish()
    assert "Related pages" not in report_text(report)


def test_a_document_a_signed_in_person_may_open_is_never_shown_to_a_visitor_from_a_remembered_part(
    report, committing, client
):
    private = Collection.get_first_root_node().add_child(name="Drafts for the steering group")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    document = make_document("Draft report", "draft.pdf", pdf_bytes(1), collection=private)
    with committing():
        report.documents.add(ReportDocument(document=document))
        report.save_revision().publish()

    editor = make_user("reader", "Editors")
    client.force_login(editor)
    assert "Draft report" in report_text(report, client)
    assert "Draft report" not in report_text(report)
    assert "Draft report" in report_text(report, client)
    assert "Draft report" not in report_text(report)


def test_a_document_a_visitor_unlocked_with_a_password_is_never_shown_to_others(report, committing, client):
    """Not signed in, but the collection's password is in their session: what they see is theirs alone."""
    board = Collection.get_first_root_node().add_child(name="Board papers")
    restriction = CollectionViewRestriction.objects.create(
        collection=board, restriction_type=CollectionViewRestriction.PASSWORD, password="board-papers-2026"
    )
    document = make_document("Board paper", "board.pdf", pdf_bytes(1), collection=board)
    with committing():
        report.documents.add(ReportDocument(document=document))
        report.save_revision().publish()
    session = client.session
    session[restriction.passed_view_restrictions_session_key] = [restriction.pk]
    session.save()

    assert "Board paper" in report_text(report, client)
    assert "Board paper" not in report_text(report)
    assert "Board paper" in report_text(report, client)
