"""What a page tells search engines and social media about itself: Open Graph and JSON-LD."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from home.models import SiteSettings

register = template.Library()

# As Django's json_script: nothing in the data can close the script element.
SCRIPT_SAFE = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """schema.org data as a JSON-LD script element."""
    encoded = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_SAFE)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(encoded))  # noqa: S308


@register.inclusion_tag("includes/open_graph.html", takes_context=True)
def open_graph(context, description=""):
    page = context.get("page")
    request = context.get("request")
    if page is None or request is None:
        return {}
    return {
        "page": page,
        "url": page.full_url_for(request) if hasattr(page, "full_url_for") else page.get_full_url(request),
        "title": page.seo_title or page.title,
        "description": description,
        "type": getattr(page, "open_graph_type", "website"),
        "site_name": SiteSettings.for_request(request).organisation_name,
    }
