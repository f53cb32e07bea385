"""The inline script every page runs first (settings.ENHANCE_SCRIPT, which says why it is inline)."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def enhance_script():
    """
    enhance.js in a <script> element, its text exactly as read at start-up:
    the Content-Security-Policy allows it by the hash of that text.
    """
    return format_html("<script>{}</script>", mark_safe(settings.ENHANCE_SCRIPT))  # noqa: S308 - the site's own file
