import psycopg
from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.crypto import get_random_string

# /healthz answers within about this many seconds, whatever the database does:
# a load balancer's probe times out soon after.
HEALTH_CHECK_SECONDS = 2


class HealthCheckMiddleware:
    """
    Answers /healthz for load balancers before any other middleware runs:
    a balancer asks by IP address over plain HTTP, which ALLOWED_HOSTS and
    the HTTPS redirect would otherwise turn away.

    200 "ok" when the database answers, 503 when it does not, so the
    balancer stops sending visitors to a server that cannot serve them. A
    second line says whether the cache answers: without it the site still
    serves every page (uncached), so it is reported, not failed.
    """

    path = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != self.path:
            return self.get_response(request)
        problem = database_problem()
        cache_line = "cache: ok" if cache_answers() else "cache: unavailable, serving pages uncached"
        if problem:
            response = HttpResponse(
                f"database unavailable: {problem}\n{cache_line}\n", status=503, content_type="text/plain"
            )
        else:
            response = HttpResponse(f"ok\n{cache_line}\n", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


def database_problem():
    """
    None if the database answers, else the kind of error. On PostgreSQL the
    question goes on a connection of its own with a short budget for
    connecting, for the network and for the query: the site's kept
    connection, asked across a network that has gone silent, would wait
    minutes for TCP to give up.
    """
    if connection.vendor != "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
            return error.__class__.__name__
        return None

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
    except Exception as error:  # noqa: BLE001
        return error.__class__.__name__
    return None


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
        "script-src": ["'unsafe-inline'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["blob:"],
    }
    # The preview panel frames the page being edited.
    admin_replacements = {"frame-src": [SELF]}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(self.admin_prefix):
            parts.update = {**self.admin_additions, **(parts.update or {})}
            parts.replace = {**self.admin_replacements, **(parts.replace or {})}
        return parts
