"""The site-wide parts of every page: header menu, footer links, page title."""

from django import template
from django.urls import reverse
from wagtail.models import Page, Site

from home.models import ORGANISATION_NAME, SiteSettings

register = template.Library()


def _site_settings(context):
    request = context.get("request")
    if request is None:
        return None
    # Cached on the request by Wagtail, so every tag below shares one query.
    return SiteSettings.for_request(request)


def _organisation_name(context):
    site_settings = _site_settings(context)
    return site_settings.organisation_name if site_settings else ORGANISATION_NAME


@register.inclusion_tag("includes/header.html", takes_context=True)
def site_header(context):
    """
    The header's menu: each live, public page directly under the home page
    that an editor has marked "Show in menus", in the tree's order. The logo
    and the site's name link to the home page, as on NHS.UK.
    """
    request = context.get("request")
    current_page = context.get("page")
    site = Site.find_for_request(request) if request else None
    primary_links = []
    home_url = "/"
    if site is not None:
        home = site.root_page
        home_url = home.get_url(request) or "/"
        for menu_page in home.get_children().live().public().in_menu():
            current = _is_same(current_page, menu_page)
            primary_links.append(
                {
                    "label": menu_page.title,
                    "url": menu_page.get_url(request),
                    "current": current,
                    "active": not current and _is_within(current_page, menu_page),
                }
            )
    return {
        # Not "organisation_name": in the NHS.UK header template that name
        # switches on the organisational variant, which repeats the name.
        "collaborative_name": _organisation_name(context),
        "home_url": home_url,
        "search_url": reverse("search"),
        "primary_links": primary_links,
    }


def _is_same(page, other):
    return isinstance(page, Page) and page.pk == other.pk


def _is_within(page, ancestor):
    return isinstance(page, Page) and page.path.startswith(ancestor.path)


@register.inclusion_tag("includes/footer.html", takes_context=True)
def site_footer(context):
    """Footer links from the site settings, leaving out any page that is not live."""
    site_settings = _site_settings(context)
    request = context.get("request")
    footer_links = []
    if site_settings is not None:
        for link in site_settings.footer_links.select_related("link_page"):
            if link.link_page and not link.link_page.live:
                continue
            footer_links.append({"label": link.text, "url": link.get_url(request)})
    return {"organisation_name": _organisation_name(context), "footer_links": footer_links}


@register.simple_tag(takes_context=True)
def page_title(context):
    """
    The browser tab title, most specific first: "Page - Section - Collaborative".
    The home page is just the Collaborative's name.
    """
    organisation_name = _organisation_name(context)
    page = context.get("page")
    if not isinstance(page, Page):
        heading = context.get("title")
        return f"{heading} - {organisation_name}" if heading else organisation_name
    if page.depth <= 2:
        return page.seo_title or organisation_name
    parts = [page.seo_title or page.title]
    if page.depth > 3:
        # The section is the ancestor directly under the home page.
        section = Page.objects.ancestor_of(page).filter(depth=3).only("title").first()
        if section is not None:
            parts.append(section.title)
    parts.append(organisation_name)
    return " - ".join(parts)


@register.simple_tag(takes_context=True)
def meta_description(context):
    page = context.get("page")
    description = getattr(page, "meta_description", "") or getattr(page, "search_description", "")
    if description:
        return description
    site_settings = _site_settings(context)
    return site_settings.default_meta_description if site_settings else ""


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed, e.g. the page number; an empty value removes one."""
    query = context["request"].GET.copy()
    for name, value in changes.items():
        if value in ("", None):
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()
