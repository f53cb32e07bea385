from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.db import connection
from django.http import HttpResponse


class HealthCheckMiddleware:
    """
    Answers /healthz for load balancers before any other middleware runs:
    a balancer asks by IP address over plain HTTP, which ALLOWED_HOSTS and
    the HTTPS redirect would otherwise turn away.

    200 "ok" when the database answers, 503 when it does not, so the
    balancer stops sending visitors to a server that cannot serve them.
    """

    path = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != self.path:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
            response = HttpResponse(
                f"database unavailable: {error.__class__.__name__}\n", status=503, content_type="text/plain"
            )
        else:
            response = HttpResponse("ok\n", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response


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
