"""
When a workshop's report is published, the people who attended it are told,
once each: those whose follow-up e-mail has gone get a notice naming the
report and its address; those whose follow-up is still to come find the
report in it. A private report tells nobody, and publishing again, or a
second report, never sends another notice.
"""

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from events.booking.attendance import mark_attended
from events.models import BookingEmail, BookingEmailKind, NewsAndEventsIndexPage
from tests.conftest import restrict
from tests.events.factories import add_booking_form, add_event, make_booking
from tests.reports.factories import add_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(initial_content):
    index = NewsAndEventsIndexPage.objects.get()
    return add_event(index, "retention-workshop", timezone.localdate() - timedelta(days=1), title="Retention workshop")


@pytest.fixture
def people(workshop):
    """Ada attended; Grace had a place and did not come (the online report was uploaded)."""
    form_page = add_booking_form(workshop)
    ada = make_booking(form_page, name="Ada Lovelace", email="ada@example.nhs.uk")
    grace = make_booking(form_page, name="Grace Hopper", email="grace@example.nhs.uk")
    mark_attended(workshop, ada.pk, True)
    return {"ada": ada, "grace": grace}


def send_follow_ups():
    call_command("send_workshop_follow_ups", stdout=io.StringIO())


def notices():
    return BookingEmail.objects.filter(kind=BookingEmailKind.REPORT_PUBLISHED)


def publish(report, committing):
    """Publish as an editor does: the e-mails go once the publishing commits."""
    with committing():
        report.save_revision().publish()


def links(message):
    page = BeautifulSoup(message.alternatives[0][0], "html.parser")
    return {link.get_text(" ", strip=True): link["href"] for link in page.select("a")}


def test_attendees_already_followed_up_are_told_of_the_report_once(reports_index, workshop, people, committing):
    send_follow_ups()
    mail.outbox.clear()
    report = add_report(reports_index, "retention-findings", publish=False, title="Retention findings")
    report.workshop = workshop
    report.save()

    publish(report, committing)

    (message,) = mail.outbox
    assert message.to == ["ada@example.nhs.uk"]
    assert message.subject == "The report of Retention workshop is published"
    assert "The report from this workshop, which you attended, has been published." in message.body
    address = report.get_full_url()
    assert urlsplit(address).netloc == "testserver"
    assert f"- Retention findings: {address}" in message.body
    assert links(message)["Retention findings"] == address

    # Published again, and a second report from the same workshop: nobody is told again.
    publish(report, committing)
    second = add_report(reports_index, "retention-data", publish=False, title="Retention data", workshop=workshop)
    publish(second, committing)
    assert len(mail.outbox) == 1
    assert list(notices().values_list("booking", flat=True)) == [people["ada"].pk]


def test_a_report_published_before_the_follow_up_is_in_the_follow_up_instead(
    reports_index, workshop, people, committing
):
    report = add_report(reports_index, "retention-findings", publish=False, title="Retention findings")
    report.workshop = workshop
    publish(report, committing)
    assert mail.outbox == []

    send_follow_ups()

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["ada@example.nhs.uk", "grace@example.nhs.uk"]
    for message in by_address.values():
        assert f"The report:\n- Retention findings: {report.get_full_url()}" in message.body
    assert not notices().exists()


def test_a_private_report_tells_nobody(reports_index, workshop, people, committing):
    send_follow_ups()
    mail.outbox.clear()
    report = add_report(reports_index, "board-findings", publish=False, title="Board findings", workshop=workshop)
    restrict(report, "login")

    publish(report, committing)

    assert mail.outbox == [] and not notices().exists()


def test_a_report_from_no_workshop_tells_nobody(reports_index, people, committing):
    send_follow_ups()
    mail.outbox.clear()

    publish(add_report(reports_index, "annual-review", publish=False, title="Annual review"), committing)

    assert mail.outbox == [] and not notices().exists()
