"""
Pages an editor has made private (Privacy: a password, signing in, or
certain groups) are left out of everything the site shows about other
pages: listings, cards, related links, feeds, calendars, search and the
sitemap. Until the visitor is let in, a private page's title, summary and
metadata appear nowhere. Whatever the kind of restriction, a private page
is left out for every visitor: listings are shared through the page cache.

Wagtail's own `.public()` does this, but reads every view restriction each
time it is called. Here the restricted sections are read once and kept with
the page cache (home/page_cache.py: cleared whenever a restriction is added,
changed or removed, or a page moves; kept only for the request without a
shared cache), so any number of listings on a page costs no query for them.
"""

from django.db.models import Q

from home.page_cache import once_per_request, remembered

# Changes clear it at once, in every process sharing the cache (without a
# shared cache it is not kept beyond a request); this only bounds how long
# an unused copy stays.
RESTRICTIONS_SECONDS = 5 * 60


def _private_paths():
    """The tree paths of the pages with a view restriction: they and the pages below them are private."""
    from wagtail.models import PageViewRestriction

    return once_per_request(
        "private-page-paths",
        lambda: remembered(
            "page-view-restrictions",
            lambda: sorted(set(PageViewRestriction.objects.values_list("page__path", flat=True))),
            RESTRICTIONS_SECONDS,
        ),
    )


def private_q():
    """
    A filter matching every page in a private section, as Wagtail's
    PageQuerySet.private_q: `pages.exclude(private_q())` for the public ones,
    in the same query.
    """
    query = Q()
    for path in _private_paths():
        query |= Q(path__startswith=path)
    return query if query else Q(pk__in=[])


def is_public(page):
    """Whether a page already loaded is in no private section."""
    return not any(page.path.startswith(path) for path in _private_paths())


def _alias_paths():
    """The tree paths of the alias pages (kept like the private paths: making an alias clears everything)."""
    from wagtail.models import Page

    return once_per_request(
        "alias-page-paths",
        lambda: remembered(
            "alias-page-paths",
            lambda: sorted(Page.objects.exclude(alias_of=None).values_list("path", flat=True)),
            RESTRICTIONS_SECONDS,
        ),
    )


class ViewRestrictionsByPathMixin:
    """
    For every page type: Wagtail checks a page's view restrictions each time
    it is served, reading its ancestors and then their restrictions (two
    queries). A page in no private section (the remembered paths above)
    has none, which needs no query. A page in one, and an alias or a page
    below one (whose restrictions are the original's, wherever that is), is
    asked of Wagtail as before.
    """

    def get_view_restrictions(self):
        from wagtail.models import PageViewRestriction

        under_an_alias = any(self.path.startswith(path) for path in _alias_paths())
        if not under_an_alias and is_public(self):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
