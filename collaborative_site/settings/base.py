"""
Settings shared by every environment.

Safe for production as they stand: nothing here turns debugging on or trusts a
default secret. Every secret, host and service address comes from the
environment; README.md lists each variable with its default.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")


INSTALLED_APPS = [
    "home",
    "events",
    "reports",
    "search",
    # backup_and_verify: running the site, not its content.
    "collaborative_site.operations",
    "wagtailnhsukfrontend",
    "csp",
    "storages",
    "wagtail_modeladmin",
    "wagtail.contrib.forms",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    # Django's task framework (the backport Wagtail 8 depends on), and its
    # database backend: background work queued in the site's own database.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "collaborative_site.middleware.HealthCheckMiddleware",
    # Before anything that asks the cache: each request's time for Redis.
    "collaborative_site.cache.RedisBudgetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "collaborative_site.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Serves hashed, compressed static files from every app server without a
    # separate web server in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An ETag on every answer, and "304 Not Modified" to a browser that
    # already holds the same one: outside the page cache, so a page served
    # from it is answered so too, and inside the production gzip (which only
    # weakens the tag). Nothing is sent a browser has not already been sent.
    # No max-age or s-maxage: neither a browser nor a CDN could be told of
    # a change, so a page made private would stay public there.
    "django.middleware.http.ConditionalGetMiddleware",
    # Outside the session and CSRF middleware, so it sees the cookies and
    # Vary headers they add before deciding to keep a page.
    "home.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a refused sign-in into the
    # lockout page (home/sign_in.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collaborative_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "collaborative_site.wsgi.application"


# Database: DATABASE_URL, or a SQLite file beside manage.py so that a newcomer
# needs nothing installed.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A persistent connection buys little on SQLite and keeps the file locked
    # open between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Take the write lock when a transaction starts, and wait for it, so
        # that two concurrent writers queue instead of one failing with
        # "database is locked" half way through.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets visitors read while a booking is being written.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that is slow to answer, or gone, must not hold a worker
    # until gunicorn kills it: connecting gives up after
    # DATABASE_CONNECT_TIMEOUT seconds, and a statement after
    # DATABASE_STATEMENT_TIMEOUT (below gunicorn's 30 s; 0 for none), with
    # an error the site turns into "try again" or its error page.
    DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        # A connection kept between requests whose network goes silent: the
        # statement timeout is the server's, and cannot reach a client that
        # no longer hears it. TCP gives up on a query the server never
        # acknowledged after this long, and keepalives find a silent server
        # while a request waits for its answer (after about 9 seconds).
        "tcp_user_timeout": DATABASE_CONNECT_TIMEOUT * 1000,
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
    }
    DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 25)
    if DATABASE_STATEMENT_TIMEOUT:
        DATABASES["default"]["OPTIONS"]["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: Redis shared by every app server when REDIS_URL is set, otherwise
# memory local to the process. "renditions" remembers where Wagtail's
# resized images are, so a page with images costs no query per image.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The time one request may spend waiting for Redis, all calls together;
# then it goes on without the cache (collaborative_site/cache.py).
REDIS_REQUEST_BUDGET_MS = env_int("REDIS_REQUEST_BUDGET_MS", 500)
if REDIS_URL:
    # Redis that cannot be reached is a miss, not an error page
    # (collaborative_site/cache.py), and is given up on quickly.
    REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    CACHES = {
        "default": {
            "BACKEND": "collaborative_site.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "collaborative",
            "OPTIONS": REDIS_OPTIONS,
        },
        "renditions": {
            "BACKEND": "collaborative_site.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "collaborative-renditions",
            "TIMEOUT": 60 * 60 * 24 * 7,
            "OPTIONS": REDIS_OPTIONS,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "renditions",
            "TIMEOUT": 60 * 60 * 24 * 7,
        },
    }

# Whether every process that serves or changes the site (each gunicorn
# worker, every app server, manage.py and its cron jobs) uses this one
# cache, and so sees every clearing of it. A process's own memory cannot be
# told of a change made in another process, such as a page made private, so
# without a shared cache the site keeps nothing between requests
# (home/page_cache.py). A site configured with another shared cache (in a
# local settings file) sets this to True.
SHARED_CACHE = bool(REDIS_URL)

# Seconds anonymous visitors are served a public page from the cache
# (home/page_cache.py); 0 renders every request. A change clears the pages
# that show it (a booking: its workshop and the listings of places left), in
# every process only with a shared cache: without one it is off unless set,
# and `manage.py check` warns when it is set (home/checks.py).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300 if SHARED_CACHE else 0)


# enhance.js marks <body> for the NHS.UK components' JavaScript styles before
# the page is first drawn, so the menu and error summaries never flash
# unstyled. As a file at the start of <body> it blocked rendering until it
# had arrived; `defer` would run it after the first paint, bringing the flash
# back. So it is inline (base.html, {% enhance_script %}), and the policy
# below allows exactly that text by its hash. Both come from this one read of
# the file, so an edit to it can never leave them disagreeing.
ENHANCE_SCRIPT = (PROJECT_DIR / "static" / "js" / "enhance.js").read_text(encoding="utf-8")
ENHANCE_SCRIPT_HASH = "'sha256-{}'".format(
    base64.b64encode(hashlib.sha256(ENHANCE_SCRIPT.encode("utf-8")).digest()).decode("ascii")
)

# Security headers on every response. Production adds the HTTPS-only ones.
# Public pages run only the site's own script files and enhance.js: no other
# inline script, no eval, nothing from elsewhere. The admin's policy is
# relaxed (collaborative_site/middleware.py) because Wagtail's admin needs
# inline scripts and styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, ENHANCE_SCRIPT_HASH],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        # The NHS.UK stylesheet takes the Frutiger typeface from the NHS's own server.
        "font-src": [SELF, "https://assets.nhs.uk"],
        "connect-src": [SELF],
        "frame-src": [NONE],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    )
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page may be framed by another site; Wagtail's previews frame the site
# in its own admin, which Wagtail allows for those views alone.
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Only staff signing in to the admin have sessions. A sign-in lasts a working
# day (9 hours) rather than Django's two weeks, so that a laptop left open or
# a session cookie copied off a shared NHS computer stops being a way into
# the admin, and its bookings, by the next morning. "Remember me" on the
# sign-in page lasts this long too.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 9 * 60 * 60)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Editors' e-mail addresses are not sent to Gravatar for their avatars.
WAGTAIL_GRAVATAR_PROVIDER_URL = None


AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    # axes' AxesBackend rather than its AxesStandaloneBackend because it can
    # also load a signed-in user, as the first backend must for Wagtail's
    # test helpers (they sign in with it).
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Password guessing (django-axes). After LOGIN_FAILURE_LIMIT wrong passwords
# for one username, that username cannot sign in, even with the right
# password, until LOGIN_COOLOFF_MINUTES have passed since its last failure
# (or an administrator unlocks it: README.md). The failures are counted in
# the database, so every app server sees the same count. They are counted by
# username alone, not by IP address: a whole trust's staff may reach the site
# from one NHS address, and one person's typing must not lock out the
# office. Unknown usernames are counted like real ones, so the lockout never
# tells whether an account exists.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
if AXES_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more.")
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that a lockout without the IP address can be dodged by changing
# browser or cookies; counting by username sums every browser's failures, so
# it cannot, and locking by address would lock out shared NHS addresses.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Tries while locked out are refused but not counted, so the wait the
# lockout page gives is the real one, however often the person tries.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in forgets the username's failures: a mistyped password
# now and then never adds up to a lockout.
AXES_RESET_ON_SUCCESS = True
# No record of successful sign-ins: only the failures are needed to stop
# guessing, and those go once the cool-off is over or the person signs in.
# Wagtail's own history says who changed what.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# The address on a failure record, read as the booking rate limit reads it
# (TRUSTED_PROXY_COUNT), for an administrator looking into an attack.
AXES_CLIENT_IP_CALLABLE = "home.sign_in.attempt_address"
# The admin's sign-in page with a plain message, not axes' bare text.
AXES_LOCKOUT_CALLABLE = "home.sign_in.locked_out_response"
# There is no Django admin to show the records in.
AXES_ENABLE_ADMIN = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


LANGUAGE_CODE = "en-gb"
# The admin in British English only: dates typed there are read day first
# ("1/3/2027" is 1 March), which another language chosen in a user's account
# (American English) would read as 3 January.
WAGTAILADMIN_PERMITTED_LANGUAGES = [("en-gb", "British English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True


# Static files and uploads
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# Documents live apart from the public media, where no web server serves
# them (home.models.CustomDocument): a document in a private collection must
# only ever leave through Wagtail's document view, which checks who asks.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))


def _overlap(first, second):
    first, second = Path(first).resolve(), Path(second).resolve()
    return first == second or first in second.parents or second in first.parents


for _public_name, _public_root in (("MEDIA_ROOT", MEDIA_ROOT), ("STATIC_ROOT", STATIC_ROOT)):
    if _overlap(PRIVATE_MEDIA_ROOT, _public_root):
        raise ImproperlyConfigured(
            f"PRIVATE_MEDIA_ROOT ({PRIVATE_MEDIA_ROOT}) must be outside {_public_name} ({_public_root}) and not "
            f"contain it: web servers serve {_public_name}, and documents in private collections must never be "
            "served from there."
        )

STORAGES = {
    "default": {"BACKEND": "collaborative_site.storage.MediaStorage"},
    "documents": {"BACKEND": "collaborative_site.storage.DocumentStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads on S3-compatible storage (shared by every app server) when a
# bucket is named; otherwise on local disk in MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
# Where images are fetched from when not from the site itself, for the CSP.
MEDIA_ORIGINS = []
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
    # Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in
    # the environment (or the server's role), read by boto3 itself.
    # Objects stay private; image addresses are signed for an hour unless a
    # public custom domain serves them.
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", AWS_S3_CUSTOM_DOMAIN is None)
    AWS_QUERYSTRING_EXPIRE = 60 * 60
    AWS_S3_FILE_OVERWRITE = False
    # Documents: in a bucket of their own, or under private/ in the media
    # bucket, always with a private ACL and no public address. A public
    # domain in front of the media bucket would serve private/ as well, so
    # then they must have their own bucket.
    AWS_PRIVATE_BUCKET_NAME = os.environ.get("AWS_PRIVATE_BUCKET_NAME", "")
    if AWS_S3_CUSTOM_DOMAIN and not AWS_PRIVATE_BUCKET_NAME:
        raise ImproperlyConfigured(
            "AWS_S3_CUSTOM_DOMAIN makes the media bucket public, so documents need a private bucket of their own: "
            "set AWS_PRIVATE_BUCKET_NAME."
        )
    STORAGES["documents"] = {
        "BACKEND": "collaborative_site.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_PRIVATE_BUCKET_NAME or AWS_STORAGE_BUCKET_NAME,
            "location": "" if AWS_PRIVATE_BUCKET_NAME else "private",
            "default_acl": "private",
            "custom_domain": None,
            "querystring_auth": True,
        },
    }
    if AWS_S3_CUSTOM_DOMAIN:
        MEDIA_ORIGINS = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        endpoint = AWS_S3_ENDPOINT_URL.rstrip("/")
        scheme, host = endpoint.split("://", 1)
        # Path-style and virtual-host-style addresses.
        MEDIA_ORIGINS = [endpoint, f"{scheme}://{AWS_STORAGE_BUCKET_NAME}.{host}"]
    else:
        MEDIA_ORIGINS = ["https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += MEDIA_ORIGINS

# Complex page types can exceed Django's default of 1,000 fields per form in
# Wagtail's page editor.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000


# E-mail: SMTP settings from the environment (dev prints to the console).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# A slow mail server must not hold a visitor's booking page for long: the
# booking is already saved, and a failed e-mail is retried later.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)


# Booking (events/booking/).
# Seconds a booking form must be open before it is sent: people take longer, bots do not.
BOOKING_MIN_FILL_SECONDS = env_int("BOOKING_MIN_FILL_SECONDS", 3)
# Booking attempts one client address may make in the window (seconds),
# counted in the cache: with REDIS_URL, across every app server.
BOOKING_RATE_LIMIT_ATTEMPTS = env_int("BOOKING_RATE_LIMIT_ATTEMPTS", 10)
BOOKING_RATE_LIMIT_WINDOW = env_int("BOOKING_RATE_LIMIT_WINDOW", 600)
# How many proxies (load balancer, CDN) stand in front of the app servers and
# append to X-Forwarded-For. 0: the client is the connection's own address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# The passwords of private pages and private document collections
# (home/private_passwords.py): wrong passwords one client address may give
# for one of them in the window (seconds) before even the right one is
# refused until the window ends; counted in the cache, like booking attempts.
PAGE_PASSWORD_ATTEMPTS = env_int("PAGE_PASSWORD_ATTEMPTS", 10)
PAGE_PASSWORD_WINDOW = env_int("PAGE_PASSWORD_WINDOW", 15 * 60)
if PAGE_PASSWORD_ATTEMPTS < 1 or PAGE_PASSWORD_WINDOW < 1:
    raise ImproperlyConfigured("PAGE_PASSWORD_ATTEMPTS and PAGE_PASSWORD_WINDOW must be 1 or more.")
# Days before a workshop that send_booking_reminders reminds confirmed bookers.
BOOKING_REMINDER_DAYS = env_int("BOOKING_REMINDER_DAYS", 2)
# Days after a workshop that purge_bookings erases bookers' personal details.
BOOKING_RETENTION_DAYS = env_int("BOOKING_RETENTION_DAYS", 365)
# Days after a workshop within which send_workshop_follow_ups still sends its
# follow-up e-mail: a workshop older than this is never followed up by the
# schedule (an administrator can still "Send now"), so that deploying the
# follow-ups never e-mails people about workshops long past.
FOLLOW_UP_WITHIN_DAYS = env_int("FOLLOW_UP_WITHIN_DAYS", 14)
if FOLLOW_UP_WITHIN_DAYS < 1:
    raise ImproperlyConfigured("FOLLOW_UP_WITHIN_DAYS must be 1 or more: the follow-up goes the day after a workshop.")


# Background work (booking e-mails, reminders, the retention purge, search
# statistics, Wagtail's search and reference indexes) on Django's task
# framework. "immediate" runs each task in the process that queues it, at
# once: nothing else to run, so `make run` and the tests need no worker.
# "database" queues tasks in the site's own database (django-tasks-db: no
# new server), where `manage.py db_worker` processes run them; the
# production settings' default. Their number bounds the database
# connections and mail-server sessions background work can take at once.
TASKS_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}


def tasks_setting(default):
    chosen = os.environ.get("TASKS_BACKEND", "").strip().lower() or default
    if chosen not in TASKS_BACKENDS:
        raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, not {chosen!r}.")
    return {"default": {"BACKEND": TASKS_BACKENDS[chosen]}}


TASKS = tasks_setting("immediate")


# Logs go to standard output, where every process manager and platform
# collects them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"hide_link_keys": {"()": "collaborative_site.log_filters.HideLinkKeys"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"},
    "loggers": {
        # A 404 or 403 at a booking's own link names its address: without the link's key.
        "django.request": {
            "handlers": ["console"],
            "level": "WARNING",
            "propagate": False,
            "filters": ["hide_link_keys"],
        },
        # One line per background task and per page action is noise here;
        # Wagtail's own history in the admin records who changed what.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
        # django-axes says INFO at every sign-in; its warnings (a failure, a
        # lockout) are what matter, and it masks the username and address.
        "axes": {"level": "WARNING"},
        # fpdf2 subsets the certificates' font with fontTools, which tells
        # every table it keeps or drops at INFO: a screenful per certificate.
        "fontTools": {"level": "WARNING"},
    },
}


# Wagtail
WAGTAIL_SITE_NAME = "National Mental Health Workforce Development Collaborative"


def site_url_setting(default):
    """
    The site's public address (scheme and host, with a port only if it is
    not the scheme's own), as everything outside the site must see it.
    """
    value = os.environ.get("SITE_URL", default).strip().rstrip("/")
    address = urlsplit(value)
    if address.scheme not in ("http", "https") or not address.hostname or address.path or address.query:
        raise ImproperlyConfigured(
            f"SITE_URL must be the site's public address, such as https://www.example.org, not {value!r}."
        )
    if address.scheme == "https" and address.port not in (None, 443):
        # Wagtail's Site record keeps a host and a port, and takes any port
        # but 443 to mean http: the links would all be wrong.
        raise ImproperlyConfigured(f"SITE_URL with https must use the standard port (443), not {address.port}.")
    return value


# The one source of the site's public address: links in e-mails, the
# sitemap and robots.txt, feeds, calendar files, og:url and canonical links
# all come from it, through the default Site record that load_initial_content
# writes it into (`check --deploy` fails while the two disagree). The
# production settings require it.
SITE_URL = site_url_setting("http://127.0.0.1:8000")
# Wagtail's own links that leave the site (moderation e-mails, renditions'
# full addresses) use the same address.
WAGTAILADMIN_BASE_URL = SITE_URL

WAGTAILSEARCH_BACKENDS = {
    "default": {
        # On PostgreSQL this uses its full-text search; on SQLite, FTS5.
        "BACKEND": "wagtail.search.backends.database",
        # English word forms on PostgreSQL whatever the server's default
        # configuration ("plans" finds "planning"), as SQLite's table has
        # (search/migrations/0004_stemming.py, which also rebuilt what was
        # indexed). Changing it again needs `manage.py update_index`.
        "SEARCH_CONFIG": "english",
    }
}

# Reports and papers only: office formats and PDF. No HTML or SVG, which a
# browser would run as part of this site.
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "doc",
    "docx",
    "odp",
    "ods",
    "odt",
    "pdf",
    "ppt",
    "pptx",
    "rtf",
    "txt",
    "xls",
    "xlsx",
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Also refuse a web page or SVG renamed to an allowed extension (home/documents.py).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "home.documents.SafeDocumentForm"
# Documents are always served through Wagtail, which checks a private
# collection's restrictions, never from a public media address.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Wagtail's document model with its files in the "documents" storage above.
WAGTAILDOCS_DOCUMENT_MODEL = "home.CustomDocument"
# Every document downloads (Content-Disposition: attachment), as the links
# promise, and is never opened as part of the site.
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# Refuse plainly, leaving nothing behind, an image the storage cannot hold (home/uploads.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "home.uploads.ImageForm"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000

WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
