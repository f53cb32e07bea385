"""
What editors may upload: images within size and pixel limits (a small file
that would unpack into a huge image is refused before it is decoded), no SVG,
and documents only of the allowed types. Tested through the admin's own
upload forms, as an editor meets them.
"""

import io

import pytest
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
