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
