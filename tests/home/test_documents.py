"""How documents are described to visitors, and the checks on what may be uploaded."""

import io

import pytest
from django.core.exceptions import ValidationError

from home.documents import check_file_contents, describe_document, pdf_page_count
from tests.reports.factories import make_document, pdf_bytes

pytestmark = pytest.mark.django_db


def test_a_pdf_is_described_by_type_size_and_pages():
    document = make_document("Report", "report.pdf", pdf_bytes(pages=1))

    assert describe_document(document) == f"PDF, {document.get_file_size() / 1024:.1f} KB, 1 page"


def test_a_damaged_pdf_is_still_described_without_a_page_count():
    document = make_document("Damaged", "damaged.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 200)

    assert pdf_page_count(document) is None
    assert describe_document(document) == "PDF, 1.6 KB"


def test_the_page_count_is_read_once_per_file(monkeypatch):
    from home import documents

    document = make_document("Report", "report.pdf", pdf_bytes(pages=2))
    reads = []
    original = documents._count_pages
    monkeypatch.setattr(documents, "_count_pages", lambda doc: reads.append(doc.pk) or original(doc))

    assert [pdf_page_count(document) for _ in range(3)] == [2, 2, 2]
    assert reads == [document.pk]


@pytest.mark.parametrize(
    ("extension", "content"),
    [
        ("pdf", pdf_bytes(1)),
        ("docx", b"PK\x03\x04rest"),
        ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"),
        ("rtf", b"{\\rtf1 hello}"),
        ("csv", b"name,organisation\nJo,Trust <NHS>\n"),
        ("txt", "\ufeffNotes with an arrow -> and a less-than < sign".encode()),
    ],
)
def test_files_that_are_what_they_say_pass(extension, content):
    check_file_contents(io.BytesIO(content), extension)


@pytest.mark.parametrize(
    ("extension", "content"),
    [
        ("pdf", b"<html><script>alert(1)</script></html>"),
        ("docx", b"%PDF-1.4"),
        ("txt", b"<?xml version='1.0'?><svg/>"),
        ("csv", b"a,b\n<script>alert(1)</script>"),
        ("rtf", b"<!DOCTYPE html>"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(extension, content):
    with pytest.raises(ValidationError):
        check_file_contents(io.BytesIO(content), extension)
