"""
What a workshop's page shows after the day, under "From the workshop": its
presentations and documents (each through Wagtail's document view, with its
type and size and who presented it) and its recording (saying whether it has
captions); a document in a private collection only to those who may open it;
nothing before the day is over; and what the page cache keeps stays right.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Collection, CollectionViewRestriction

from events.models import EventMaterial, EventPage
from home.page_cache import HIT_HEADER
from tests.conftest import html, make_user
from tests.events.factories import add_event
from tests.reports.factories import make_document, pdf_bytes

pytestmark = pytest.mark.django_db


def published_workshop(index, slug, day, materials=(), **fields):
    """A live workshop on `day` with its materials: (document, presented_by) pairs, in order."""
    event = add_event(index, slug, day, **fields)
    for document, presented_by in materials:
        event.materials.add(EventMaterial(document=document, presented_by=presented_by))
    event.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)


def from_the_workshop(response):
    """The "From the workshop" section as a visitor reads it: its heading, each document's line, the recording's."""
    section = html(response).select_one(".event-materials")
    if section is None:
        return None
    return {
        "heading": section.select_one("h2").get_text(strip=True),
        "documents": [" ".join(item.get_text(" ", strip=True).split()) for item in section.select("li")],
        "links": [item.select_one("a")["href"] for item in section.select("li")],
        "recording": [(link.get_text(strip=True), link["href"]) for link in section.select(".event-recording a")],
    }


@pytest.fixture
def slides():
    return make_document("Workforce planning in practice", "slides.pdf", pdf_bytes(pages=3))


@pytest.fixture
def survey():
    return make_document("Survey of member trusts", "survey.xlsx", b"PK\x03\x04" + b"\0" * 3000)


def test_a_past_workshop_shows_its_presentations_and_recording_under_from_the_workshop(
    client, index, today, slides, survey
):
    workshop = published_workshop(
        index,
        "retention-workshop",
        today - timedelta(days=1),
        materials=[(slides, "Dr Jacqui Dyer"), (survey, "")],
        recording_url="https://www.youtube.com/watch?v=abc123",
        recording_has_captions=True,
    )

    shown = from_the_workshop(client.get(workshop.url))

    size = f"{slides.get_file_size() / 1024:.1f} KB"
    assert shown["heading"] == "From the workshop"
    assert shown["documents"] == [
        f"Workforce planning in practice (PDF, {size}, 3 pages) Presented by Dr Jacqui Dyer",
        "Survey of member trusts (XLSX, 2.9 KB)",
    ]
    assert shown["recording"] == [("Watch the recording (with captions)", "https://www.youtube.com/watch?v=abc123")]
    # Each document through Wagtail's own view, which serves the file itself.
    served = client.get(shown["links"][0])
    assert shown["links"][0].startswith("/documents/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == slides.file.open("rb").read()


def test_a_recording_without_captions_says_so(client, index, today):
    workshop = published_workshop(
        index, "recorded-workshop", today - timedelta(days=3), recording_url="https://vimeo.com/123456"
    )

    shown = from_the_workshop(client.get(workshop.url))

    assert shown["documents"] == []
    assert shown["recording"] == [("Watch the recording (no captions)", "https://vimeo.com/123456")]


def test_a_past_workshop_with_nothing_from_it_has_no_such_heading(client, index, today):
    workshop = published_workshop(index, "quiet-workshop", today - timedelta(days=3))

    assert from_the_workshop(client.get(workshop.url)) is None


def test_nothing_is_shown_until_the_workshops_day_is_over(client, index, today, slides, clock):
    workshop = published_workshop(
        index,
        "todays-workshop",
        today,
        materials=[(slides, "")],
        recording_url="https://vimeo.com/123456",
    )

    assert from_the_workshop(client.get(workshop.url)) is None

    clock.move_to(timezone.localtime().replace(hour=23, minute=59))
    assert from_the_workshop(client.get(workshop.url)) is None
    clock.shift(timedelta(minutes=2))
    assert from_the_workshop(client.get(workshop.url))["documents"][0].startswith("Workforce planning in practice")


def test_a_document_in_a_private_collection_is_shown_only_to_those_who_may_open_it(client, index, today, slides):
    private = Collection.get_first_root_node().add_child(name="Steering group papers")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    draft = make_document("Draft findings", "draft.pdf", pdf_bytes(1), collection=private)
    workshop = published_workshop(
        index, "mixed-workshop", today - timedelta(days=2), materials=[(slides, ""), (draft, "The steering group")]
    )

    visitor = from_the_workshop(Client().get(workshop.url))
    client.force_login(make_user("reader", "Editors"))
    editor = from_the_workshop(client.get(workshop.url))

    assert [line.split(" (")[0] for line in visitor["documents"]] == ["Workforce planning in practice"]
    assert [line.split(" (")[0] for line in editor["documents"]] == ["Workforce planning in practice", "Draft findings"]
    # Wagtail's document view refuses it to the visitor too.
    assert Client().get(draft.url).status_code == 302


def test_the_materials_are_read_in_one_query_however_many_there_are(client, index, today):
    def queries_for(slug, count):
        documents = [make_document(f"Presentation {n}", f"{slug}-{n}.pdf", pdf_bytes(1)) for n in range(count)]
        workshop = published_workshop(
            index,
            slug,
            today - timedelta(days=1),
            materials=[(document, f"Speaker {n}") for n, document in enumerate(documents)],
        )
        client.get(workshop.url)  # the site's own look-ups (its settings, the menu) are remembered after one visit
        with CaptureQueriesContext(connection) as queries:
            shown = from_the_workshop(client.get(workshop.url))
        assert len(shown["documents"]) == count
        return len(queries)

    assert queries_for("one-talk", 1) == queries_for("eight-talks", 8)


def test_captions_cannot_be_ticked_without_a_recording(index, today):
    workshop = add_event(index, "captioned-workshop", today - timedelta(days=1))
    workshop.recording_has_captions = True

    with pytest.raises(ValidationError) as refused:
        workshop.full_clean()

    assert refused.value.message_dict["recording_has_captions"] == [
        "Add the recording link, or untick this: only a recording can have captions."
    ]


# The page cache ------------------------------------------------------------------


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300


def visit(path):
    response = Client().get(path)
    assert response.status_code == 200
    return response


def test_a_cached_workshop_page_shows_materials_added_and_published_at_once(
    page_cache_on, index, today, slides, survey, committing
):
    with committing():
        workshop = published_workshop(index, "cached-workshop", today - timedelta(days=5), materials=[(slides, "")])
    visit(workshop.url)
    assert visit(workshop.url)[HIT_HEADER] == "hit"

    with committing():
        workshop.materials.add(EventMaterial(document=survey, presented_by="NHS Employers"))
        workshop.save_revision().publish()

    shown = from_the_workshop(visit(workshop.url))
    assert shown["documents"][1] == "Survey of member trusts (XLSX, 2.9 KB) Presented by NHS Employers"


def test_a_document_made_private_is_no_longer_shown_from_the_cache(page_cache_on, index, today, slides, committing):
    with committing():
        workshop = published_workshop(index, "cached-workshop", today - timedelta(days=5), materials=[(slides, "")])
    visit(workshop.url)
    assert visit(workshop.url)[HIT_HEADER] == "hit"

    with committing():
        private = Collection.get_first_root_node().add_child(name="Steering group papers")
        CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
        slides.collection = private
        slides.save()

    assert from_the_workshop(visit(workshop.url)) is None


def test_a_workshop_page_cached_on_its_day_shows_the_materials_the_next_morning(
    page_cache_on, index, today, slides, committing, clock
):
    with committing():
        workshop = published_workshop(index, "cached-workshop", today, materials=[(slides, "")])
    visit(workshop.url)
    assert visit(workshop.url)[HIT_HEADER] == "hit"

    clock.shift(timedelta(days=1))

    assert from_the_workshop(visit(workshop.url))["documents"][0].startswith("Workforce planning in practice")
