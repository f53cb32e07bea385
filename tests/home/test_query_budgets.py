"""
Every public page type renders in at most 16 queries, whole pages uncached,
and the count does not grow as the site fills up: listings and related
content are queried in one go, never one query per item, and private pages
are left out of them in the same query.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Booking, BookingStatus, NewsAndEventsIndexPage
from reports.models import ReportChange, ReportDocument, ReportIndexPage, ReportRelatedPage
from tests.events.factories import add_booking_form, add_event, add_news
from tests.reports.factories import add_report, make_document, pdf_bytes

pytestmark = pytest.mark.django_db

# 15, and the page cache's one check that no clearing of it is owed
# (home/page_cache.py), which keeps a page made private while the cache was
# unreachable from being shown from the cache.
QUERY_BUDGET = 16


def add_content(batch, size):
    """`size` more workshops (with bookings and booking forms), news items and reports (with documents and links)."""
    news_and_events = NewsAndEventsIndexPage.objects.get()
    reports = ReportIndexPage.objects.get()
    today = timezone.localdate()
    for number in range(size):
        event = add_event(
            news_and_events,
            f"workshop-{batch}-{number}",
            today + timedelta(days=10 + number),
            title=f"Workforce workshop {batch} {number}",
            capacity=50,
        )
        form_page = add_booking_form(event)
        Booking.objects.bulk_create(
            Booking(
                page=form_page,
                event=event,
                name=f"Person {index}",
                email=f"person{index}@example.nhs.uk",
                email_normalised=f"person{index}@example.nhs.uk",
                status=BookingStatus.CONFIRMED,
                form_data={},
            )
            for index in range(5)
        )
        news = add_news(
            news_and_events, f"news-{batch}-{number}", today - timedelta(days=number), title=f"News {number}"
        )
        news.save_revision().publish()
        report = add_report(
            reports,
            f"report-{batch}-{number}",
            today - timedelta(days=number),
            title=f"Workforce report {batch} {number}",
            workshop=event,
        )
        ReportDocument.objects.create(page=report, document=make_document(f"Report {number}", "r.pdf", pdf_bytes(1)))
        ReportRelatedPage.objects.create(report=report, page=news)
        ReportChange.objects.create(report=report, date=today, note="Published.")


def queries_per_page(client, paths):
    counts = {}
    for path in paths:
        client.get(path)  # as on a running server: site roots and the menu already read
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = len(queries)
    return counts


def test_public_pages_stay_within_the_budget_however_much_content_there_is(client, initial_content):
    add_content("first", 2)
    workshop = "/news-and-events/workshop-first-0/"
    paths = [
        "/",
        "/news-and-events/",
        "/news-and-events/?type=workshop",
        "/news-and-events/?type=news",
        workshop,
        workshop + "book/",
        "/news-and-events/news-first-0/",
        "/reports/",
        "/reports/report-first-0/",
        "/search/?query=workforce",
        "/about/",
    ]
    with_a_little = queries_per_page(client, paths)
    assert {path: count for path, count in with_a_little.items() if count > QUERY_BUDGET} == {}

    add_content("second", 12)
    with_more = queries_per_page(client, paths)
    assert with_more == with_a_little
