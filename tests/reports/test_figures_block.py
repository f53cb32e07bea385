"""
A report cites its workshop's figures ("Workshop figures" block): in a
sentence and a small table, read from the same source as the admin's "What
the Collaborative achieves" so the two never disagree; only the figures the
editor chose; never a blank block in public; and, for visitors served from
the page cache, the new figure as soon as one more attendee is marked or
feedback arrives.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.blocks import Block, StructBlockValidationError

from events.booking.attendance import mark_attended
from events.booking.figures import figures_of_workshop
from events.models import FeedbackResponse, NewsAndEventsIndexPage, Organisation
from home.page_cache import HIT_HEADER
from reports.blocks import WorkshopFiguresBlock
from reports.models import ReportPage
from tests.conftest import html, restrict
from tests.events.factories import add_booking_form, add_event, make_booking, make_venue
from tests.reports.factories import add_report

pytestmark = pytest.mark.django_db

MEMBER = "Mersey Care NHS Foundation Trust"


def figures_block(workshop=None, figures=("attendance", "organisations", "ratings")):
    return ("workshop_figures", {"workshop": workshop, "figures": list(figures)})


@pytest.fixture
def workshop(initial_content, today):
    """
    A workshop held a fortnight ago, its register kept: five booked (two
    from a member trust), three came, one walked in; two feedback responses.
    """
    member = Organisation.objects.create(name=MEMBER, is_member=True)
    event = add_event(
        NewsAndEventsIndexPage.objects.get(),
        "retention-workshop",
        today - timedelta(days=14),
        venue=make_venue(),
        title="Retention workshop",
        capacity=40,
    )
    form_page = add_booking_form(event)
    came = [
        make_booking(form_page, name="Ada Lovelace", listed_organisation=member, organisation=MEMBER),
        make_booking(form_page, name="Alan Turing", organisation="Acme Community Care"),
    ]
    make_booking(form_page, name="Grace Hopper", listed_organisation=member, organisation=MEMBER)
    make_booking(form_page, name="Mary Seacole", organisation="Oxford Health NHS Foundation Trust")
    make_booking(form_page, name="Jo Smith", organisation="Oxford Health NHS Foundation Trust")
    came.append(make_booking(form_page, name="Edith Cavell", organisation="Acme Community Care", is_walk_in=True))
    for booking in came:
        mark_attended(event, booking.pk, True)
    # Five answers: the fewest whose average a public page shows (reports/blocks.py).
    for overall, useful in [(5, 4), (4, 3), (5, 4), (4, 3), (4, 4)]:
        FeedbackResponse.objects.create(event=event, overall_rating=overall, usefulness_rating=useful)
    event.form_page = form_page
    return event


@pytest.fixture
def today(clock):
    return timezone.localdate()


def cited(response):
    """The block as a visitor reads it: its sentence, and its table as {row heading: number}."""
    block = html(response).select_one(".workshop-figures")
    if block is None:
        return None
    return {
        "sentence": block.select_one(".nhsuk-inset-text p").get_text(" ", strip=True),
        "caption": " ".join(block.select_one("caption").get_text().split()),
        "table": {row.th.get_text(strip=True): row.td.get_text(strip=True) for row in block.select("tbody tr")},
    }


def test_a_report_cites_its_workshops_figures_in_a_sentence_and_a_table(client, reports_index, workshop):
    report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])

    block = cited(client.get(report.url))

    assert block["sentence"] == (
        "3 people attended, 1 of them without booking ahead. 5 places were booked. "
        "People from 3 organisations had places: 1 member trust and 2 other organisations. "
        "Rated 4.4 out of 5 overall and 3.6 out of 5 for usefulness in their role, by the 5 people who gave feedback."
    )
    assert block["caption"] == f"Figures from Retention workshop, {workshop.when}"
    assert block["table"] == {
        "Places offered": "40",
        "Places booked": "5",
        "Came without booking": "1",
        "Attended": "3",
        "Booked and did not attend": "3",
        "Organisations": "3",
        "Member trusts": "1",
        "Other organisations": "2",
        "Feedback responses": "5",
        "Overall rating": "4.4 out of 5",
        "Useful for their role": "3.6 out of 5",
    }


def test_the_report_and_the_admins_figures_never_disagree(client, log_in, reports_index, workshop):
    report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])
    block = cited(client.get(report.url))

    log_in("Moderators")
    admin_page = html(client.get(reverse("events_achievements")))
    [table] = [table for table in admin_page.select("table") if "by workshop" in table.caption.get_text()]
    headings = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    cells = [cell.get_text(" ", strip=True) for cell in table.select_one("tbody tr").select("th, td")]
    row = dict(zip(headings, cells, strict=True))

    figures = figures_of_workshop(workshop)
    assert row["Booked"] == block["table"]["Places booked"] == str(figures.booked)
    assert row["Attended"] == block["table"]["Attended"] == str(figures.attended)
    assert row["Member trusts"] == block["table"]["Member trusts"]
    assert row["Rating overall"] + " out of 5" == block["table"]["Overall rating"]


def test_only_the_figures_chosen_are_cited(client, reports_index, workshop):
    report = add_report(
        reports_index, "retention-findings", workshop=workshop, body=[figures_block(figures=["ratings"])]
    )

    block = cited(client.get(report.url))

    assert block["sentence"].startswith("Rated 4.4 out of 5 overall")
    assert list(block["table"]) == ["Feedback responses", "Overall rating", "Useful for their role"]


def test_a_block_may_cite_another_workshop_than_the_reports(client, reports_index, workshop, today):
    other = add_event(NewsAndEventsIndexPage.objects.get(), "other-workshop", today - timedelta(days=3), capacity=None)
    other_form = add_booking_form(other)
    make_booking(other_form, name="Someone Else", organisation="Acme Community Care")
    report = add_report(
        reports_index, "retention-findings", workshop=workshop, body=[figures_block(other, ["attendance"])]
    )

    block = cited(client.get(report.url))

    assert block["sentence"] == "1 place was booked. Attendance was not recorded."
    assert block["table"]["Places offered"] == "No limit"
    assert block["table"]["Booked and did not attend"] == "Not recorded"


def test_a_block_needs_at_least_one_figure():
    with pytest.raises(StructBlockValidationError) as caught:
        WorkshopFiguresBlock().clean({"workshop": None, "figures": []})
    assert caught.value.block_errors["figures"].messages == ["Choose at least one figure to cite."]


def test_a_block_citing_the_reports_own_workshop_needs_the_report_to_have_one(reports_index, workshop):
    report = ReportPage(title="Findings", slug="findings", summary="S.", body=[figures_block()])
    with pytest.raises(ValidationError) as caught:
        report.full_clean(exclude=["path", "depth"])
    assert "choose that workshop here, or choose a workshop in the block" in caught.value.message_dict["workshop"][0]

    report.workshop = workshop
    report.full_clean(exclude=["path", "depth"])
    ReportPage(title="Other", slug="other", summary="S.", body=[figures_block(workshop)]).full_clean(
        exclude=["path", "depth"]
    )


def test_a_block_whose_workshop_is_gone_shows_visitors_nothing_and_the_editor_a_warning(
    client, reports_index, workshop, log_in
):
    report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])
    workshop.delete()
    report.refresh_from_db()

    assert cited(client.get(report.url)) is None
    assert "No workshop to cite" not in client.get(report.url).content.decode()

    log_in("Editors")
    preview = html(client.get(reverse("wagtailadmin_pages:view_draft", args=[report.pk])))
    warning = preview.select_one(".workshop-figures-missing")
    assert warning is not None and "Choose a workshop in the block" in warning.get_text()


def test_a_private_or_unpublished_workshops_figures_are_not_cited(client, admin_client, reports_index, workshop):
    restrict(workshop)
    report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])

    assert cited(client.get(report.url)) is None
    assert not html(client.get(report.url)).select(".workshop-figures, .workshop-figures-missing")
    preview = html(admin_client.get(reverse("wagtailadmin_pages:view_draft", args=[report.pk])))
    assert "The workshop is not public" in preview.select_one(".workshop-figures-missing").get_text()

    workshop.view_restrictions.all().delete()
    workshop.unpublish()
    assert cited(client.get(report.url)) is None


def test_ratings_of_fewer_than_five_people_are_not_shown(client, reports_index, workshop):
    FeedbackResponse.objects.filter(event=workshop).exclude(
        pk__in=FeedbackResponse.objects.filter(event=workshop).values("pk")[:2]
    ).delete()
    report = add_report(
        reports_index, "retention-findings", workshop=workshop, body=[figures_block(figures=["ratings"])]
    )

    block = cited(client.get(report.url))

    assert block["sentence"] == "2 people have given feedback: ratings are shown once 5 have."
    assert block["table"] == {"Feedback responses": "2"}


def test_the_block_previews_in_the_block_chooser_with_example_figures(admin_client):
    block_id = next(
        block_id for block_id, block in Block.definition_registry.items() if isinstance(block, WorkshopFiguresBlock)
    )

    response = admin_client.get(reverse("wagtailadmin_block_preview"), {"id": block_id})

    assert response.status_code == 200
    block = cited(response)
    assert block["caption"] == "Example figures"
    assert block["sentence"].startswith("42 people attended, 3 of them without booking ahead. 48 places were booked.")


# Remembered for visitors, refreshed by what changes the figures -----------------------------


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300


def visit(path):
    response = Client().get(path)
    assert response.status_code == 200
    return response


def test_visitors_see_one_more_attendee_and_new_feedback_at_once(page_cache_on, reports_index, workshop, committing):
    with committing():
        report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])
        plain = add_report(reports_index, "other-findings", title="Other findings")
    for path in (report.url, plain.url):
        visit(path)
        assert visit(path)[HIT_HEADER] == "hit"
    assert cited(visit(report.url))["table"]["Attended"] == "3"

    grace = workshop.bookings.get(name="Grace Hopper")
    with committing():
        mark_attended(workshop, grace.pk, True)

    fresh = visit(report.url)
    assert fresh[HIT_HEADER] == "miss"
    assert cited(fresh)["table"]["Attended"] == "4"
    assert cited(fresh)["table"]["Booked and did not attend"] == "2"
    assert visit(plain.url)[HIT_HEADER] == "hit", "a report citing no figures stays cached"

    with committing():
        FeedbackResponse.objects.create(event=workshop, overall_rating=3, usefulness_rating=2)
    assert cited(visit(report.url))["table"]["Feedback responses"] == "6"


def test_no_shows_appear_on_the_day_after_the_workshop_without_any_change(
    page_cache_on, reports_index, workshop, committing, clock, today
):
    """A workshop held today: its no-shows are counted from tomorrow, and a cached report says so then."""
    workshop.date = today
    with committing():
        workshop.save_revision().publish()
        report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])
    visit(report.url)
    assert cited(visit(report.url))["table"]["Booked and did not attend"] == "Not recorded"

    clock.shift(timedelta(days=1))

    assert cited(visit(report.url))["table"]["Booked and did not attend"] == "3"


def test_the_block_is_read_once_per_visit_in_a_few_queries(
    client, reports_index, workshop, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    plain = add_report(reports_index, "plain", title="Plain")
    report = add_report(reports_index, "retention-findings", workshop=workshop, body=[figures_block()])
    client.get(plain.url)
    with CaptureQueriesContext(connection) as without_block:
        client.get(plain.url)
    client.get(report.url)
    # The figures' five queries, and the workshop the report names.
    with django_assert_max_num_queries(len(without_block) + 7):
        client.get(report.url)
