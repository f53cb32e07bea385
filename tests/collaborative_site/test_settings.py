"""
Settings come from the environment, and production refuses to start without
the values that must never default. Each case imports the settings in a fresh
Python process, so the environment it sees is exactly the one given.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "collaborative.example.org",
    "SITE_URL": "https://collaborative.example.org",
}


def load_settings(module, env, *names):
    """The named settings, as the given environment makes them, or the error they raise."""
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "SITE_URL",
        }
    }
    script = (
        "import json, importlib\n"
        f"settings = importlib.import_module('collaborative_site.settings.{module}')\n"
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}, default=str))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return json.loads(result.stdout)


def test_production_refuses_to_start_without_a_secret_key():
    loaded = load_settings("production", {"ALLOWED_HOSTS": "collaborative.example.org"}, "DEBUG")
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in loaded["error"]


def test_production_refuses_to_start_without_allowed_hosts():
    loaded = load_settings("production", {"DJANGO_SECRET_KEY": "x" * 50}, "DEBUG")
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in loaded["error"]


def test_production_refuses_to_start_without_its_public_address():
    loaded = load_settings("production", {"DJANGO_SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org"}, "DEBUG")
    assert "ImproperlyConfigured: SITE_URL is not set" in loaded["error"]


@pytest.mark.parametrize("value", ["collaborative.example.org", "https://", "https://example.org/site", "ftp://x.org"])
def test_a_public_address_that_is_not_one_is_refused(value):
    loaded = load_settings("production", {**PRODUCTION_ENV, "SITE_URL": value}, "SITE_URL")
    assert "SITE_URL must be the site's public address, such as https://www.example.org" in loaded["error"]


def test_an_https_address_on_a_port_wagtails_site_record_cannot_hold_is_refused():
    loaded = load_settings("production", {**PRODUCTION_ENV, "SITE_URL": "https://example.org:8443"}, "SITE_URL")
    assert "SITE_URL with https must use the standard port (443), not 8443" in loaded["error"]


def test_wagtails_own_links_use_the_public_address_and_development_serves_where_make_run_does():
    production = load_settings(
        "production", {**PRODUCTION_ENV, "SITE_URL": "https://example.org/"}, "SITE_URL", "WAGTAILADMIN_BASE_URL"
    )
    assert production == {"SITE_URL": "https://example.org", "WAGTAILADMIN_BASE_URL": "https://example.org"}
    assert load_settings("dev", {}, "SITE_URL")["SITE_URL"] == "http://127.0.0.1:8000"


def test_production_starts_with_both_and_is_secure_by_default():
    loaded = load_settings(
        "production",
        PRODUCTION_ENV,
        "DEBUG",
        "ALLOWED_HOSTS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "STORAGES",
    )
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["collaborative.example.org"]
    assert loaded["SESSION_COOKIE_SECURE"] and loaded["CSRF_COOKIE_SECURE"]
    assert loaded["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert loaded["STORAGES"]["staticfiles"]["BACKEND"] == "collaborative_site.storage.StaticFilesStorage"


def test_database_defaults_to_sqlite_that_queues_concurrent_writers():
    database = load_settings("dev", {}, "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("db.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5


def test_database_url_selects_postgresql():
    loaded = load_settings(
        "production",
        {**PRODUCTION_ENV, "DATABASE_URL": "postgres://site:secret@db.internal:5432/collaborative"},
        "DATABASES",
    )
    database = loaded["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == ("db.internal", "collaborative", "site")
    assert "transaction_mode" not in database.get("OPTIONS", {})
    # Neither a silent database nor a runaway query holds a worker until gunicorn kills it.
    assert database["OPTIONS"] == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=25000",
        # Nor does a kept connection whose network goes silent.
        "tcp_user_timeout": 5000,
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
    }


def test_database_timeouts_come_from_the_environment():
    url = "postgres://site:secret@db.internal:5432/collaborative"
    loaded = load_settings(
        "production",
        {**PRODUCTION_ENV, "DATABASE_URL": url, "DATABASE_CONNECT_TIMEOUT": "2", "DATABASE_STATEMENT_TIMEOUT": "0"},
        "DATABASES",
    )
    options = loaded["DATABASES"]["default"]["OPTIONS"]
    assert (options["connect_timeout"], options["tcp_user_timeout"]) == (2, 2000)
    assert "options" not in options, "no statement timeout"


def test_redis_url_selects_a_shared_cache_and_without_it_the_cache_is_local_and_pages_are_not_cached():
    names = ("CACHES", "SHARED_CACHE", "PAGE_CACHE_SECONDS")
    shared = load_settings("production", {**PRODUCTION_ENV, "REDIS_URL": "redis://cache.internal:6379/1"}, *names)
    assert shared["CACHES"]["default"]["BACKEND"] == "collaborative_site.cache.TolerantRedisCache"
    assert shared["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/1"
    assert (shared["SHARED_CACHE"], shared["PAGE_CACHE_SECONDS"]) == (True, 300)
    local = load_settings("production", PRODUCTION_ENV, *names)
    assert local["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    # A page made private in one process must not stay cached in another's memory.
    assert (local["SHARED_CACHE"], local["PAGE_CACHE_SECONDS"]) == (False, 0)
    # An operator may still turn it on (manage.py check warns: home/checks.py).
    chosen = load_settings("production", {**PRODUCTION_ENV, "PAGE_CACHE_SECONDS": "60"}, *names)
    assert (chosen["SHARED_CACHE"], chosen["PAGE_CACHE_SECONDS"]) == (False, 60)


def test_email_comes_from_the_environment_and_dev_prints_it():
    loaded = load_settings(
        "production",
        {**PRODUCTION_ENV, "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "true"},
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
    )
    assert loaded == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
    }
    assert load_settings("dev", {}, "EMAIL_BACKEND")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_a_malformed_value_is_refused_with_its_name():
    loaded = load_settings("production", {**PRODUCTION_ENV, "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT")
    assert "EMAIL_PORT must be a whole number" in loaded["error"]


@pytest.mark.parametrize("module", ["dev", "production"])
def test_london_time_and_british_english(module):
    loaded = load_settings(module, PRODUCTION_ENV, "TIME_ZONE", "LANGUAGE_CODE", "USE_TZ")
    assert loaded == {"TIME_ZONE": "Europe/London", "LANGUAGE_CODE": "en-gb", "USE_TZ": True}


def test_production_queues_background_work_in_the_database_and_development_runs_it_at_once():
    database = "django_tasks_db.DatabaseBackend"
    immediate = "django_tasks.backends.immediate.ImmediateBackend"
    assert load_settings("production", PRODUCTION_ENV, "TASKS")["TASKS"]["default"]["BACKEND"] == database
    assert load_settings("dev", {}, "TASKS")["TASKS"]["default"]["BACKEND"] == immediate
    # A single small server may choose to send from the request, as development does.
    chosen = load_settings("production", {**PRODUCTION_ENV, "TASKS_BACKEND": "immediate"}, "TASKS")
    assert chosen["TASKS"]["default"]["BACKEND"] == immediate
    wrong = load_settings("production", {**PRODUCTION_ENV, "TASKS_BACKEND": "celery"}, "TASKS")
    assert "TASKS_BACKEND must be one of immediate, database, not 'celery'" in wrong["error"]


def test_a_booking_links_key_never_reaches_the_log(client, db):
    """A 404 at someone's cancel or certificate link logs its address without the key that opens it."""
    import logging

    from events.booking.emails import CANCEL_SALT

    key = signing.dumps([999999, 0], salt=CANCEL_SALT, compress=True)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        for address in (f"/bookings/cancel/{key}/", f"/bookings/certificate/{key}/pdf/", f"/bookings/feedback/{key}/"):
            assert client.get(address).status_code == 404
    finally:
        logger.removeHandler(handler)

    lines = [record.getMessage() for record in records]
    assert len(lines) == 3
    assert not any(key in line for line in lines), lines
    assert "Not Found: /bookings/cancel/[link]/" in lines
