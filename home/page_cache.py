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

Invalidation is by generation: a number kept in the cache, moved on by a
change. Every cached page is stored with the generations of what it depends
on, as they were when its request began, and is served only while all of
them are still current; they are read in the same round trip as the page.
A change moves on only what it touches, so during a booking rush the rest
of the site is still served from the cache:

- Everything: the one generation every page and remembered part depends on.
  Moved on by any change to who may see what, or to what every page shows: a
  page unpublished, moved, deleted or given a new slug (its address changes
  wherever it is linked); a site root, or a page directly under one (the
  menu, every page's breadcrumbs), or a page the footer links to, published;
  a page or collection made private or public; a site, redirect, setting,
  venue, contact, document or image; and any other model of the site's
  apps that is not declared below.
- An address ("tree:/news-and-events/"): the page at that address with any
  query string (?page=2, filters), the files beside it (calendar.ics,
  feed.xml) and every page below it, whose breadcrumbs and title name it.
  A request depends on its own address and each address above it, read from
  its path, so nothing needs declaring. Publishing a page (or changing its
  inline parts: documents, related links, tags) moves its address on.
- A page type ("pages:events.newspage"): a page that lists or links pages of
  a type (a listing, the home page's latest news, related links, the feed)
  says so while it is rendered, shows(NewsPage); publishing any page of that
  type (or of a type below it: shows(Page) is every publish) moves it on. So
  publishing a news item refreshes the item, News and events, the home page,
  the feed and pages that link to news items, and leaves the reports and
  the about page cached.
- A scope an app registers (register_scope) and depends on
  (depends_on): "workshop-places", which every listing that shows places
  left depends on. A booking or cancellation moves that and the workshop's
  address on (events/apps.py): the workshop's page and booking form, News
  and events and the home page are refreshed with the new places, nothing
  else.

Apps say which of their models' changes touch less than everything
(forget_only, for bookings) and which touch nothing a visitor sees
(never_shown, for the record of an e-mail sent), in their ready(): home
imports no other app.

Each change moves its generations on at once and again when its transaction
commits, so a request that rendered the old content in between stored it
with a generation already gone. A generation missing from the cache (never
made, or evicted) is made afresh from the clock, never an earlier number: a
page stored under an evicted generation is not served again, and a page is
stored only under generations that were there when its request began or
that it made itself, while no change had made them.

If the cache cannot be reached when a change asks for a new generation (a
Redis outage, however short), the change goes ahead and the cache fails
closed: "Could not clear the page cache" is logged as an error and a
clearing of everything is owed, recorded in the database
(home.models.PageCacheClear, in the change's own transaction, or just after
it commits), where every app server sees it. A booking's narrower clearing
that cannot be made is owed as a clearing of everything too. While one is
owed, nothing stored in the cache is served, whole pages or remembered
parts: a page made private while Redis blinked is never shown from a copy
cached while it was public. The first request that reaches the cache again
starts a new generation and deletes the clearings it saw; pages are then
cached as before.

A hit costs one round trip to the cache (the generations and the page are
read together: some fifteen small keys) and one small query on an indexed
column: whether a clearing is owed. A request asks that at most once,
however many cached parts it reads, and only when the cache has something
to serve it.

Remembered parts (remembered(): the framework's look-ups every request
makes, such as the Site, its settings, the page an address names, the menu)
are kept in two tiers: the shared cache, and each process's memory beside
the generation they were read under. A request reads the generation once
(with the page, when the page cache is on), and then every part still held
under it costs no round trip at all: on a page rendered afresh, a round trip
per part cost more than several of the look-ups it saved. The memory tier
follows the same generation, and the same clearing owed, as the shared one,
so a change in any process reaches every process's next request.

A part remembered with scopes (a page's blocks, a list of cards, a report's
links: remembered(scopes=...), {% remembered_part %}) is kept in the shared
cache only, and depends on what its build says while it runs as a page
does (shows(), depends_on()), read with it in the same round trip; and on
the clock: what is rendered says when it changes by the clock alone
(changes_at(): booking opens or closes, a workshop starts, a new day makes
an upcoming workshop a past one), and neither a part nor a whole page is
served from then on. A part tells the page around it what it depends on
whether it was built or read, so a cached page holding it is forgotten
with it. A look-up that says what it depends on must say so every time it
is read, not only when it first runs (reports.models.ReportPage.public_workshop):
a second part reading a value the first one computed would otherwise not
know.
"""

import functools
import logging
import pickle
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import post_delete
from django.http import HttpResponse
from django.utils import timezone
from wagtail.models.pages import COMMENTS_RELATION_NAME

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
SCOPE_KEY_PREFIX = "page-cache:scope:"
ADDRESS_SCOPE = "tree:"
PAGE_TYPE_SCOPE = "pages:"
# An address's generation is kept a day after it was made, then made afresh
# (the pages stored under it are rendered once more), so that the addresses
# of pages since moved or deleted do not stay in the cache for ever.
ADDRESS_SCOPE_SECONDS = 24 * 60 * 60
# A request depends on each address above its own, a key each: a path of
# more parts than any page of the site is rendered, never cached.
MAX_ADDRESS_PARTS = 10
# Paths whose answers depend on the visitor or change with every request.
NEVER_CACHED_PREFIXES = (
    "/admin/",
    "/bookings/",
    "/certificates/",
    "/search/",
    "/documents/",
    "/healthz",
    "/static/",
    "/media/",
)
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
# The scopes the page being rendered has said it depends on (set by
# PageCacheMiddleware while it renders a page it may keep, and by
# remembered() while it builds a part with scopes; None otherwise).
_depends_on = ContextVar("page_cache_depends_on", default=None)
# The first moment at which what is being rendered changes by the clock
# alone (changes_at), as a one-item list; set beside _depends_on.
_changes_at = ContextVar("page_cache_changes_at", default=None)

# The memory tier of remembered(): key -> (generation, the value pickled).
# Kept pickled so that no request can change what the next one is given.
_in_process = {}
# Parts are few (one per site, per page address at most); past this the
# tier starts again empty rather than grow with addresses nobody reuses.
IN_PROCESS_LIMIT = 2000

# Declared by the apps, in their ready().
_registered_scopes = set()
_forget_only = {}
_never_shown = set()


def once_per_request(name, ask):
    """What ask() returns, asked once in the request being answered (every time outside a request)."""
    asked = _asked.get()
    if asked is None:
        return ask()
    if name not in asked:
        asked[name] = ask()
    return asked[name]


# Scopes: what an app declares -----------------------------------------------


def register_scope(name):
    """A scope of the app's own that pages may depend on (depends_on) and changes move on (forget_only)."""
    _registered_scopes.add(name)
    _shared_scopes.cache_clear()
    return name


def depends_on(*names):
    """Say that the page being rendered shows what these registered scopes cover."""
    unknown = set(names) - set(_shared_scopes())
    if unknown:
        raise ValueError(f"Not a page cache scope: {', '.join(sorted(unknown))} (see register_scope)")
    declared = _depends_on.get()
    if declared is not None:
        declared.update(names)


def shows(*page_types):
    """
    Say that the page being rendered lists or links pages of these types
    (models, or "app_label.ModelName"), whether or not it shows any now:
    publishing one of them refreshes it.
    """
    depends_on(*(page_type_scope(page_type) for page_type in page_types))


def changes_at(moment):
    """
    Say that what the page being rendered shows changes at this moment by
    the clock alone (booking opens or closes, a workshop starts, a new day
    makes an upcoming workshop a past one): a copy kept before it is not
    served from then on. None says nothing.
    """
    until = _changes_at.get()
    if until is not None and moment is not None and (until[0] is None or moment < until[0]):
        until[0] = moment


def changes_tomorrow():
    """Say that what is being rendered depends on today's date (upcoming and past): it changes at local midnight."""
    changes_at(timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1))


def page_type_scope(page_type):
    model = apps.get_model(page_type) if isinstance(page_type, str) else page_type
    return f"{PAGE_TYPE_SCOPE}{model._meta.label_lower}"


def forget_only(model, scopes_changed):
    """
    A change to `model` changes only what scopes_changed(instance) names
    (registered scopes and address_scopes()), not everything.
    """
    _forget_only[model] = scopes_changed


def never_shown(model):
    """A change to `model` changes nothing a visitor sees: it clears nothing."""
    _never_shown.add(model)


def address_scopes(page, site_root_paths=None):
    """
    The scope of the page's own address on each site it is in: it, what is
    beside it and what is below it. site_root_paths: Wagtail's, if already
    read (a request keeps them).
    """
    from wagtail.models import Site

    scopes = []
    for root in site_root_paths if site_root_paths is not None else Site.get_site_root_paths():
        if page.url_path.startswith(root.root_path):
            # Too deep to be cached, it has no scope of its own.
            scopes += (_address_scopes(page.url_path[len(root.root_path) - 1 :]) or [])[-1:]
    return scopes


@functools.cache
def _shared_scopes():
    """Every scope that is not an address: page types and registered scopes, read for every request."""
    from wagtail.models import get_page_models

    return (*sorted(page_type_scope(model) for model in get_page_models()), *sorted(_registered_scopes))


def _address_scopes(path):
    """
    The address scopes a request for path depends on: "/", then each part of
    the path in turn, as Wagtail routes it (empty parts ignored); None if the
    path has too many parts to be cached.
    """
    parts = [part for part in path.split("/") if part]
    if len(parts) > MAX_ADDRESS_PARTS:
        return None
    return [f"{ADDRESS_SCOPE}/"] + [f"{ADDRESS_SCOPE}/{'/'.join(parts[:count])}/" for count in range(1, len(parts) + 1)]


def _scope_key(name):
    return f"{SCOPE_KEY_PREFIX}{name}"


def _scope_timeout(name):
    return ADDRESS_SCOPE_SECONDS if name.startswith(ADDRESS_SCOPE) else None


# Generations ------------------------------------------------------------------


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


def _generation_for_request():
    """The generation, read once in the request being answered (or noted by the page cache's own read)."""
    return once_per_request("generation", current_generation)


def _note_generation(generation):
    """Remember the generation just read, so that the request's remembered parts need not read it again."""
    asked = _asked.get()
    if asked is not None and generation is not None:
        asked["generation"] = generation


def _new_generation(key=GENERATION_KEY, timeout=None):
    """Start a new generation under key and return it; None if the cache could not be reached."""
    try:
        return cache.incr(key)
    except ValueError:
        # No counter (never made, or evicted); TolerantRedisCache also says
        # this when Redis cannot be reached.
        pass
    except Exception:  # noqa: BLE001 - a cache outage must not fail the change that caused this
        logger.warning("Could not start a new page cache generation", exc_info=True)
        return None
    try:
        generation = _fresh_generation()
        if cache.add(key, generation, timeout=timeout):
            return generation
        # Not added: another request made the counter meanwhile, or the
        # cache cannot be reached. Only counting on tells which.
        return cache.incr(key)
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
        asked["generation"] = generation
    logger.warning("Cleared the page cache, as owed since it could not be reached")
    return generation


# Reading and keeping ----------------------------------------------------------


def _is_current(stored, generation, scopes_now):
    """Whether what is stored was kept in this generation, and every scope it depends on is where it was."""
    if not isinstance(stored, tuple) or len(stored) != 3:
        return False
    stored_generation, dependencies, _ = stored
    return stored_generation == generation and all(
        scopes_now.get(name) == value for name, value in dependencies.items()
    )


def _read(key, scope_names=()):
    """
    The generation now, the scopes' generations now (None for one missing),
    and what is kept under key if it is current and may be served (else
    None): one round trip to the cache, and, when something is there to
    serve, whether a clearing is owed.
    """
    scope_keys = {name: _scope_key(name) for name in scope_names}
    found = cache.get_many([GENERATION_KEY, *scope_keys.values(), key])
    scopes_now = {name: found.get(scope_key) for name, scope_key in scope_keys.items()}
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = current_generation()
        _note_generation(generation)
        return generation, scopes_now, None
    _note_generation(generation)
    stored = found.get(key)
    if not _is_current(stored, generation, scopes_now):
        return generation, scopes_now, None
    owed = _clearing_owed()
    if owed:
        # Whether or not it can be cleared now, what was stored is not served.
        return _clear_as_owed(owed) or generation, scopes_now, None
    return generation, scopes_now, stored[2]


def _dependencies(names, scopes_now):
    """
    The generations to keep a page or part under: each scope's as its
    request began. A scope that had none then is given one now (and the
    request remembers it made it: a page and the parts it remembers share
    them), unless a change made one meanwhile (then None: it may be out of
    date, and is not kept).
    """
    asked = _asked.get()
    made = asked.setdefault("made-scopes", {}) if asked is not None else {}
    dependencies = {}
    for name in names:
        generation = scopes_now.get(name) or made.get(name)
        if generation is None:
            generation = _fresh_generation()
            if not cache.add(_scope_key(name), generation, timeout=_scope_timeout(name)):
                return None
            made[name] = generation
        dependencies[name] = generation
    return dependencies


def remembered(name, build, seconds, scopes=()):
    """
    What build() returns, kept until the next change to everything (the
    generation whole pages have too): in this process's memory and in the
    shared cache, for every process.

    With scopes (registered scopes, page_type_scope(), address_scopes()),
    kept in the shared cache only, and forgotten as a whole page would be:
    when any of these scopes moves on, or any scope build() says it depends
    on while it runs (shows(), depends_on(): a list of workshops built
    inside depends on workshops being published and on places left), and at
    the first moment build() says it changes by the clock (changes_at()).
    Whether built or read, the part passes what it depends on to the page
    it is part of, so that a cached page holding it is forgotten with it.

    Built afresh, and not kept, if the cache fails; built afresh while a
    clearing of the cache is owed. Without a shared cache
    (settings.SHARED_CACHE), kept only for the request being answered. What
    build() returns must pickle (model instances do); None is never kept, so
    that looking up what does not exist keeps nothing.
    """
    if not settings.SHARED_CACHE:
        # Another process's change could not clear this process's copy.
        return once_per_request(f"remembered:{name}", build)
    if scopes:
        return _remembered_with_scopes(f"page-cache:part:{name}", build, seconds, scopes)
    key = f"page-cache:part:{name}"
    try:
        held = _in_process.get(key)
        if held is not None and held[0] == _generation_for_request() and not _clearing_owed():
            return pickle.loads(held[1])  # noqa: S301 (pickled by this process, below)
        generation, scopes_now, value = _read(key)
    except Exception:  # noqa: BLE001
        logger.warning("Cache unavailable: building %s afresh", name, exc_info=True)
        return build()
    if value is None:
        value = build()
        if value is None:
            return None
        try:
            cache.set(key, (generation, {}, value), seconds)
        except Exception:  # noqa: BLE001
            logger.warning("Could not keep %s in the cache", name, exc_info=True)
    _keep_in_process(key, generation, value)
    return value


def _remembered_with_scopes(key, build, seconds, scopes):
    try:
        # Every shared scope is read with the part (a few small keys, one
        # round trip): what build() will say it depends on is known only
        # once it has run.
        generation, scopes_now, stored = _read(key, (*scopes, *_shared_scopes()))
    except Exception:  # noqa: BLE001
        logger.warning("Cache unavailable: building %s afresh", key, exc_info=True)
        return build()
    # (A part kept by an earlier release, in another shape, is built again.)
    # The page around depends on the part's shared scopes too (its address
    # scopes are the page's own, or above it: read from its path).
    shared = {name for name in scopes if not name.startswith(ADDRESS_SCOPE)}
    if isinstance(stored, tuple) and len(stored) == 3:
        value, declared, until = stored
        if until is None or timezone.now() < until:
            _pass_on(shared | declared, until)
            return value
    with _collecting() as (declared, until):
        value = build()
    _pass_on(shared | declared, until[0])
    if value is None:
        return None
    until = until[0]
    if until is not None:
        seconds = min(seconds, (until - timezone.now()).total_seconds())
        if seconds < 1:
            return value
    try:
        dependencies = _dependencies([*scopes, *sorted(declared)], scopes_now)
        if dependencies is not None:
            cache.set(key, (generation, dependencies, (value, frozenset(declared), until)), seconds)
    except Exception:  # noqa: BLE001
        logger.warning("Could not keep %s in the cache", key, exc_info=True)
    return value


@contextmanager
def _collecting():
    """What is rendered inside says what it depends on (shows, depends_on) and when it changes (changes_at) here."""
    declared, until = set(), [None]
    scopes_token, clock_token = _depends_on.set(declared), _changes_at.set(until)
    try:
        yield declared, until
    finally:
        _depends_on.reset(scopes_token)
        _changes_at.reset(clock_token)


def _pass_on(declared, until):
    """Tell the page (or the part) being rendered around a part what the part depends on."""
    around = _depends_on.get()
    if around is not None:
        around.update(declared)
    changes_at(until)


def _keep_in_process(key, generation, value):
    if generation is None:
        return
    if len(_in_process) >= IN_PROCESS_LIMIT:
        _in_process.clear()
    _in_process[key] = (generation, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def forget_in_process():
    """Empty this process's memory tier (tests, whose clock may make a generation twice)."""
    _in_process.clear()


# Forgetting -------------------------------------------------------------------


def forget_cached_pages(scopes=None):
    """
    Start new generations now, and again once the current transaction
    commits: a request that rendered the old content between the two, before
    the change was visible to it, stored it under a generation nobody asks
    for. Of everything by default; of the scopes named if given (registered
    scopes, address_scopes()). If the cache cannot be reached, a clearing of
    everything is owed (see the top).
    """
    owed = False
    keys = None if scopes is None else {_scope_key(name): _scope_timeout(name) for name in scopes}

    def bump():
        nonlocal owed
        if keys is None:
            asked = _asked.get()
            if asked is not None:
                # What this request read before the change is out of date too.
                asked.clear()
            moved_on = _new_generation() is not None
        else:
            moved_on = all(_new_generation(key, timeout) is not None for key, timeout in keys.items())
        if moved_on:
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


def forget_page(page):
    """
    Forget what shows a page that changed: its own address (and what is
    beside and below it) and the pages that list or link pages of its type;
    everything if every page shows it (_shown_on_every_page).
    """
    if _shown_on_every_page(page):
        forget_cached_pages()
        return
    page_class = page.specific_class or type(page)
    page_types = [page_type_scope(model) for model in _page_types(page_class)]
    forget_cached_pages([*address_scopes(page), *page_types])


def _page_types(page_class):
    """The page's type and the page types above it (Page included): a listing of any of them may show it."""
    from wagtail.models import Page

    return [
        model
        for model in page_class.__mro__
        if isinstance(model, type) and issubclass(model, Page) and not model._meta.abstract
    ]


def _shown_on_every_page(page):
    """
    Whether every page shows something of this one: a site's root page, or a
    page directly under it (the menu and breadcrumbs), or a page the footer
    links to (its title is the link's text).
    """
    from wagtail.models import Site

    from home.models import FooterLink, SiteSettings

    below_roots = [
        page.url_path[len(root.root_path) :]
        for root in Site.get_site_root_paths()
        if page.url_path.startswith(root.root_path)
    ]
    if not below_roots:
        return page.depth <= 3
    if any(path.count("/") <= 1 for path in below_roots):
        return True
    # The footer's links and the site settings' contact page (kept with the settings) name it.
    return (
        FooterLink.objects.filter(link_page_id=page.pk).exists()
        or SiteSettings.objects.filter(contact_page_id=page.pk).exists()
    )


def forget_cached_pages_on_change(sender, **kwargs):
    """Receiver for Wagtail's page signals that change addresses or who sees a page: unpublished, moved, new slug."""
    forget_cached_pages()


def forget_published_page(sender, instance, **kwargs):
    """Receiver for Wagtail's page_published."""
    forget_page(instance)


def forget_cached_pages_if_shown(sender, signal, **kwargs):
    """
    Receiver for every model's post_save and post_delete: forget what a
    change to a model public pages show may have changed. A page counts when
    deleted (everything) or saved whole (created, published, changed in
    code: forget_page), not when Wagtail only records a draft, a lock or a
    revision on it; a page's inline part (a related link, a document, a tag)
    counts as its page.
    """
    from wagtail.models import Page

    instance = kwargs["instance"]
    if issubclass(sender, Page):
        update_fields = kwargs.get("update_fields")
        if signal is post_delete or (instance.alias_of_id and kwargs.get("created")):
            # A new alias takes its original's view restrictions below it
            # (home/restrictions.py keeps the aliases' paths with everything).
            forget_cached_pages()
        elif update_fields is None or not set(update_fields) <= DRAFT_BOOKKEEPING_FIELDS:
            forget_page(instance)
        return
    if sender in _never_shown:
        return
    if sender in _forget_only:
        try:
            scopes = _forget_only[sender](instance)
        except ObjectDoesNotExist:
            # What it belonged to is gone (deleted with it): everything, as that deletion clears.
            scopes = None
        forget_cached_pages(scopes)
        return
    if sender in _site_models():
        page = _page_owning(sender, instance)
        if page is not None:
            forget_page(page)
        else:
            forget_cached_pages()
    elif sender in _wagtail_models_pages_show():
        forget_cached_pages()


@functools.cache
def _site_models():
    """The site's own apps' models: each is shown on public pages unless declared otherwise."""
    return frozenset(
        model for label in ("home", "events", "reports", "search") for model in apps.get_app_config(label).get_models()
    )


@functools.cache
def _wagtail_models_pages_show():
    """Wagtail's (and taggit's) models whose changes change what visitors see, or who may see it: always everything."""
    from taggit.models import Tag
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction, Site

    return frozenset(
        [
            Site,
            Redirect,
            get_document_model(),
            get_image_model(),
            Collection,
            # A page or collection made private must stop being served to all.
            PageViewRestriction,
            CollectionViewRestriction,
            # A tag's name is shown on pages and in the topic filters.
            Tag,
        ]
    )


@functools.cache
def _parental_key_to_a_page(model):
    """The ParentalKey that makes one of the site's models an inline part of a page (a related link, a document)."""
    from modelcluster.fields import ParentalKey
    from wagtail.models import Page

    for field in model._meta.get_fields():
        if isinstance(field, ParentalKey) and issubclass(field.related_model, Page):
            return field
    return None


def _page_owning(model, instance):
    """The page an inline part belongs to, or None (not a part, or its page is gone)."""
    field = _parental_key_to_a_page(model)
    if field is None:
        return None
    try:
        return getattr(instance, field.name)
    except ObjectDoesNotExist:
        return None


# Serving ----------------------------------------------------------------------


def _is_cacheable_request(request):
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path_info.startswith(NEVER_CACHED_PREFIXES):
        return False
    return is_anonymous_visitor(request)


def is_anonymous_visitor(request):
    """
    Whether the visitor brings nothing personal: no session (so not signed
    in, and no password typed for a private page or collection) and no
    messages. Only what such a visitor sees may be shared with others.
    """
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
        addresses = _address_scopes(request.path_info)
        if addresses is None:
            return self.get_response(request)

        key = f"page-cache:page:{request.get_host()}:{request.get_full_path()}"
        try:
            generation, scopes_now, stored = _read(key, (*addresses, *_shared_scopes()))
        except Exception:  # noqa: BLE001 - without the cache, pages are simply rendered
            logger.warning("Page cache unavailable: rendering the page", exc_info=True)
            return self.get_response(request)

        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status, headers=headers)
            response[HIT_HEADER] = "hit"
            return response

        # What the page says it shows while it is rendered (templates
        # included), and when it changes by the clock alone.
        with _collecting() as (declared, until):
            response = self.get_response(request)
            if hasattr(response, "render") and callable(response.render):
                response.render()
        if until[0] is not None:
            seconds = min(seconds, int((until[0] - timezone.now()).total_seconds()))
        if (
            generation is not None
            and seconds > 0
            and request.method == "GET"
            and _is_cacheable_response(request, response)
        ):
            response[HIT_HEADER] = "miss"
            # Plain values rather than the response object: quicker to read
            # back, and nothing of the request that rendered it comes along.
            stored = (response.status_code, dict(response.items()), response.content)
            try:
                dependencies = _dependencies([*addresses, *sorted(declared)], scopes_now)
                if dependencies is not None:
                    cache.set(key, (generation, dependencies, stored), seconds)
            except Exception:  # noqa: BLE001
                logger.warning("Could not store a page in the page cache", exc_info=True)
        return response
