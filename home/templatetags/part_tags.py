"""
{% remembered_part page "body" %}...{% endremembered_part %}: a part of a
page that depends on nothing but the page's own content (its StreamField
body, its agenda), rendered once and remembered until the page changes.

Rendering a report's or a workshop's blocks (rich text with its page links
looked up, headings, recommendations, the agenda) was a third of the page's
time, and the same for every visitor. The part is kept with the page cache's
own rules (home/page_cache.remembered): until the page's address moves on
(any save or publish of the page, as its cached copies are) or everything
does (a linked page moved or unpublished, a document, image or setting
changed), and never while a clearing is owed. A preview (a draft, with the
live page's id) is always rendered, and never kept.
"""

from django import template
from django.utils.safestring import mark_safe
from wagtail.models import Site

from home.page_cache import address_scopes, remembered

register = template.Library()

# Changes clear a part at once; this only bounds how long an unused one stays.
PART_SECONDS = 60 * 60


class RememberedPartNode(template.Node):
    def __init__(self, page, name, nodelist):
        self.page = page
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        page = self.page.resolve(context)
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False) or page is None or not page.pk or not page.live:
            return self.nodelist.render(context)
        scopes = address_scopes(page, getattr(request, "_wagtail_cached_site_root_paths", None))
        if not scopes:
            return self.nodelist.render(context)
        # By site too: a part may show the site's own settings (contact details).
        site = Site.find_for_request(request)
        name = f"page-part:{site.pk if site else 0}:{page.pk}:{self.name.resolve(context)}"
        # Kept as a plain string: what was safe to show when rendered stays so.
        rendered = remembered(name, lambda: str(self.nodelist.render(context)), PART_SECONDS, scopes=scopes)
        return mark_safe(rendered)  # noqa: S308 (the template's own rendering, escaped as it rendered it)


@register.tag
def remembered_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f'Usage: {{% {bits[0]} page "name" %}}...{{% end{bits[0]} %}}')
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return RememberedPartNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)
