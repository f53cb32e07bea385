"""
The snapshot that tests which commit start from (tests/database_snapshot.py):
whatever a test did, putting it back gives every row as the session loaded
it, search included, and the database still hands out fresh ids.
"""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page

from events.models import NewsAndEventsIndexPage
from tests.conftest import html
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db(transaction=True)


def search_titles(client, query):
    return [link.get_text(strip=True) for link in html(client.get("/search/", {"q": query})).select("main li a")]


def test_putting_the_snapshot_back_undoes_everything_a_test_committed(committed_content, django_db_setup, client):
    pages = Page.objects.count()
    editors_can = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    found = search_titles(client, "workforce")

    workshop = add_event(NewsAndEventsIndexPage.objects.get(), "passing-workshop", timezone.localdate())
    make_booking(add_booking_form(workshop))
    Group.objects.all().delete()
    Page.objects.get(slug="about").delete()

    django_db_setup.restore()

    assert Page.objects.count() == pages
    assert not Page.objects.filter(slug="passing-workshop").exists()
    assert Page.objects.filter(slug="about").exists()
    # The roles as the migrations made them, search promotions included.
    assert set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)) == editors_can
    assert {"add_searchpromotion", "change_venue"} <= editors_can
    assert search_titles(client, "workforce") == found != []


def test_new_rows_after_a_restore_get_ids_of_their_own(committed_content, django_db_setup):
    index = NewsAndEventsIndexPage.objects.get()
    pages = Page.objects.count()
    add_event(index, "first-workshop", timezone.localdate())
    django_db_setup.restore()

    add_event(index, "second-workshop", timezone.localdate())

    assert Page.objects.count() == pages + 1
