"""
What every page tells search engines and social media beyond its own words:
its one address (canonical), the picture to show with it, and the
Collaborative as organiser, author and publisher. The Open Graph tags and
each app's schema.org data read them here, so that they all say the same.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.templatetags.static import static
from wagtail.models import Site

from .models import SiteSettings

# The picture when neither the page nor the site settings have one: the NHS
# logo that the site's header and icons already show, as wagtail-nhsuk-frontend
# ships it (its largest square, 310 pixels).
FALLBACK_IMAGE = {
    "path": "wagtailnhsukfrontend/favicons/largetile-310x310.png",
    "width": 310,
    "height": 310,
    "alt": "The NHS logo",
}
# Google picks the shape its layout needs from these (16:9, 4:3 and 1:1, as
# its Event and Article guidelines ask), all cut from the same picture.
SCHEMA_IMAGE_SPECS = ("fill-1920x1080", "fill-1600x1200", "fill-1200x1200")
# Social networks show a shared link's picture at 1.91:1.
OPEN_GRAPH_IMAGE_SPEC = "fill-1200x630"


def public_address(path):
    """A path's full address on the site's public address (SITE_URL); an address already full is kept."""
    return urljoin(f"{settings.SITE_URL}/", path)


def canonical_address(page, request, page_number=1):
    """
    The address search engines should keep for what `page` shows: its own,
    without filters or any other query string. Only a listing's page number
    after the first stays, each page of a listing holding different items.
    """
    address = page.get_full_url(request)
    return f"{address}?page={page_number}" if page_number > 1 else address


def _settings(page, request):
    return SiteSettings.for_request(request) if request is not None else SiteSettings.for_site(page.get_site())


def collaborative(page, request):
    """The Collaborative as schema.org's Organization: its name and its home page's address."""
    site = Site.find_for_request(request) or page.get_site()
    return {
        "@type": "Organization",
        "name": _settings(page, request).organisation_name,
        # The home page is the Site's root: its address is the Site's own, with no query for the page.
        "url": f"{site.root_url}/",
    }


def sharing_image(page, request):
    """The page's own picture (ListingMixin.sharing_image), else the site's default; None without either."""
    return getattr(page, "sharing_image", None) or _settings(page, request).default_sharing_image


def schema_images(page, request):
    """schema.org's image for the page: full addresses of its picture in each shape Google asks for."""
    image = sharing_image(page, request)
    if image is None:
        return [public_address(static(FALLBACK_IMAGE["path"]))]
    renditions = image.get_renditions(*SCHEMA_IMAGE_SPECS)
    return [public_address(renditions[spec].url) for spec in SCHEMA_IMAGE_SPECS]


def open_graph_image(page, request):
    """The picture for the page's Open Graph tags: its full address, size and description."""
    image = sharing_image(page, request)
    if image is None:
        return {**FALLBACK_IMAGE, "url": public_address(static(FALLBACK_IMAGE["path"]))}
    rendition = image.get_rendition(OPEN_GRAPH_IMAGE_SPEC)
    return {
        "url": public_address(rendition.url),
        "width": rendition.width,
        "height": rendition.height,
        "alt": rendition.alt,
    }
