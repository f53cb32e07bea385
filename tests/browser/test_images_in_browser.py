"""
Images keep their proportions at every width, in Chromium: an 800 by 450 news
photograph, a report's cover in the listing's card, and the image and card
blocks of a page body, at a desktop's width and a phone's. Each is drawn from
a rendition at least as wide as it is drawn, and not needlessly wider.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from events.models import NewsAndEventsIndexPage
from home.models import HomePage
from reports.models import ReportIndexPage
from tests.events.factories import add_news
from tests.reports.factories import add_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each image in the page's main content: as drawn, and the file the browser
# chose from its srcset (read again on its own: an img's naturalWidth is
# scaled by the srcset's density).
MEASURE = """async () => Promise.all([...document.querySelectorAll('main img')].map(async img => {
    const box = img.getBoundingClientRect();
    const file = new Image();
    file.src = img.currentSrc;
    await file.decode();
    return {
        src: img.currentSrc, drawnWidth: box.width, drawnHeight: box.height,
        fileWidth: file.naturalWidth, fileHeight: file.naturalHeight,
    };
}))"""


@pytest.fixture
def pages_with_images(site):
    picture = Image.objects.create(
        title="Delegates at the workshop", file=get_test_image_file(colour="teal", size=(800, 450))
    )
    news = add_news(NewsAndEventsIndexPage.objects.get(), "news-with-a-picture", None, image=picture)
    news.save_revision().publish()
    add_report(ReportIndexPage.objects.get(), "report-with-a-cover", None, cover_image=picture)
    card = {
        "heading": "The workshop",
        "heading_level": 2,
        "body": "",
        "content_image": picture,
        "alt_text": "Delegates",
    }
    body = [
        ("image", {"content_image": picture, "alt_text": "Delegates", "caption": ""}),
        ("card_group", {"column": "one-half", "body": [("card_image", card), ("card_image", card)]}),
    ]
    about = HomePage.objects.get().get_children().get(slug="about").specific
    about.body = body
    about.save_revision().publish()
    return {"news item": news.url, "reports": ReportIndexPage.objects.get().url, "about": about.url}


def serve_media(page):
    """The test server does not serve uploads (a web server does in production): read them from MEDIA_ROOT."""

    def fulfil(route):
        path = route.request.url.split("/media/", 1)[1]
        route.fulfill(path=Path(settings.MEDIA_ROOT) / path)

    page.route("**/media/**", fulfil)


@pytest.mark.parametrize("width", [1200, 375])
def test_images_keep_their_proportions_and_fit_their_slot(browser, pages_with_images, site, screenshots_dir, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    serve_media(page)
    problems = []
    for name, path in pages_with_images.items():
        page.goto(site + path)
        page.wait_for_function("[...document.querySelectorAll('main img')].every(img => img.complete)")
        images = page.evaluate(MEASURE)
        assert images, f"{name}: no image drawn"
        for image in images:
            where = f"{name} at {width}px, {image['src'].rsplit('/', 1)[-1]}"
            drawn = image["drawnWidth"] / image["drawnHeight"]
            natural = image["fileWidth"] / image["fileHeight"]
            if abs(drawn - natural) > 0.02:
                problems.append(
                    f"{where}: drawn {image['drawnWidth']:.0f}x{image['drawnHeight']:.0f}, "
                    f"a file of {image['fileWidth']}x{image['fileHeight']}"
                )
            if not image["drawnWidth"] <= image["fileWidth"] < 2 * image["drawnWidth"]:
                problems.append(f"{where}: drawn {image['drawnWidth']:.0f} wide from a file {image['fileWidth']} wide")
        page.screenshot(path=screenshots_dir / f"images-{name.replace(' ', '-')}-{width}.png", full_page=True)
    page.close()
    assert problems == [], "\n".join(problems)


def test_an_editor_uploading_an_image_is_told_what_its_description_is_for(site, log_in, tmp_path, screenshots_dir):
    picture = tmp_path / "IMG_2041.png"
    picture.write_bytes(get_test_image_file(colour="teal", size=(800, 450)).file.getvalue())
    editor = log_in("Editors")
    editor.goto(site + "/admin/images/multiple/add/")
    editor.locator("input[type=file]").set_input_files(picture)

    # The image's form, once uploaded: what the description is for, under Wagtail's warning that it has none.
    description = editor.get_by_label("Description")
    description.wait_for()
    help_text = editor.locator(f"#{description.get_attribute('id')}-helptext")
    expect(help_text).to_contain_text("Read aloud to people who cannot see the image")
    assert help_text.get_attribute("id") in description.get_attribute("aria-describedby")
    expect(editor.get_by_text("Please provide an image description")).to_be_visible()
    editor.screenshot(path=screenshots_dir / "image-upload-description.png", full_page=True)

    description.fill("Two nurses talking on a hospital ward")
    with editor.expect_response(lambda response: response.request.method == "POST") as saved:
        editor.get_by_role("button", name="Update").click()
    assert saved.value.json()["success"]
    image = Image.objects.get(title="IMG_2041")
    assert image.description == "Two nurses talking on a hospital ward"

    # The edit page says what it is for, and warns when the description is only the file name.
    editor.goto(site + f"/admin/images/{image.pk}/")
    help_text = editor.locator("#id_description-helptext")
    expect(help_text).to_contain_text("Read aloud to people")
    expect(help_text).not_to_contain_text("file name")
    image.description = "img_2041.png"
    image.save()
    editor.reload()
    expect(help_text).to_contain_text("This description is the image's file name: say what the image shows instead.")
    editor.screenshot(path=screenshots_dir / "image-edit-description.png", full_page=True)
    editor.close()
