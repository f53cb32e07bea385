"""
Images drawn at the width of their slot in the NHS.UK grid, in proportion,
from a rendition no larger than the screen needs.

    {% responsive_image page.image "figure" class="nhsuk-image__img" %}
    {% responsive_image report.cover_image "card-one-half" crop="16:9" class="nhsuk-card__img" alt="" %}

The <img> has a srcset of renditions WIDTHS wide and the `sizes` of its slot,
so the browser fetches the smallest rendition that is sharp on the screen in
hand; its width and height are the image's proportions, which the stylesheet
keeps (height: auto) while the grid sets the width.
"""

from django import template
from wagtail.images.models import ResponsiveImage
from wagtail.images.shortcuts import get_renditions_or_not_found

register = template.Library()

# From a 320 px phone's slot (288 CSS px) to a 768 px tablet's (736 px, the
# widest: the grid's columns stack below 769 px) at twice the pixel density.
WIDTHS = (320, 480, 640, 960, 1280)

# How wide each slot is drawn, in NHS.UK frontend 10's grid: the page is
# 100vw less 16 px margins on either side below 769 px, 100vw less 32 px
# margins up to 1023 px, and 960 px from 1024 px; columns have 16 px of
# padding on either side. Every page body is a two-thirds column, which is
# (100vw - 32px) * 2/3 - 32px from 769 px (66.67vw - 53px), 629 px from 1024.
# Below 769 px every slot is the whole width of the page, 100vw - 32px.
SIZES = {
    # .nhsuk-image: a figure two-thirds as wide as the body's column from 769 px.
    "figure": "(min-width: 1024px) 420px, (min-width: 769px) calc(44.44vw - 36px), calc(100vw - 32px)",
    # A card as wide as the body's column (a card group of one column).
    "card": "(min-width: 1024px) 629px, (min-width: 769px) calc(66.67vw - 53px), calc(100vw - 32px)",
    # Cards two or three to a row, in the body's column.
    "card-one-half": "(min-width: 1024px) 299px, (min-width: 769px) calc(33.33vw - 43px), calc(100vw - 32px)",
    "card-one-third": "(min-width: 1024px) 188px, (min-width: 769px) calc(22.22vw - 39px), calc(100vw - 32px)",
    # A card in a one-half column of the page (the home page's latest reports).
    "card-half-page": "(min-width: 1024px) 464px, (min-width: 769px) calc(50vw - 48px), calc(100vw - 32px)",
}


def filter_specs(image, crop=None):
    """
    Wagtail filter specs for WIDTHS, as far as the image is wide: an image
    smaller than a width would give the same rendition twice, which browsers
    may not be offered (two candidates of one width make srcset invalid), so
    the widths it cannot fill become one rendition at its own size.
    """
    if crop:
        across, down = (int(part) for part in crop.split(":"))
        widest = min(image.width, image.height * across / down)

        def spec(width):
            return f"fill-{width}x{round(width * down / across)}"
    else:
        widest = image.width

        def spec(width):
            return f"width-{width}"

    specs = [spec(width) for width in WIDTHS if width < widest]
    larger = [width for width in WIDTHS if width >= widest]
    if larger:
        specs.append(spec(larger[0]))
    return specs


@register.simple_tag
def responsive_image(image, slot, crop=None, **attributes):
    """
    The <img> for `image` in `slot` (a name in SIZES), cropped to `crop`
    ("16:9") if given, with any other attributes (class, alt) as given; alt
    defaults to the image's own. Nothing for no image.
    """
    if not image:
        return ""
    if slot not in SIZES:
        raise template.TemplateSyntaxError(f"responsive_image: no slot {slot!r}; the slots are {', '.join(SIZES)}")
    renditions = get_renditions_or_not_found(image, filter_specs(image, crop))
    unique = {}
    for rendition in renditions.values():
        # Rounding in a crop can still make two renditions one width: keep the first.
        unique.setdefault(rendition.width, rendition)
    if len(unique) > 1:
        # Without a srcset (an image narrower than every width) sizes is invalid.
        attributes = {"sizes": SIZES[slot], **attributes}
    return ResponsiveImage(unique, attributes).__html__()
