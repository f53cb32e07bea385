"""
The content blocks every page body is built from.

Where NHS.UK publishes a component, the block is wagtail-nhsuk-frontend's own
(inset text, warning callout, details, expanders, action link, cards, summary
list, image); the blocks defined here cover what it does not.
"""

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtailnhsukfrontend import blocks as nhsuk

# Headings have their own block, so that heading levels stay in order and
# later features (contents lists) can find them; rich text is for paragraphs
# and lists.
PARAGRAPH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=150, help_text="The heading's words, in sentence case.")
    level = blocks.ChoiceBlock(
        choices=[("2", "Section heading (H2)"), ("3", "Sub-heading (H3)"), ("4", "Minor heading (H4)")],
        default="2",
        help_text=("Screen-reader users move between headings by level: start sections at H2 and never skip a level."),
    )

    class Meta:
        icon = "title"
        template = "home/blocks/heading_block.html"
        description = "A heading that starts a section of the page."
        preview_value = {"text": "Reasons for collaboration", "level": "2"}


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    link_text = blocks.CharBlock(
        required=False,
        max_length=200,
        help_text="Leave blank to use the document's title. Its type and size are added for you.",
    )

    class Meta:
        icon = "doc-full"
        template = "home/blocks/document_link_block.html"
        description = "A link to download a document, with its file type and size."


class ContactDetailsBlock(blocks.StaticBlock):
    """The Collaborative's contact details, kept once in the site settings."""

    class Meta:
        icon = "mail"
        template = "home/blocks/contact_details_block.html"
        label = "Contact details"
        admin_text = "Shows the contact name, role, e-mail and phone from Settings > Site settings."
        description = "The Collaborative's contact details, as set in the site settings."


class NHSTableBlock(TableBlock):
    class Meta:
        icon = "table"
        template = "home/blocks/table_block.html"
        description = "A table of facts. Tick 'row header' so screen readers announce each column's name."


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=PARAGRAPH_FEATURES,
        icon="pilcrow",
        description="Paragraphs, bulleted and numbered lists and links.",
        preview_value=(
            "<p>The Collaborative is a voluntary group of mental health Trusts that have come "
            "together to focus on strategic mental health workforce development issues.</p>"
        ),
    )
    image = nhsuk.ImageBlock(description="An image with alternative text and an optional caption.")
    table = NHSTableBlock()
    document = DocumentLinkBlock()
    inset_text = nhsuk.InsetTextBlock(
        description="Sets a short piece of text apart from what surrounds it.",
        preview_value={"body": "<p>Workshop attendance is limited to 50 places.</p>"},
    )
    warning_callout = nhsuk.WarningCalloutBlock(
        description="Something visitors must not miss, such as a change to a workshop.",
        preview_value={
            "title": "Important",
            "heading_level": 3,
            "body": "<p>This workshop has moved online.</p>",
        },
    )
    details = nhsuk.DetailsBlock(description="A short question or title that opens to show more.")
    expander_group = nhsuk.ExpanderGroupBlock(
        description="Several expanding sections, for longer content visitors may skip."
    )
    action_link = nhsuk.ActionLinkBlock(
        description="A prominent link to the next thing a visitor should do.",
    )
    card_group = nhsuk.CardGroupBlock(description="Cards side by side, each with a heading and text.")
    summary_list = nhsuk.SummaryListBlock(description="Pairs of labels and values, such as key facts.")
    contact_details = ContactDetailsBlock()
