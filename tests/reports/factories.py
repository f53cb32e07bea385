"""Test data for reports, from one place: report pages, and real PDF documents to attach to them."""

import io

from django.core.files.base import ContentFile
from PIL import Image
from wagtail.documents import get_document_model

from reports.models import ReportPage

Document = get_document_model()


def add_report(index, slug, day=None, publish=True, **fields):
    """A report under the reports index, published on `day` (live unless publish=False)."""
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("summary", "What the workshop found, and what trusts can do next.")
    report = ReportPage(slug=slug, publication_date=day, **fields)
    index.add_child(instance=report)
    if publish:
        report.save_revision().publish()
    else:
        report.unpublish()
    return report


def pdf_bytes(pages=3):
    """A real PDF of `pages` blank pages, made with Pillow."""
    sheets = [Image.new("RGB", (120, 160), "white") for _ in range(pages)]
    buffer = io.BytesIO()
    sheets[0].save(buffer, "PDF", save_all=True, append_images=sheets[1:])
    return buffer.getvalue()


def make_document(title, filename, content, **fields):
    """A document in Wagtail's library holding `content` (bytes) as `filename`."""
    document = Document(title=title, **fields)
    document.file.save(filename, ContentFile(content), save=False)
    document._set_document_file_metadata()
    document.save()
    return document
