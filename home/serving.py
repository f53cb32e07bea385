"""
Serving a page without asking the database what has not changed: which Site
a request's host names, and which page its path names on that Site.

Wagtail asks both on every request: a query for the Site, then one for each
part of the path as it walks down the tree (PassThroughRoutingMixin already
spares it loading each ancestor as its own type). Both answers change only
when content does: a page is published at a new address, unpublished, moved,
deleted or given a new slug, or a Site is changed, and each of those starts
a new page cache generation (home/page_cache.py). So both are remembered
with it (remembered(): in memory and in the shared cache), and the page
itself, whose content changes with every publish, is still read afresh, in
one query.

Only answers that found something are remembered: any number of made-up
addresses must not fill the cache. Wagtail's own serve view does the rest
(view restrictions, the page's serve()), so nothing about who may see a
page is decided here.
"""

from django.contrib.contenttypes.models import ContentType
from django.http.request import split_domain_port
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from home.page_cache import remembered

# Changes clear both at once; this only bounds how long an unused answer stays.
REMEMBERED_SECONDS = 60 * 60


def site_for_request(request):
    """
    The Site the request is for, as Site.find_for_request gives it (and
    kept on the request where Wagtail looks for it first).
    """
    if not hasattr(request, "_wagtail_site"):
        # What Wagtail's own lookup reads: the host as sent and the port.
        hostname = split_domain_port(request._get_raw_host())[0]
        key = f"site:{hostname}:{request.get_port()}"
        request._wagtail_site = remembered(key, lambda: Site._find_for_request(request), REMEMBERED_SECONDS)
    return request._wagtail_site


def _route(request, path):
    """Wagtail's own routing, as (page id, content type id) when it finds a page with nothing more to route."""
    found = Page.route_for_request(request, path)
    if found is None:
        return None
    page, args, kwargs = found
    if args or kwargs:
        return None
    return (page.pk, page.content_type_id)


def page_for_request(request, path):
    """The live page the path names on the request's Site, as its own type, or None if nothing is remembered."""
    site = site_for_request(request)
    if site is None:
        return None
    found = remembered(f"route:{site.pk}:{path}", lambda: _route(request, path), REMEMBERED_SECONDS)
    if found is None:
        return None
    if hasattr(request, "_wagtail_route_for_request"):
        # Routed just now, to remember it.
        return request._wagtail_route_for_request.page
    page_id, content_type_id = found
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    # live: a page unpublished in code, without Wagtail's signal, is still not served.
    return model.objects.live().filter(pk=page_id).first() if model is not None else None


def site_root_paths_for_request(request):
    """
    Wagtail's list of the sites' root paths, which every page address is
    made from, kept on the request where Wagtail looks for it first: Wagtail
    keeps it in the cache (a round trip for each request) and clears it when
    a Site changes, which moves the page cache on too.
    """
    if not hasattr(request, "_wagtail_cached_site_root_paths"):
        request._wagtail_cached_site_root_paths = remembered(
            "site-root-paths", lambda: list(Site.get_site_root_paths()), REMEMBERED_SECONDS
        )
    return request._wagtail_cached_site_root_paths


def serve(request, path):
    """Wagtail's serve view, given the Site and the page from what is remembered."""
    site_root_paths_for_request(request)
    page = page_for_request(request, path)
    if page is not None and not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = RouteResult(page)
    return wagtail_views.serve(request, path)
