"""
Settings shared by every environment.

Safe for production as they stand: nothing here turns debugging on or trusts a
default secret. Every secret, host and service address comes from the
environment; README.md lists each variable with its default.
"""

import os
from pathlib import Path

import dj_database_url
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
    "wagtailnhsukfrontend",
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
]

MIDDLEWARE = [
    "collaborative_site.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves hashed, compressed static files from every app server without a
    # separate web server in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: Redis shared by every app server when REDIS_URL is set, otherwise
# memory local to the process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "collaborative",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


LANGUAGE_CODE = "en-gb"
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

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

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


# Booking (events/booking.py).
# Seconds a booking form must be open before it is sent: people take longer, bots do not.
BOOKING_MIN_FILL_SECONDS = env_int("BOOKING_MIN_FILL_SECONDS", 3)
# Booking attempts one client address may make in the window (seconds),
# counted in the cache: with REDIS_URL, across every app server.
BOOKING_RATE_LIMIT_ATTEMPTS = env_int("BOOKING_RATE_LIMIT_ATTEMPTS", 10)
BOOKING_RATE_LIMIT_WINDOW = env_int("BOOKING_RATE_LIMIT_WINDOW", 600)
# How many proxies (load balancer, CDN) stand in front of the app servers and
# append to X-Forwarded-For. 0: the client is the connection's own address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Send booking e-mails from a thread after the response, so a slow mail
# server never holds up a visitor; false sends them before the response.
BOOKING_EMAILS_IN_BACKGROUND = env_bool("BOOKING_EMAILS_IN_BACKGROUND", True)
# Days before a workshop that send_booking_reminders reminds confirmed bookers.
BOOKING_REMINDER_DAYS = env_int("BOOKING_REMINDER_DAYS", 2)
# Days after a workshop that purge_bookings erases bookers' personal details.
BOOKING_RETENTION_DAYS = env_int("BOOKING_RETENTION_DAYS", 365)


# Logs go to standard output, where every process manager and platform
# collects them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # One line per background task and per page action is noise here;
        # Wagtail's own history in the admin records who changed what.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
    },
}


# Wagtail
WAGTAIL_SITE_NAME = "National Mental Health Workforce Development Collaborative"
# Used in links that leave the site, such as notification e-mails to
# moderators. No trailing slash.
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

WAGTAILSEARCH_BACKENDS = {
    "default": {
        # On PostgreSQL this uses its full-text search; on SQLite, FTS5.
        "BACKEND": "wagtail.search.backends.database",
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
# Every document downloads (Content-Disposition: attachment), as the links
# promise, and is never opened as part of the site.
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000

WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
