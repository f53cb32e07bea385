"""Every block an editor can add to a page body renders, in NHS.UK markup, on Wagtail 8."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from home.blocks import BaseStreamBlock
from home.models import StandardPage
from tests.conftest import html

Document = get_document_model()

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    return Image.objects.create(title="Workshop room", file=get_test_image_file())


@pytest.fixture
def document():
    document = Document(title="Thriving at Work workshop report")
    document.file.save("thriving-at-work.pdf", ContentFile(b"%PDF-1.4\n" + b"0" * 2048), save=False)
    document.save()
    return document


@pytest.fixture
def page_with_every_block(initial_content, image, document):
    about = StandardPage.objects.get(slug="about")
    body = [
        ("heading", {"text": "A section", "level": "2"}),
        ("heading", {"text": "A sub-section", "level": "3"}),
        ("paragraph", "<p>Plain <b>text</b>.</p>"),
        ("image", {"content_image": image, "alt_text": "Delegates at a workshop", "caption": "London, 2020"}),
        (
            "table",
            {
                "data": [["Date", "Venue"], ["5 March 2020", "London"]],
                "first_row_is_table_header": True,
                "first_col_is_header": True,
                "table_caption": "Dates",
            },
        ),
        ("document", {"document": document, "link_text": ""}),
        ("inset_text", {"body": "<p>Limited to 50 places.</p>"}),
        ("warning_callout", {"title": "Moved online", "heading_level": 3, "body": "<p>Join by video.</p>"}),
        ("details", {"title": "Who can attend?", "body": [("richtext", "<p>Strategic leaders.</p>")]}),
        (
            "expander_group",
            {"expanders": [{"title": "Morning", "body": [("richtext", "<p>Presentations.</p>")]}]},
        ),
        ("action_link", {"text": "Read about the Collaborative", "internal_page": about, "external_url": ""}),
        (
            "card_group",
            {"column": "one-half", "body": [("card_basic", {"heading": "London", "heading_level": 3, "body": ""})]},
        ),
        ("summary_list", {"rows": [{"key": "Places", "value": "<p>50</p>"}], "no_border": False}),
        ("contact_details", None),
    ]
    page = StandardPage(title="Every block", slug="every-block", body=body)
    initial_content.add_child(instance=page)
    return page


def test_the_body_offers_every_block_this_test_renders():
    assert set(BaseStreamBlock.base_blocks) == {
        "heading",
        "paragraph",
        "image",
        "table",
        "document",
        "inset_text",
        "warning_callout",
        "details",
        "expander_group",
        "action_link",
        "card_group",
        "summary_list",
        "contact_details",
    }


def test_every_block_renders_in_nhs_markup(client, page_with_every_block):
    response = client.get("/every-block/")
    assert response.status_code == 200
    main = html(response).main
    assert main.find("h2", string="A section") and main.find("h3", string="A sub-section")
    assert main.select_one("figure.nhsuk-image img")["alt"] == "Delegates at a workshop"
    assert main.select_one(".nhsuk-inset-text").get_text(" ", strip=True) == "Information: Limited to 50 places."
    assert "Moved online" in main.select_one(".nhsuk-card--warning h3").get_text()
    assert main.select_one("details.nhsuk-details summary").get_text(strip=True) == "Who can attend?"
    assert main.select_one(".nhsuk-expander-group details.nhsuk-expander")
    assert main.select_one("a.nhsuk-action-link")["href"] == "/about/"
    assert main.select_one(".nhsuk-card-group .nhsuk-card__heading").get_text(strip=True) == "London"
    assert main.select_one("dl.nhsuk-summary-list dt").get_text(strip=True) == "Places"
    assert "Joanna Daci" in main.select("dl.nhsuk-summary-list")[-1].get_text()


def test_tables_have_a_caption_and_header_cells(client, page_with_every_block):
    table = html(client.get("/every-block/")).select_one("main table.nhsuk-table")
    assert table.caption.get_text(strip=True) == "Dates"
    assert [th.get_text() for th in table.select("thead th[scope=col]")] == ["Date", "Venue"]
    assert table.select_one("tbody th[scope=row]").get_text() == "5 March 2020"
    assert table.select_one("tbody td.nhsuk-table__cell").get_text() == "London"


def test_a_document_link_gives_its_type_and_size(client, page_with_every_block, document):
    link = html(client.get("/every-block/")).select_one("main .document-link")
    assert link.a.get_text(strip=True) == "Thriving at Work workshop report"
    assert link.a["href"] == document.url
    assert " ".join(link.select_one(".document-link__meta").get_text().split()) == "(PDF, 2.0 KB)"
