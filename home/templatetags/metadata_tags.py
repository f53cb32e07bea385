"""What a page tells search engines and social media about itself: Open Graph and JSON-LD."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from home.metadata import canonical_address, open_graph_image, public_address
from home.models import SiteSettings

register = template.Library()

# As Django's json_script: nothing in the data can close the script element.
SCRIPT_SAFE = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """schema.org data as a JSON-LD script element."""
    encoded = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(encoded))  # noqa: S308


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """
    The page's one address (home/metadata.py): a listing that shows a page
    of its items sets `canonical_url` itself, with the page number. Empty
    where there is no page (search, errors).
    """
    page = context.get("page")
    request = context.get("request")
    if page is None and context.get("canonical_path"):
        # A view of the site's own that is not a page (search): its address, without the query.
        return public_address(context["canonical_path"])
    if page is None or request is None:
        return ""
    return context.get("canonical_url") or canonical_address(page, request)


@register.inclusion_tag("includes/open_graph.html", takes_context=True)
def open_graph(context, description=""):
    page = context.get("page")
    request = context.get("request")
    if request is None:
        return {}
    if page is None:
        if not context.get("canonical_path"):
            return {}  # an error page: nothing to share
        return {
            "shared": True,
            "url": canonical_url(context),
            "title": context.get("title", ""),
            "description": description,
            "type": "website",
            "site_name": SiteSettings.for_request(request).organisation_name,
            "image": open_graph_image(None, request),
        }
    return {
        "shared": True,
        "page": page,
        "url": canonical_url(context),
        "title": page.seo_title or page.title,
        "description": description,
        "type": getattr(page, "open_graph_type", "website"),
        "site_name": SiteSettings.for_request(request).organisation_name,
        "image": open_graph_image(page, request),
    }
