"""
Documents (Wagtail's own model): what may be uploaded, and how a document
is described to visitors ("PDF, 1.2 MB, 12 pages").

Uploads are limited by extension (WAGTAILDOCS_EXTENSIONS) and size
(WAGTAILDOCS_MAX_UPLOAD_SIZE). SafeDocumentForm, Wagtail's document form
base (WAGTAILDOCS_DOCUMENT_FORM_BASE), also reads the start of each file, so
that a web page or an SVG renamed to .pdf or .txt is refused too: served
from the site's own address, a browser could run it as part of the site.
It also refuses plainly a file the storage cannot hold (home/uploads.py).
"""

import logging
import re
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from pypdf import PdfReader
from wagtail.documents.forms import BaseDocumentForm

from home.uploads import StoreFileWhenValidMixin

logger = logging.getLogger(__name__)

ZIP = (b"PK\x03\x04",)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# How each kind of file must begin.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "odt": ZIP,
    "ods": ZIP,
    "odp": ZIP,
    "doc": OLE,
    "xls": OLE,
    "ppt": OLE,
    "rtf": (b"{\\rtf",),
}
# Markup a browser would render or run, in a file that should be plain text.
MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|svg|script|iframe|object|embed|\?xml)\b", re.IGNORECASE)
SNIFF_BYTES = 4096


def check_file_contents(file, extension):
    """Raise ValidationError if the file's first bytes are not what its extension says."""
    position = file.tell() if hasattr(file, "tell") else 0
    head = file.read(SNIFF_BYTES)
    file.seek(position)
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    signatures = SIGNATURES.get(extension)
    if signatures and not head.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(signatures):
        raise ValidationError(
            f"This file's contents are not a {extension.upper()} file, although its name ends in .{extension}. "
            f"Save it again as {extension.upper()} and upload that.",
            code="contents_do_not_match",
        )
    if MARKUP.search(head):
        raise ValidationError(
            "This file contains a web page or an SVG image, which cannot be uploaded: a browser would run it "
            "as part of the site. Upload the document as PDF or an office format instead.",
            code="markup",
        )


def check_extension(extension):
    allowed = settings.WAGTAILDOCS_EXTENSIONS
    if extension in allowed:
        return
    why = (
        "web pages and SVG images cannot be uploaded, because a browser would run them as part of the site"
        if extension in {"htm", "html", "xhtml", "svg", "svgz", "xml", "js"}
        else "this kind of file is not accepted"
    )
    raise ValidationError(
        f"Files ending in .{extension} cannot be uploaded: {why}. Upload a PDF or an office document "
        f"({', '.join(allowed)}).",
        code="extension_not_allowed",
    )


class SafeDocumentForm(StoreFileWhenValidMixin, BaseDocumentForm):
    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):
            extension = PurePath(file.name).suffix.lstrip(".").lower()
            check_extension(extension)
            check_file_contents(file, extension)
        return file

    def _post_clean(self):
        # A refused file leaves the document without one, and Wagtail's own
        # model check would only add a confusing 'File extension "" is not
        # allowed' to the clear message above.
        if self.has_error("file"):
            return
        super()._post_clean()


def pdf_page_count(document):
    """
    A PDF document's number of pages, or None for another type or a PDF that
    cannot be read. Counted once per file: the count is cached by the file's
    hash, so a replaced file is counted again.
    """
    if document.file_extension.lower() != "pdf":
        return None
    key = f"documents:pdf-pages:{document.get_file_hash()}"
    count = cache.get(key)
    if count is None:
        count = _count_pages(document)
        cache.set(key, count, timeout=None)
    return count or None


def _count_pages(document):
    try:
        with document.open_file() as file:
            return len(PdfReader(file).pages)
    except Exception:  # noqa: BLE001 (a damaged PDF is still offered; only its page count is unknown)
        logger.warning("Could not count the pages of document %s", document.pk, exc_info=True)
        return 0


def describe_document(document):
    """What a visitor needs before downloading: 'PDF, 1.2 MB, 12 pages'."""
    parts = [document.file_extension.upper()]
    size = document.get_file_size()
    if size is not None:
        parts.append(filesizeformat(size).replace("\xa0", " "))
    pages = pdf_page_count(document)
    if pages:
        parts.append(f"{pages} page{'' if pages == 1 else 's'}")
    return ", ".join(parts)


def may_open_document(document, request):
    """
    Whether the visitor may open a document, as Wagtail's document view will
    decide: every view restriction on its collection and the collections
    above it must let them in. The restrictions are read once and kept with
    the page cache (they are few, and usually none), so a page listing many
    documents costs no query per document.
    """
    from wagtail.models import CollectionViewRestriction

    from home.page_cache import remembered

    restrictions = remembered(
        "collection-view-restrictions",
        lambda: list(CollectionViewRestriction.objects.select_related("collection")),
        60 * 60,
    )
    collection_path = document.collection.path
    return all(
        restriction.accept_request(request)
        for restriction in restrictions
        if collection_path.startswith(restriction.collection.path)
    )
