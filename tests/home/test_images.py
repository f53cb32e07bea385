"""
Images are offered in renditions sized for their slot in the NHS.UK grid,
each in the image's proportions (home/templatetags/image_tags.py): the news
photograph, the report cover, the cards of listings, and the image and card
blocks. The browser draws them in proportion (tests/browser/test_images_in_browser.py).
"""

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from wagtail.images.models import Image, Rendition
from wagtail.images.tests.utils import get_test_image_file

from events.models import NewsAndEventsIndexPage
from home.image_descriptions import description_warning, is_file_name
from home.models import StandardPage
from home.templatetags.image_tags import SIZES
from reports.models import ReportIndexPage
from tests.conftest import html
from tests.events.factories import add_news
from tests.reports.factories import add_report

pytestmark = pytest.mark.django_db


def make_image(width, height):
    return Image.objects.create(title="Delegates at the workshop", file=get_test_image_file(size=(width, height)))


def render(image, slot, **arguments):
    extra = " ".join(f'{name}="{value}"' for name, value in arguments.items())
    template = Template(f'{{% load image_tags %}}{{% responsive_image image "{slot}" {extra} %}}')
    return BeautifulSoup(template.render(Context({"image": image})), "html.parser").img


def candidates(img):
    """(url, width) of each srcset candidate."""
    return [(url, int(width.rstrip("w"))) for url, width in (part.split() for part in img["srcset"].split(", "))]


def rendition_sizes(img):
    """The actual pixel size of each candidate's file."""
    return [
        (rendition.width, rendition.height)
        for url, _ in candidates(img)
        for rendition in [Rendition.objects.get(file=url.removeprefix("/media/"))]
    ]


def test_a_news_photograph_is_offered_at_each_width_up_to_its_own_in_its_proportions():
    img = render(make_image(800, 450), "figure", **{"class": "nhsuk-image__img"})

    # No rendition wider than the original, and no width twice (an invalid srcset).
    assert [width for _, width in candidates(img)] == [320, 480, 640, 800]
    assert rendition_sizes(img) == [(320, 180), (480, 270), (640, 360), (800, 450)]
    assert img["sizes"] == SIZES["figure"]
    assert img["class"] == ["nhsuk-image__img"]
    assert img["alt"] == "Delegates at the workshop"
    # The width and height reserve the image's shape before it loads.
    assert (int(img["width"]), int(img["height"])) == (320, 180)


def test_a_large_image_stops_at_the_widest_rendition_a_slot_needs():
    img = render(make_image(3000, 2000), "figure")
    assert [width for _, width in candidates(img)] == [320, 480, 640, 960, 1280]


def test_an_image_narrower_than_every_width_is_offered_as_it_is():
    img = render(make_image(200, 100), "figure", alt="")
    assert "srcset" not in img.attrs and "sizes" not in img.attrs
    assert (img["width"], img["height"], img["alt"]) == ("200", "100", "")


def test_a_crop_keeps_every_rendition_in_the_crops_proportions():
    img = render(make_image(1000, 750), "card", crop="16:9")

    assert [width for _, width in candidates(img)] == [320, 480, 640, 960, 1000]
    for width, height in rendition_sizes(img):
        assert abs(width / height - 16 / 9) < 0.01


@pytest.fixture
def picture():
    return make_image(800, 450)


def test_pages_size_their_images_for_the_slot_they_are_drawn_in(client, initial_content, picture):
    news = add_news(NewsAndEventsIndexPage.objects.get(), "with-a-picture", None, image=picture)
    news.save_revision().publish()
    report = add_report(ReportIndexPage.objects.get(), "with-a-cover", None, cover_image=picture)

    news_image = html(client.get(news.url)).select_one("figure.nhsuk-image img.nhsuk-image__img")
    assert news_image["sizes"] == SIZES["figure"]
    cover = html(client.get(report.url)).select_one("figure.report-cover img.nhsuk-image__img")
    assert cover["sizes"] == SIZES["figure"]
    # A report's card: half the page on the home page, the body's column in the reports listing.
    assert html(client.get("/")).select_one(".report-card img")["sizes"] == SIZES["card-half-page"]
    listed = html(client.get(ReportIndexPage.objects.get().url)).select_one(".report-card img")
    assert listed["sizes"] == SIZES["card"]
    assert listed["alt"] == ""


def test_image_and_card_blocks_size_their_images_for_their_column(client, initial_content, picture):
    card = {
        "heading": "The workshop",
        "heading_level": 2,
        "body": "",
        "content_image": picture,
        "alt_text": "Delegates at a workshop",
    }
    page = StandardPage(
        title="Pictures",
        slug="pictures",
        body=[
            ("image", {"content_image": picture, "alt_text": "", "caption": "London, 2020"}),
            ("card_group", {"column": "one-third", "body": [("card_image", card)]}),
            ("card_group", {"column": "", "body": [("card_image", card)]}),
        ],
    )
    initial_content.add_child(instance=page)
    page.save_revision().publish()

    soup = html(client.get(page.url))
    figure = soup.select_one("figure.nhsuk-image")
    assert figure.img["sizes"] == SIZES["figure"]
    assert figure.img["alt"] == "", "an image without alt text is decorative"
    assert figure.figcaption.get_text(strip=True) == "London, 2020"
    third, whole = soup.select("img.nhsuk-card__img")
    assert (third["sizes"], whole["sizes"]) == (SIZES["card-one-third"], SIZES["card"])
    assert third["alt"] == "Delegates at a workshop"


# The Description field is the image's alt text ----------------------------

READ_ALOUD = "Read aloud to people who cannot see the image"
NO_DESCRIPTION = "This image has no description"
FILE_NAME = "This description is the image's file name"


def description_field(soup):
    """The description's box with its help text and any warning, as an editor sees them."""
    box = soup.select_one("input[name$='description']")
    return box.find_parent(attrs={"data-field-wrapper": True}).get_text(" ", strip=True)


def edit_page(client, image):
    return html(client.get(f"/admin/images/{image.pk}/"))


def test_an_editor_is_told_the_description_is_read_aloud_and_warned_when_there_is_none(client, log_in):
    log_in("Editors")
    image = Image.objects.create(title="IMG_2041", file=get_test_image_file(filename="IMG_2041.jpg"))

    field = description_field(edit_page(client, image))
    assert READ_ALOUD in field and 'Leave out "image of"' in field
    assert NO_DESCRIPTION in field and "IMG_2041" in field

    image.description = "Two nurses talking on a hospital ward"
    image.save()
    field = description_field(edit_page(client, image))
    assert READ_ALOUD in field
    assert NO_DESCRIPTION not in field and FILE_NAME not in field


@pytest.mark.parametrize(
    "description", ["IMG_2041.jpg", "img_2041", "Img-2041", "IMG 2041", "DSC01234", "photo-1.png", "PXL_20240101_1234"]
)
def test_a_description_that_is_just_a_file_name_is_warned_about(client, log_in, description):
    log_in("Editors")
    image = Image.objects.create(
        title="IMG_2041", description=description, file=get_test_image_file(filename="IMG_2041.jpg")
    )
    assert FILE_NAME in description_field(edit_page(client, image))


def test_the_warning_does_not_stop_an_editor_saving(client, log_in):
    log_in("Editors")
    image = Image.objects.create(title="Delegates", file=get_test_image_file(filename="photo-1.png"))
    response = client.post(
        f"/admin/images/{image.pk}/",
        {"title": "Delegates at the workshop", "description": "photo-1", "collection": image.collection_id, "tags": ""},
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.title, image.description) == ("Delegates at the workshop", "photo-1")


def test_an_editor_uploading_images_is_told_what_the_description_is_for(client, log_in):
    log_in("Editors")
    response = client.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("IMG_2041.png", get_test_image_file().file.getvalue()), "title": "IMG_2041"},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.json()["success"], response.json()
    field = description_field(BeautifulSoup(response.json()["form"], "html.parser"))
    assert READ_ALOUD in field
    # Not said twice: the upload page warns of a missing description in Wagtail's own words.
    assert NO_DESCRIPTION not in field
    assert "Please provide an image description" in client.get("/admin/images/multiple/add/").content.decode()


@pytest.mark.parametrize(
    "description",
    ["Two nurses talking on a hospital ward", "Ward 7 at the Warneford", "A COVID-19 vaccination clinic", "2041"],
)
def test_a_description_that_says_what_the_image_shows_is_not_warned_about(description):
    assert description_warning(description, "original_images/IMG_2041.jpg", "IMG_2041") is None


def test_a_file_name_is_recognised_after_storage_renamed_the_file():
    assert is_file_name("IMG_2041", "original_images/IMG_2041_AbC1dE2.jpg", "Delegates at the workshop")
    assert not is_file_name("Delegates at the workshop", "original_images/IMG_2041.jpg", "Delegates at the workshop")
