from datetime import UTC, datetime, timedelta

import psycopg
from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone
from django.utils.crypto import get_random_string

# /healthz answers within about this many seconds, whatever the database does:
# a load balancer's probe times out soon after.
HEALTH_CHECK_SECONDS = 2
# A task due longer than this has not been taken by any worker: none is
# running, or they cannot keep up.
TASKS_WAITING_TOO_LONG = timedelta(minutes=5)


class HealthCheckMiddleware:
    """
    Answers /healthz for load balancers before any other middleware runs:
    a balancer asks by IP address over plain HTTP, which ALLOWED_HOSTS and
    the HTTPS redirect would otherwise turn away.

    200 "ok" when the database answers, 503 when it does not, so the
    balancer stops sending visitors to a server that cannot serve them. A
    second line says whether the cache answers: without it the site still
    serves every page (uncached), so it is reported, not failed. A third
    says whether background tasks are being run: with no worker running,
    bookings are still taken but their e-mails wait, which an operator must
    hear of, but which is no reason to take the server out of service.
    """

    path = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != self.path:
            return self.get_response(request)
        problem, waiting = database_problem()
        cache_line = "cache: ok" if cache_answers() else "cache: unavailable, serving pages uncached"
        if problem:
            response = HttpResponse(
                f"database unavailable: {problem}\n{cache_line}\n", status=503, content_type="text/plain"
            )
        else:
            response = HttpResponse(f"ok\n{cache_line}\n{tasks_line(waiting)}\n", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


def database_problem():
    """
    (None, the background tasks waiting) if the database answers, else (the
    kind of error, None). On PostgreSQL the questions go on a connection of
    its own with a short budget for connecting, for the network and for the
    queries: the site's kept connection, asked across a network that has
    gone silent, would wait minutes for TCP to give up.
    """
    if connection.vendor != "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
            return error.__class__.__name__, None
        with connection.cursor() as cursor:
            return None, tasks_waiting(cursor)

    budget_ms = HEALTH_CHECK_SECONDS * 1000
    params = connection.get_connection_params()
    params.update(
        connect_timeout=HEALTH_CHECK_SECONDS,
        tcp_user_timeout=budget_ms,
        options=f"{params.get('options', '')} -c statement_timeout={budget_ms}".strip(),
    )
    try:
        with psycopg.connect(**params) as probe:
            probe.execute("SELECT 1").fetchone()
            with probe.cursor() as cursor:
                return None, tasks_waiting(cursor)
    except Exception as error:  # noqa: BLE001
        return error.__class__.__name__, None


def tasks_waiting(cursor):
    """
    (How many tasks are due and waiting for a worker, when the oldest was
    queued), or None when tasks are not queued in the database (settings:
    TASKS_BACKEND=immediate runs each in the request that queues it).
    """
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return None
    try:
        return _tasks_waiting(cursor)
    except Exception as error:  # noqa: BLE001 - the database answers: this is no reason to fail the probe
        return error.__class__.__name__


def _tasks_waiting(cursor):
    from django_tasks_db.models import DBTaskResult, get_date_max

    due = (
        # DBTaskResult.objects.ready(), with the status as plain text: the
        # raw cursor below cannot bind the library's enum.
        DBTaskResult.objects.filter(status="READY")
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=timezone.now()))
        .values("status")
        .annotate(count=Count("id"), oldest=Min("enqueued_at"))
        .values("count", "oldest")
    )
    # Asked on the cursor given: on PostgreSQL the probe's, within its budget.
    sql, params = due.query.sql_with_params()
    cursor.execute(sql, params)
    row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, None)


def tasks_line(waiting):
    if waiting is None:
        return "tasks: run at once in each request"
    if isinstance(waiting, str):
        return f"tasks: could not be counted ({waiting})"
    count, oldest = waiting
    if not count:
        return "tasks: ok"
    if isinstance(oldest, str):
        # SQLite gives the time as text.
        oldest = datetime.fromisoformat(oldest)
    if timezone.is_naive(oldest):
        oldest = timezone.make_aware(oldest, UTC)
    minutes = int((timezone.now() - oldest).total_seconds() // 60)
    if timezone.now() - oldest < TASKS_WAITING_TOO_LONG:
        return f"tasks: ok ({count} waiting)"
    return f"tasks: {count} waiting, the oldest for {minutes} minutes: is the worker (manage.py db_worker) running?"


def cache_answers():
    """Whether the cache keeps and gives back a value (TolerantRedisCache turns failures into misses)."""
    try:
        token = get_random_string(12)
        cache.set("healthz", token, 10)
        return cache.get("healthz") == token
    except Exception:  # noqa: BLE001
        return False


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """
    django-csp's middleware, with the admin's policy relaxed: Wagtail's
    admin (and the previews it frames) needs inline scripts and styles, and
    blob: images for uploads. Public pages keep the strict policy in
    settings.CONTENT_SECURITY_POLICY.
    """

    admin_prefix = "/admin/"
    admin_additions = {
        "style-src": ["'unsafe-inline'"],
        "img-src": ["blob:"],
    }
    admin_replacements = {
        # Without the public pages' hash of enhance.js: beside a hash,
        # browsers ignore 'unsafe-inline' (which allows enhance.js too).
        "script-src": [SELF, "'unsafe-inline'"],
        # The preview panel frames the page being edited.
        "frame-src": [SELF],
    }

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(self.admin_prefix):
            parts.update = {**self.admin_additions, **(parts.update or {})}
            parts.replace = {**self.admin_replacements, **(parts.replace or {})}
        return parts


# Types worth compressing: text. Images, PDFs and office documents are
# compressed already, and would only cost time.
COMPRESSED_TYPES = {"application/javascript", "application/json", "application/xml", "image/svg+xml"}


class TextGZipMiddleware(GZipMiddleware):
    """
    Django's GZipMiddleware for text responses alone: pages, feeds, calendars,
    sitemaps, CSV exports (production settings). Static files never reach it:
    whitenoise, outside it, serves their own compressed copies.

    BREACH (guessing a secret on a page from the compressed size of pages
    that also reflect the attacker's text) is answered by Django itself: the
    CSRF token is masked afresh in every response, and GZipMiddleware pads
    each response with up to 100 random bytes ("Heal the BREACH"). The
    session cookie is SameSite=Lax, so another site cannot have a signed-in
    editor's browser fetch admin pages for it to measure.
    """

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        is_text = (
            content_type.startswith("text/")
            or content_type in COMPRESSED_TYPES
            or content_type.endswith(("+xml", "+json"))
        )
        if not is_text:
            return response
        return super().process_response(request, response)
