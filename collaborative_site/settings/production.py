"""
Production: everything from the environment, and a refusal to start without
the two settings that must never fall back to a default.
"""

import contextlib

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_int, tasks_setting

DEBUG = False

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production needs a long random secret key; "
        "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. List the site's host names, separated by commas, "
        "for example: ALLOWED_HOSTS=www.example.org,example.org"
    )
if "SITE_URL" not in os.environ:  # noqa: F405
    raise ImproperlyConfigured(
        "SITE_URL is not set. Set it to the site's public address, for example "
        "SITE_URL=https://www.example.org: every link in e-mails, the sitemap, feeds and "
        "calendar files is made from it."
    )

# Hashed, compressed file names: browsers may cache them for ever, and a new
# release can never be served a stale stylesheet.
STORAGES["staticfiles"]["BACKEND"] = "collaborative_site.storage.StaticFilesStorage"  # noqa: F405

# Pages, feeds and calendars go compressed to browsers that accept gzip:
# about a quarter of their size, for a tenth of a millisecond of compression.
# Inside whitenoise, which serves static files compressed already, and the
# security headers' middleware, which read no body; outside the page cache,
# which keeps pages uncompressed (its key does not vary by Accept-Encoding)
# and everything else that reads or writes a response's body, as Django's
# documentation asks.
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "collaborative_site.middleware.TextGZipMiddleware",
)

# Background work leaves the request: queued in the database for the
# worker processes (docs/deployment.md, "The worker").
TASKS = tasks_setting("database")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
# The site's own host name and anything under it: HTTPS only.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading writes the domain into browsers' built-in lists, which takes
    # months to undo: it is the domain owner's decision, made by setting
    # SECURE_HSTS_PRELOAD, not a default. Django warns until it is made.
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405

# Behind a load balancer that terminates TLS, Django only knows the request
# was secure from the proxy's header; trusting it is opt-in because a server
# reached directly would let any client claim HTTPS.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

with contextlib.suppress(ImportError):
    from .local import *  # noqa: F403
