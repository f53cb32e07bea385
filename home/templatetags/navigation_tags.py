"""
The site-wide parts of every page: header menu, footer links, breadcrumbs,
page title.

The menu and footer are the same on every page, so they are built once and
kept in the cache, cleared with every cached page by any change that reaches
every page: a page in the menu or the footer published, a setting saved
(home/page_cache.py, even when whole pages are not cached). They cost no
query on most requests. The current page's ancestors, for the breadcrumbs and
the title, are kept the same way when they are only the home page and a
section (pages that every page shows), and otherwise read once per request.
"""

from django import template
from django.conf import settings
from django.urls import reverse
from wagtail.models import Page, Site

from home.models import SiteSettings
from home.page_cache import remembered
from home.restrictions import private_q

register = template.Library()

# Changes clear it at once; this only bounds how long an unused copy stays.
SITE_CHROME_SECONDS = 60 * 60


def _site_settings(context):
    request = context.get("request")
    if request is None:
        return None
    # Cached on the request by Wagtail, so every tag below shares one query.
    return SiteSettings.for_request(request)


def _organisation_name(context):
    site_settings = _site_settings(context)
    return (site_settings and site_settings.organisation_name) or settings.WAGTAIL_SITE_NAME


def _build_site_chrome(request, site):
    """The menu and footer links of a site, as plain data that can be cached."""
    home = site.root_page
    menu = [
        {"label": page.title, "url": page.get_url(request), "pk": page.pk, "path": page.path}
        for page in home.get_children().live().exclude(private_q()).in_menu()
    ]
    footer = []
    site_settings = SiteSettings.for_request(request)
    for link in site_settings.footer_links.select_related("link_page"):
        if link.link_page and not link.link_page.live:
            continue
        footer.append({"label": link.text, "url": link.get_url(request)})
    return {"home_url": home.get_url(request) or "/", "menu": menu, "footer_links": footer}


def _site_chrome(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"home_url": "/", "menu": [], "footer_links": []}
    if not hasattr(request, "_site_chrome"):
        request._site_chrome = remembered(
            f"site-chrome:{site.pk}", lambda: _build_site_chrome(request, site), SITE_CHROME_SECONDS
        )
    return request._site_chrome


def _ancestors(context):
    """The current page's ancestors from the home page down (not itself), read once per request."""
    page = context.get("page")
    request = context.get("request")
    if not isinstance(page, Page) or page.depth <= 2:
        return []
    memo = getattr(request, "_page_ancestors", {}) if request is not None else {}
    if page.pk not in memo:
        site = Site.find_for_request(request) if request is not None else None

        def read():
            ancestors = Page.objects.ancestor_of(page).order_by("depth")
            if site is not None:
                return list(ancestors.filter(path__startswith=site.root_page.path))
            return list(ancestors.filter(depth__gte=2))

        # Not for a preview: a new page has no id yet, and a draft's place may differ.
        preview = getattr(request, "is_preview", False)
        if site is not None and page.pk and not preview and page.depth <= site.root_page.depth + 2:
            # Its ancestors are the site's root and a page directly under it,
            # which every page shows (the menu): a change to either clears
            # every remembered part. Deeper pages' ancestors are read each time.
            memo[page.pk] = remembered(f"ancestors:{site.pk}:{page.pk}", read, SITE_CHROME_SECONDS)
        else:
            memo[page.pk] = read()
        if request is not None:
            request._page_ancestors = memo
    return memo[page.pk]


@register.inclusion_tag("includes/header.html", takes_context=True)
def site_header(context):
    """
    The header's menu: each live, public page directly under the home page
    that an editor has marked "Show in menus", in the tree's order. The logo
    and the site's name link to the home page, as on NHS.UK.
    """
    chrome = _site_chrome(context)
    current_page = context.get("page")
    primary_links = []
    for item in chrome["menu"]:
        current = isinstance(current_page, Page) and current_page.pk == item["pk"]
        primary_links.append(
            {
                "label": item["label"],
                "url": item["url"],
                "current": current,
                "active": not current and isinstance(current_page, Page) and current_page.path.startswith(item["path"]),
            }
        )
    return {
        # Not "organisation_name": in the NHS.UK header template that name
        # switches on the organisational variant, which repeats the name.
        "collaborative_name": _organisation_name(context),
        "home_url": chrome["home_url"],
        "search_url": reverse("search"),
        "primary_links": primary_links,
    }


@register.inclusion_tag("includes/footer.html", takes_context=True)
def site_footer(context):
    """Footer links from the site settings, leaving out any page that is not live."""
    return {"organisation_name": _organisation_name(context), "footer_links": _site_chrome(context)["footer_links"]}


@register.simple_tag(takes_context=True)
def organisation_name(context):
    """The Collaborative's name as the site settings give it, for titles that page_title cannot build."""
    return _organisation_name(context)


@register.inclusion_tag("wagtailnhsukfrontend/breadcrumb.html", takes_context=True)
def site_breadcrumb(context):
    """NHS.UK breadcrumbs: the ancestors from the home page down, from the query the title shares."""
    # The request too: {% pageurl %} then finds the site's root paths on it
    # rather than asking the cache again for each link.
    return {"breadcrumb_pages": _ancestors(context), "request": context.get("request")}


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
    if context.get("title_filter"):
        # A filtered or later page of a listing: "Past events from 2025 - News and events - ...".
        parts.insert(0, context["title_filter"])
    if page.depth > 3:
        # The section is the ancestor directly under the home page.
        section = next((ancestor for ancestor in _ancestors(context) if ancestor.depth == 3), None)
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
