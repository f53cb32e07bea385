"""
Images are offered in renditions sized for their slot in the NHS.UK grid,
each in the image's proportions (home/templatetags/image_tags.py): the news
photograph, the report cover, the cards of listings, and the image and card
blocks. The browser draws them in proportion (tests/browser/test_images_in_browser.py).
"""

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from wagtail.images.models import Image, Rendition
from wagtail.images.tests.utils import get_test_image_file

from events.models import NewsAndEventsIndexPage
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
