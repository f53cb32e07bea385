"""
{% remembered_part page "body" %}...{% endremembered_part %}: a part of a
page rendered once and remembered until what it shows changes.

Rendering a report's or a workshop's blocks (rich text with its page links
looked up, headings, recommendations, the agenda) was a third of the page's
time, and the same for every visitor; the lists of workshops, news and
reports on the home page and News and events were more than half of theirs,
and grew with the content. A part is kept with the page cache's own rules
(home/page_cache.remembered): until the page's address moves on (any save
or publish of the page, as its cached copies are); or a scope that what is
rendered inside says it shows moves on (a list of workshops: any workshop
published, or places taken); or everything does (a linked page moved or
unpublished, a document, image or setting changed); or the clock reaches a
moment at which it said it changes (booking opens or closes, a new day);
and never while a clearing is owed. A preview (a draft, with the live
page's id) is always rendered, and never kept; so is a part whose name is
empty (a page names a part only for the requests it is the same for).
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
        part_name = self.name.resolve(context)
        request = context.get("request")
        if (
            not part_name
            or request is None
            or getattr(request, "is_preview", False)
            or page is None
            or not page.pk
            or not page.live
        ):
            return self.nodelist.render(context)
        scopes = address_scopes(page, getattr(request, "_wagtail_cached_site_root_paths", None))
        if not scopes:
            return self.nodelist.render(context)
        # By site too: a part may show the site's own settings (contact details).
        site = Site.find_for_request(request)
        name = f"page-part:{site.pk if site else 0}:{page.pk}:{part_name}"
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
