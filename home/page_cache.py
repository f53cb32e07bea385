"""
The page cache: public pages rendered once and served from the cache to
anonymous visitors, for PAGE_CACHE_SECONDS (settings; 0 turns it off).

It is on only with a cache every process shares (settings.SHARED_CACHE:
Redis, with REDIS_URL). A change clears the cache of the process that makes
it; without a shared cache, the other gunicorn workers, and the site while
a shell or a cron job changes it, keep their own copies. So without one,
PAGE_CACHE_SECONDS defaults to 0, remembered() keeps nothing beyond the
request, and if an operator sets PAGE_CACHE_SECONDS anyway `manage.py check`
warns that a page made private may be served publicly for that long
(home/checks.py).

What is never shared between visitors:
- anything a signed-in person (an editor, with a session cookie) asks for or sees;
- any response that sets a cookie or carries a CSRF token
  (Django's CSRF middleware marks those; the booking form is one), or says
  it is private or must not be stored;
- anything but a 200 answer to a GET or HEAD, the admin, bookings and search.

Invalidation is by generation: every cached page is stored with the
generation current when its request began, and is served only while that is
still the generation. Any change a page could show (a page published,
unpublished, moved, deleted or made private; a booking, which changes places
left; a venue, contact, document, image or site setting) starts a new
generation at once and again when its transaction commits, so a request that
rendered the old content in between stored it with a generation already
gone.

If the cache cannot be reached when a change asks for a new generation (a
Redis outage, however short), the change goes ahead and the cache fails
closed: "Could not clear the page cache" is logged as an error and the
clearing owed is recorded in the database (home.models.PageCacheClear, in
the change's own transaction, or just after it commits), where every app
server sees it. While one is owed, nothing stored in the cache is served,
whole pages or remembered parts: a page made private while Redis blinked is
never shown from a copy cached while it was public. The first request that
reaches the cache again starts a new generation and deletes the clearings
it saw; pages are then cached as before.

A hit costs one round trip to the cache (the generation and the page are
read together) and one small query on an indexed column: whether a clearing
is owed. A request asks that at most once, however many cached parts it
reads, and only when the cache has something to serve it.
"""

import functools
import logging
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete
from django.http import HttpResponse
from django.utils import timezone
from wagtail.models.pages import COMMENTS_RELATION_NAME

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
# Paths whose answers depend on the visitor or change with every request.
NEVER_CACHED_PREFIXES = ("/admin/", "/bookings/", "/search/", "/documents/", "/healthz", "/static/", "/media/")
# A visitor whose browser sends one of these may see something personal.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
HIT_HEADER = "X-Page-Cache"
# What Wagtail saves on a page when an editor saves a draft, locks it or its
# workflow moves on: nothing a visitor sees.
DRAFT_BOOKKEEPING_FIELDS = {
    COMMENTS_RELATION_NAME,
    "draft_title",
    "has_unpublished_changes",
    "latest_revision",
    "latest_revision_created_at",
    "locked",
    "locked_at",
    "locked_by",
}


# What the request being answered has already asked the database, so that
# it asks only once however many cached parts it reads (set by
# PageCacheMiddleware for every request; None outside a request).
_asked = ContextVar("page_cache_asked", default=None)


def once_per_request(name, ask):
    """What ask() returns, asked once in the request being answered (every time outside a request)."""
    asked = _asked.get()
    if asked is None:
        return ask()
    if name not in asked:
        asked[name] = ask()
    return asked[name]


def _fresh_generation():
    # A new namespace rather than 0: if the counter was evicted, pages
    # stored under earlier numbers must not come back.
    return int(timezone.now().timestamp() * 1_000_000)


def current_generation():
    """The generation now (None if the cache cannot be reached)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _new_generation():
    """Start a new generation and return it; None if the cache could not be reached."""
    try:
        return cache.incr(GENERATION_KEY)
    except ValueError:
        # No counter (never made, or evicted); TolerantRedisCache also says
        # this when Redis cannot be reached.
        pass
    except Exception:  # noqa: BLE001 - a cache outage must not fail the change that caused this
        logger.warning("Could not start a new page cache generation", exc_info=True)
        return None
    try:
        generation = _fresh_generation()
        if cache.add(GENERATION_KEY, generation, timeout=None):
            return generation
        # Not added: another request made the counter meanwhile, or the
        # cache cannot be reached. Only counting on tells which.
        return cache.incr(GENERATION_KEY)
    except Exception:  # noqa: BLE001
        return None


def _owe_a_clearing():
    """Record in the database that the cache must be cleared; True if recorded."""
    from home.models import PageCacheClear

    try:
        # A savepoint: if even this fails, the change's own transaction carries on.
        with transaction.atomic():
            owed = PageCacheClear.objects.create()
    except Exception:  # noqa: BLE001
        logger.exception(
            "Could not record the page cache clearing owed: pages cached before the change may be served "
            "for up to PAGE_CACHE_SECONDS"
        )
        return False
    asked = _asked.get()
    if asked is not None:
        # This request, which made the change, must not serve what it read before either.
        asked["clearing-owed"] = owed.pk
    return True


def _clearing_owed():
    """The newest clearing owed (its id), or 0 if none."""
    from home.models import PageCacheClear

    return once_per_request(
        "clearing-owed", lambda: PageCacheClear.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )


def _clear_as_owed(owed):
    """
    Make the clearing owed (up to id `owed`) now that the cache answers:
    return the new generation, or None if it still cannot be made.
    """
    from home.models import PageCacheClear

    generation = _new_generation()
    if generation is None:
        return None
    # Only those seen: one recorded since is made by the next request.
    PageCacheClear.objects.filter(pk__lte=owed).delete()
    asked = _asked.get()
    if asked is not None:
        asked["clearing-owed"] = 0
    logger.warning("Cleared the page cache, as owed since it could not be reached")
    return generation


def _read(key):
    """
    The generation now, and what is kept under key if it was stored in this
    generation and may be served (else None): one round trip to the cache,
    and, when something is there to serve, whether a clearing is owed.
    """
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        return current_generation(), None
    stored = found.get(key)
    if stored is None or stored[0] != generation:
        return generation, None
    owed = _clearing_owed()
    if owed:
        # Whether or not it can be cleared now, what was stored is not served.
        return _clear_as_owed(owed) or generation, None
    return generation, stored[1]


def remembered(name, build, seconds):
    """
    What build() returns, kept in the cache until the next change a page
    could show (the same generations as whole pages). Built afresh, and not
    kept, if the cache fails; built afresh while a clearing of the cache is
    owed. Without a shared cache (settings.SHARED_CACHE), kept only for the
    request being answered.
    """
    if not settings.SHARED_CACHE:
        # Another process's change could not clear this process's copy.
        return once_per_request(f"remembered:{name}", build)
    key = f"page-cache:part:{name}"
    try:
        generation, value = _read(key)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unavailable: building %s afresh", name, exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, (generation, value), seconds)
        except Exception:  # noqa: BLE001
            logger.warning("Could not keep %s in the cache", name, exc_info=True)
    return value


def forget_cached_pages():
    """
    Start a new generation now, and again once the current transaction
    commits: a request that rendered the old content between the two, before
    the change was visible to it, stored it under a generation nobody asks for.
    If the cache cannot be reached, the clearing is owed (see the top).
    """
    owed = False

    def bump():
        nonlocal owed
        asked = _asked.get()
        if asked is not None:
            # What this request read before the change is out of date too.
            asked.clear()
        if _new_generation() is not None:
            return
        logger.error(
            "Could not clear the page cache: it cannot be reached. Nothing cached before this change will "
            "be served; the first request that reaches the cache again clears it"
        )
        # Once per change: a clearing recorded in its transaction is seen when it commits.
        owed = owed or _owe_a_clearing()

    bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump)


def forget_cached_pages_on_change(sender, **kwargs):
    """Receiver for Wagtail's page signals: published, unpublished, moved."""
    forget_cached_pages()


def forget_cached_pages_if_shown(sender, signal, **kwargs):
    """
    Receiver for every model's post_save and post_delete: forget pages when
    the model is one public pages show. A page counts when deleted or saved
    whole (created, published, changed in code), not when Wagtail only
    records a draft, a lock or a revision on it.
    """
    from wagtail.models import Page

    if issubclass(sender, Page):
        update_fields = kwargs.get("update_fields")
        if signal is post_delete or update_fields is None or not set(update_fields) <= DRAFT_BOOKKEEPING_FIELDS:
            forget_cached_pages()
    elif sender in _models_pages_show():
        forget_cached_pages()


@functools.cache
def _models_pages_show():
    from django.apps import apps
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction, Site

    from events.models import BookingEmail
    from home.models import PageCacheClear

    own = [model for label in ("home", "events", "reports") for model in apps.get_app_config(label).get_models()]
    wagtails = [
        Site,
        Redirect,
        get_document_model(),
        get_image_model(),
        Collection,
        # A page or collection made private must stop being served to all.
        PageViewRestriction,
        CollectionViewRestriction,
    ]
    # A record of an e-mail sent changes nothing a visitor sees; a clearing
    # owed is itself the page cache's own record.
    return frozenset(own + wagtails) - {BookingEmail, PageCacheClear}


def _is_cacheable_request(request):
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path_info.startswith(NEVER_CACHED_PREFIXES):
        return False
    return not any(name in request.COOKIES for name in PERSONAL_COOKIES)


def _is_cacheable_response(request, response):
    if response.status_code != 200 or response.streaming:
        return False
    # Vary: Cookie alone is no reason to refuse: any page that looks at
    # request.user gets it, and only visitors without a session reach here.
    if response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control and "no-cache" not in cache_control


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _asked.set({})
        try:
            return self._answer(request)
        finally:
            _asked.reset(token)

    def _answer(self, request):
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
        if not seconds or not _is_cacheable_request(request):
            return self.get_response(request)

        key = f"page-cache:page:{request.get_host()}:{request.get_full_path()}"
        try:
            generation, stored = _read(key)
        except Exception:  # noqa: BLE001 - without the cache, pages are simply rendered
            logger.warning("Page cache unavailable: rendering the page", exc_info=True)
            return self.get_response(request)

        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status, headers=headers)
            response[HIT_HEADER] = "hit"
            return response

        response = self.get_response(request)
        if request.method == "GET" and _is_cacheable_response(request, response):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            response[HIT_HEADER] = "miss"
            # Plain values rather than the response object: quicker to read
            # back, and nothing of the request that rendered it comes along.
            stored = (response.status_code, dict(response.items()), response.content)
            try:
                cache.set(key, (generation, stored), seconds)
            except Exception:  # noqa: BLE001
                logger.warning("Could not store a page in the page cache", exc_info=True)
        return response
