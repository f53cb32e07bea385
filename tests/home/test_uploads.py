"""
What editors may upload: images within size and pixel limits (a small file
that would unpack into a huge image is refused before it is decoded), no SVG,
and documents only of the allowed types. Tested through the admin's own
upload forms, as an editor meets them.
"""

import errno
import io
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def png(width, height, mode="RGB"):
    buffer = io.BytesIO()
    PILImage.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload_image(client, name, content):
    return client.post(
        "/admin/images/add/",
        {
            "title": name,
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def errors_of(response):
    return " ".join(str(error) for errors in response.context["form"].errors.values() for error in errors)


def test_a_sensible_photo_is_accepted(admin_client):
    response = upload_image(admin_client, "workshop.png", png(1200, 800))
    assert response.status_code == 302
    assert get_image_model().objects.filter(title="workshop.png").exists()


def test_svg_is_not_accepted_under_its_own_name_or_another(admin_client):
    for name, message in (
        ("logo.svg", "Not a supported image format"),
        ("logo.png", "The extension does not match the file format (svg)"),
    ):
        response = upload_image(admin_client, name, SVG)
        assert response.status_code == 200, name
        assert message in errors_of(response), name
    assert not get_image_model().objects.exists()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(admin_client, settings):
    # 64 million pixels that compress into a few kilobytes.
    bomb = png(8000, 8000, mode="1")
    assert len(bomb) < 100_000
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS < 8000 * 8000

    response = upload_image(admin_client, "bomb.png", bomb)
    assert response.status_code == 200
    assert "too many pixels" in errors_of(response)
    assert not get_image_model().objects.exists()


def test_an_image_over_the_size_limit_is_refused(admin_client, settings):
    photo = png(600, 400)
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = len(photo) - 1
    response = upload_image(admin_client, "large.png", photo)
    assert response.status_code == 200
    assert "This file is too big" in errors_of(response)


def test_limits_are_set():
    from django.conf import settings

    assert settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE == 10 * 1024 * 1024
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 40_000_000
    assert "svg" not in settings.WAGTAILIMAGES_EXTENSIONS
    assert not {"html", "htm", "svg", "js", "exe"} & set(settings.WAGTAILDOCS_EXTENSIONS)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "Files ending in .html cannot be uploaded"),
        ("drawing.svg", SVG, "Files ending in .svg cannot be uploaded"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not a PDF"),
    ],
)
def test_documents_of_other_types_are_refused(admin_client, name, content, message):
    response = admin_client.post(
        "/admin/documents/add/",
        {"title": name, "file": SimpleUploadedFile(name, content), "collection": Collection.get_first_root_node().pk},
    )
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not get_document_model().objects.exists()


# The disk fills up, or turns read-only, while an editor uploads: the admin
# says so plainly, and nothing is left behind, neither a truncated file nor a
# row pointing at one.

STORAGE_FULL = "could not be saved: the website's file storage is full or cannot be written to"


def big_pdf():
    # Several of the 64 KB chunks the storage writes, so the disk can fail part way.
    return b"%PDF-1.7\n" + bytes(range(256)) * 1024


def png_of_noise(width, height):
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 3 * 64 * 1024
    return buffer.getvalue()


@pytest.fixture(params=["disk full part way", "read-only disk"])
def failing_disk(request, monkeypatch):
    """Every file the storages write fails: ENOSPC once 64 KB are written, or EROFS when the file is opened."""
    from django.core.files.storage import filesystem

    real_open, real_fdopen = filesystem.os.open, filesystem.os.fdopen

    def open_read_only(path, flags, *args):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args)

    class FillsUp:
        """A file on a disk with room for 64 KB: the first 64 KB are written, then ENOSPC."""

        def __init__(self, file):
            self.file, self.room = file, 64 * 1024

        def write(self, data):
            self.file.write(data[: self.room])
            self.file.flush()
            if len(data) > self.room:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.room -= len(data)

        def close(self):
            self.file.close()

    if request.param == "read-only disk":
        monkeypatch.setattr(filesystem.os, "open", open_read_only)
    else:
        monkeypatch.setattr(filesystem.os, "fdopen", lambda fd, mode: FillsUp(real_fdopen(fd, mode)))
    return request.param


def files_in(folder):
    return {path for path in Path(folder).rglob("*") if path.is_file()}


def post_upload(client, kind, way, name, content):
    root = Collection.get_first_root_node().pk
    file = SimpleUploadedFile(name, content)
    if way == "add":
        return client.post(f"/admin/{kind}s/add/", {"title": name, "file": file, "collection": root})
    if way == "multiple":
        return client.post(
            f"/admin/{kind}s/multiple/add/",
            {"title": name, "files[]": file, "collection": root},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
    prefix = f"{kind}-chooser-upload"
    return client.post(
        f"/admin/{kind}s/chooser/create/",
        {f"{prefix}-title": name, f"{prefix}-file": file, f"{prefix}-collection": root},
    )


def message_shown(response, way):
    if way == "multiple":
        answer = response.json()
        assert answer["success"] is False
        return answer["error_message"]
    if way == "chooser":
        answer = response.json()
        assert answer["step"] == "reshow_creation_form"
        return BeautifulSoup(answer["htmlFragment"], "html.parser").get_text(" ")
    return BeautifulSoup(response.content, "html.parser").get_text(" ")


@pytest.mark.parametrize("way", ["add", "multiple", "chooser"])
@pytest.mark.parametrize(
    ("kind", "name", "content", "folder"),
    [
        ("document", "minutes.pdf", big_pdf(), settings.PRIVATE_MEDIA_ROOT),
        ("image", "photo.png", png_of_noise(300, 300), settings.MEDIA_ROOT),
    ],
    ids=["document", "image"],
)
def test_an_upload_the_disk_cannot_hold_is_refused_plainly_and_leaves_nothing(
    admin_client, failing_disk, caplog, kind, way, name, content, folder
):
    model = get_document_model() if kind == "document" else get_image_model()
    before = files_in(folder)

    response = post_upload(admin_client, kind, way, name, content)

    assert response.status_code == 200
    assert STORAGE_FULL in " ".join(message_shown(response, way).split())
    assert "Nothing has been saved" in message_shown(response, way)
    assert files_in(folder) == before
    assert not model.objects.exists()
    assert any(record.levelname == "ERROR" and name in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("kind", "name", "content", "folder"),
    [
        ("document", "minutes.pdf", big_pdf(), settings.PRIVATE_MEDIA_ROOT),
        ("image", "photo.png", png_of_noise(300, 300), settings.MEDIA_ROOT),
    ],
    ids=["document", "image"],
)
def test_the_same_uploads_are_saved_whole_when_the_disk_is_well(admin_client, kind, name, content, folder):
    model = get_document_model() if kind == "document" else get_image_model()

    response = post_upload(admin_client, kind, "add", name, content)

    assert response.status_code == 302
    stored = model.objects.get()
    with stored.file.open("rb") as file:
        assert file.read() == content
    assert is_inside_folder(stored.file.path, folder)


def is_inside_folder(path, folder):
    return Path(folder).resolve() in Path(path).resolve().parents


@pytest.fixture
def existing_document():
    """A document saved before the disk fails (list it before failing_disk)."""
    from tests.reports.factories import make_document, pdf_bytes

    return make_document("Minutes", "minutes.pdf", pdf_bytes(1))


def test_replacing_a_documents_file_on_a_full_disk_keeps_the_old_one(admin_client, existing_document, failing_disk):
    document = existing_document
    with document.file.open("rb") as file:
        old_content = file.read()
    before = files_in(settings.PRIVATE_MEDIA_ROOT)

    response = admin_client.post(
        f"/admin/documents/edit/{document.pk}/",
        {
            "title": "Minutes",
            "file": SimpleUploadedFile("new-minutes.pdf", big_pdf()),
            "collection": document.collection_id,
        },
    )

    assert response.status_code == 200
    assert STORAGE_FULL in " ".join(message_shown(response, "edit").split())
    assert files_in(settings.PRIVATE_MEDIA_ROOT) == before
    document.refresh_from_db()
    with document.file.open("rb") as file:
        assert file.read() == old_content
