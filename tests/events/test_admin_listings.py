"""
Workshops in the admin's page lists and the page chooser carry their date,
so that a workshop run every year can be told apart, past from upcoming.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.conftest import html
from tests.events.factories import add_event

pytestmark = pytest.mark.django_db


def add_workshops(index, today, how_many, first=0):
    """The same workshop, run `how_many` times a year apart, the last of them to come."""
    return [
        add_event(index, f"annual-{number}", today + timedelta(days=30 - 365 * number), title="Annual workshop")
        for number in range(first, first + how_many)
    ]


def test_the_explorer_and_the_chooser_give_each_workshop_its_date(client, index, today, log_in):
    coming, last_year = add_workshops(index, today, 2)
    log_in("Editors")

    explorer = html(client.get(reverse("wagtailadmin_explore", args=[index.pk]))).select_one("main table")
    chooser = client.get(reverse("wagtailadmin_choose_page_child", args=[index.pk])).json()["html"]
    # The chooser's search answers with the results alone.
    searched = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "annual"}).content.decode()

    for day in (coming.date, last_year.date):
        title = f"Annual workshop ({day.day} {day:%B %Y})"
        assert title in explorer.get_text(" ", strip=True)
        assert title in chooser
        assert title in searched


def test_an_event_known_only_by_its_month_shows_the_month(index, today):
    event = add_event(
        index, "sometime", today.replace(day=1), title="Regional forum", date_shows_month_only=True, start_time=None
    )

    assert event.get_admin_display_title() == f"Regional forum ({today:%B %Y})"


def test_dates_in_the_explorer_take_no_query_per_workshop(client, index, today, log_in, django_assert_max_num_queries):
    add_workshops(index, today, 2)
    # A Moderator: for an Editor, who cannot publish, Wagtail asks of each
    # page whether it holds live pages before offering to delete it.
    log_in("Moderators")
    url = reverse("wagtailadmin_explore", args=[index.pk])
    client.get(url)  # warm the caches (site, permissions) outside the count
    with django_assert_max_num_queries(1000) as few:
        client.get(url)

    add_workshops(index, today, 10, first=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    rows = html(response).select("main table tbody tr")
    assert sum("Annual workshop (" in row.get_text() for row in rows) == 12
