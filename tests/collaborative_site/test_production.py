"""
Production as deployed: Django's deployment checks pass, every public
response carries the security headers, cookies are locked down, /healthz
answers load balancers, and gunicorn takes its settings from the environment.
"""

import gzip
import json
import logging
import os
import runpy
import secrets
import shutil
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from .test_settings import PRODUCTION_ENV, PROJECT_DIR, load_settings

# The environment README.md documents for a production server.
DOCUMENTED_ENV = {
    "DJANGO_SETTINGS_MODULE": "collaborative_site.settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "collaborative.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://collaborative.example.org",
    "SITE_URL": "https://collaborative.example.org",
    "DEFAULT_FROM_EMAIL": "workshops@collaborative.example.org",
}


def run_in_production(script, tmp_path, expect_failure=False, **extra_env):
    """Run Python with the production settings and a throwaway SQLite file; its standard output."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "AWS_", "SITE_URL"))
    }
    env.update(DOCUMENTED_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}", **extra_env)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert (result.returncode != 0) == expect_failure, result.stdout + result.stderr
    return result.stdout + (result.stderr if expect_failure else "")


def manage(*arguments):
    return (
        "import sys; from django.core.management import execute_from_command_line;"
        f"execute_from_command_line(['manage.py', *{list(arguments)!r}])"
    )


DEPLOY_CHECK = manage("check", "--deploy", "--fail-level", "WARNING")


@pytest.fixture(scope="module")
def deployed_database(tmp_path_factory):
    """A database as the first release leaves it (docs/deployment.md): migrated, initial content loaded."""
    folder = tmp_path_factory.mktemp("deployed")
    run_in_production(manage("migrate", "--noinput", "-v", "0"), folder)
    run_in_production(manage("load_initial_content"), folder)
    run_in_production(SET_CONTACT_DETAILS, folder)
    return folder / "production.sqlite3"


# What an administrator does in Settings > Site settings before going live:
# the source texts had the Collaborative's address removed.
SET_CONTACT_DETAILS = """
import django
django.setup()
from wagtail.models import Site
from home.models import SiteSettings
contact = SiteSettings.for_site(Site.objects.get(is_default_site=True))
contact.contact_email = "workshops@collaborative.example.org"
contact.save()
"""


@pytest.fixture
def deployed(deployed_database, tmp_path):
    """This test's own copy of the deployed database, in tmp_path as run_in_production expects."""
    shutil.copy(deployed_database, tmp_path / "production.sqlite3")
    return tmp_path


def test_djangos_deployment_checks_pass_at_warning_level(deployed):
    output = run_in_production(DEPLOY_CHECK, deployed)
    assert "System check identified no issues" in output


def test_deployment_checks_fail_until_the_site_record_names_the_public_address(tmp_path, deployed):
    # The Site as Wagtail's own migrations leave it: localhost, port 80.
    migrated_only = tmp_path / "migrated-only"
    migrated_only.mkdir()
    run_in_production(manage("migrate", "--noinput", "-v", "0"), migrated_only)
    fresh = run_in_production(DEPLOY_CHECK, migrated_only, expect_failure=True)
    assert "(home.E003) SITE_URL is https://collaborative.example.org but the default Site is http://localhost" in fresh
    assert "Run manage.py load_initial_content, which writes SITE_URL into the Site record" in fresh

    # An address changed later (a new domain): the Site follows once the loader runs again.
    moved = {"SITE_URL": "https://workforce.example.org", "ALLOWED_HOSTS": "workforce.example.org"}
    assert "(home.E003)" in run_in_production(DEPLOY_CHECK, deployed, expect_failure=True, **moved)
    loaded = run_in_production(manage("load_initial_content"), deployed, **moved)
    assert "Links in e-mails, the sitemap, feeds and calendar files start https://workforce.example.org" in loaded
    assert "System check identified no issues" in run_in_production(DEPLOY_CHECK, deployed, **moved)


def test_deployment_checks_fail_on_an_address_only_this_machine_can_reach(deployed):
    local = {"SITE_URL": "http://localhost:8000"}
    run_in_production(manage("load_initial_content"), deployed, **local)
    output = run_in_production(DEPLOY_CHECK, deployed, expect_failure=True, **local)
    assert "(home.E001) SITE_URL is http://localhost:8000, an address only this machine can reach" in output
    assert "home.E003" not in output


def test_deployment_checks_fail_on_a_sender_address_nobody_can_reply_to(deployed):
    output = run_in_production(DEPLOY_CHECK, deployed, expect_failure=True, DEFAULT_FROM_EMAIL="webmaster@localhost")
    assert "(home.E004) DEFAULT_FROM_EMAIL is webmaster@localhost: e-mails from the site would come from" in output
    # The error address follows the sender unless set apart, and is then checked on its own.
    assert "SERVER_EMAIL" not in output
    apart = {"SERVER_EMAIL": "errors@collaborative-web-1"}
    assert "(home.E004) SERVER_EMAIL is errors@collaborative-web-1" in run_in_production(
        DEPLOY_CHECK, deployed, expect_failure=True, **apart
    )


def test_deployment_checks_warn_until_visitors_have_a_way_to_contact_the_collaborative(tmp_path):
    folder = tmp_path / "no-contact"
    folder.mkdir()
    run_in_production(manage("migrate", "--noinput", "-v", "0"), folder)
    run_in_production(manage("load_initial_content"), folder)
    output = run_in_production(DEPLOY_CHECK, folder, expect_failure=True)
    assert "(home.W002) The site settings have no contact e-mail address or telephone number" in output
    assert "Add them in the admin under Settings > Site settings." in output
    run_in_production(SET_CONTACT_DETAILS, folder)
    assert "System check identified no issues" in run_in_production(DEPLOY_CHECK, folder)


def test_deployment_checks_say_when_the_database_cannot_be_read(tmp_path):
    output = run_in_production(DEPLOY_CHECK, tmp_path, expect_failure=True)
    assert "(home.E002) The site's address could not be read from the database" in output


def test_deployment_checks_warn_of_a_page_cache_that_is_not_shared(deployed):
    # Warnings go to standard error: shown here on standard output.
    check = (
        "import sys, django; django.setup(); from django.core.management import call_command;"
        "call_command('check', '--deploy', stderr=sys.stdout)"
    )
    output = run_in_production(check, deployed, PAGE_CACHE_SECONDS="300")
    assert "(home.W001) PAGE_CACHE_SECONDS is 300 but the cache is not shared" in output
    assert "making a page private, may take up to 300 seconds to show" in output

    shared = run_in_production(check, deployed, PAGE_CACHE_SECONDS="300", REDIS_URL="redis://127.0.0.1:6379/15")
    assert "System check identified no issues" in shared


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="collaborative.example.org")
answers = {}
for name, secure in (("robots", True), ("plain_http", False)):
    response = client.get("/robots.txt", secure=secure)
    answers[name] = {"status": response.status_code, "headers": dict(response.headers)}
health = Client(HTTP_HOST="10.0.0.7").get("/healthz")
answers["healthz"] = {"status": health.status_code, "body": health.content.decode()}
from django.conf import settings
answers["settings"] = {
    name: getattr(settings, name)
    for name in (
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "SECURE_PROXY_SSL_HEADER",
    )
}
print(json.dumps(answers))
"""


def test_production_sends_the_security_headers_and_locks_cookies(tmp_path):
    answers = json.loads(run_in_production(HEADERS_SCRIPT, tmp_path))

    headers = answers["robots"]["headers"]
    assert answers["robots"]["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 60 * 60 * 24 * 182
    assert "includeSubDomains" in hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]

    # Plain HTTP is sent to HTTPS; load balancers' health checks are not.
    assert answers["plain_http"]["status"] == 301
    assert answers["plain_http"]["headers"]["Location"].startswith("https://")
    # This throwaway database was never migrated: the tasks cannot be
    # counted, which does not take the server out of service.
    assert answers["healthz"] == {
        "status": 200,
        "body": "ok\ncache: ok\ntasks: could not be counted (OperationalError)\n",
    }

    assert answers["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_the_proxy_https_header_is_trusted_only_when_asked():
    trusted = load_settings(
        "production", {**PRODUCTION_ENV, "SECURE_PROXY_SSL_HEADER": "true"}, "SECURE_PROXY_SSL_HEADER"
    )
    assert trusted["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_media_stay_on_local_disk_unless_a_bucket_is_named():
    local = load_settings("production", PRODUCTION_ENV, "STORAGES")
    assert local["STORAGES"]["default"]["BACKEND"] == "collaborative_site.storage.MediaStorage"
    assert local["STORAGES"]["documents"]["BACKEND"] == "collaborative_site.storage.DocumentStorage"

    on_s3 = load_settings(
        "production",
        {
            **PRODUCTION_ENV,
            "AWS_STORAGE_BUCKET_NAME": "collaborative-media",
            "AWS_S3_ENDPOINT_URL": "https://objects.example.net",
        },
        "STORAGES",
        "AWS_S3_ENDPOINT_URL",
        "AWS_QUERYSTRING_AUTH",
        "CONTENT_SECURITY_POLICY",
    )
    assert on_s3["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert on_s3["AWS_S3_ENDPOINT_URL"] == "https://objects.example.net"
    assert on_s3["AWS_QUERYSTRING_AUTH"] is True
    # Pages may show images from the bucket, and from nowhere else.
    assert on_s3["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == [
        "'self'",
        "data:",
        "https://objects.example.net",
        "https://collaborative-media.objects.example.net",
    ]


def test_documents_on_s3_are_private_and_apart_from_the_public_media():
    bucket = {**PRODUCTION_ENV, "AWS_STORAGE_BUCKET_NAME": "collaborative-media"}
    same_bucket = load_settings("production", bucket, "STORAGES")["STORAGES"]["documents"]
    own_bucket = load_settings("production", {**bucket, "AWS_PRIVATE_BUCKET_NAME": "collaborative-private"}, "STORAGES")

    private_options = {"default_acl": "private", "custom_domain": None, "querystring_auth": True}
    assert same_bucket["BACKEND"] == "collaborative_site.storage.PrivateS3Storage"
    assert same_bucket["OPTIONS"] == {**private_options, "bucket_name": "collaborative-media", "location": "private"}
    assert own_bucket["STORAGES"]["documents"]["OPTIONS"] == {
        **private_options,
        "bucket_name": "collaborative-private",
        "location": "",
    }


def test_a_public_domain_in_front_of_the_media_bucket_needs_a_private_bucket_for_documents():
    public = {
        **PRODUCTION_ENV,
        "AWS_STORAGE_BUCKET_NAME": "collaborative-media",
        "AWS_S3_CUSTOM_DOMAIN": "cdn.example.org",
    }

    assert "set AWS_PRIVATE_BUCKET_NAME" in load_settings("production", public, "STORAGES")["error"]
    assert "error" not in load_settings("production", {**public, "AWS_PRIVATE_BUCKET_NAME": "private"}, "STORAGES")


@pytest.mark.parametrize(
    ("media_root", "private_media_root"),
    [("/srv/media", "/srv/media/private"), ("/srv/media", "/srv/media"), ("/srv/files/media", "/srv/files")],
)
def test_documents_may_not_be_kept_inside_the_public_media(media_root, private_media_root):
    loaded = load_settings(
        "production",
        {**PRODUCTION_ENV, "MEDIA_ROOT": media_root, "PRIVATE_MEDIA_ROOT": private_media_root},
        "PRIVATE_MEDIA_ROOT",
    )

    assert "PRIVATE_MEDIA_ROOT" in loaded["error"] and "must be outside MEDIA_ROOT" in loaded["error"]


@pytest.mark.django_db
def directives(response):
    """A Content-Security-Policy header's directives by name: their order in the header is not fixed."""
    return dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    )


def test_public_pages_allow_only_the_sites_own_scripts_and_the_admin_is_relaxed(client, initial_content):
    public = client.get("/")
    policy = directives(public)
    # The site's own files, and enhance.js inline by its hash (tests/collaborative_site/test_layout.py).
    assert policy["script-src"].startswith("'self' 'sha256-")
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert public["Permissions-Policy"]
    assert public["Referrer-Policy"] == "strict-origin-when-cross-origin"

    admin = client.get("/admin/login/")
    admin_policy = directives(admin)
    # Without the public pages' hash, which would make browsers ignore 'unsafe-inline'.
    assert admin_policy["script-src"] == "'self' 'unsafe-inline'"
    assert "sha256" not in admin["Content-Security-Policy"]
    assert admin_policy["frame-src"] == "'self'"


@pytest.fixture
def production_middleware(settings):
    """The production settings' middleware, in their order, over the test database's content."""
    settings.MIDDLEWARE = load_settings("production", PRODUCTION_ENV, "MIDDLEWARE")["MIDDLEWARE"]
    return settings.MIDDLEWARE


def test_compression_sits_inside_whitenoise_and_outside_the_page_cache(production_middleware):
    gzip_at = production_middleware.index("collaborative_site.middleware.TextGZipMiddleware")
    assert production_middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") == gzip_at - 1
    # Every middleware inside it may read or write the body; the page cache keeps pages uncompressed.
    assert gzip_at < production_middleware.index("home.page_cache.PageCacheMiddleware")


@pytest.mark.django_db
def test_a_compressed_page_a_browser_already_holds_is_answered_not_modified(
    client, production_middleware, initial_content
):
    """The ETag is made from the page as rendered (gzip only weakens it), so a browser sending it back gets a 304."""
    conditional_at = production_middleware.index("django.middleware.http.ConditionalGetMiddleware")
    assert production_middleware.index("collaborative_site.middleware.TextGZipMiddleware") < conditional_at
    assert conditional_at < production_middleware.index("home.page_cache.PageCacheMiddleware")

    first = client.get("/about/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert first["ETag"].startswith("W/")
    again = client.get("/about/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.django_db
def test_production_compresses_pages_calendars_and_feeds_but_not_documents(
    client, production_middleware, initial_content
):
    from tests.reports.factories import make_document, pdf_bytes

    workshop_calendar = "/news-and-events/strategic-workforce-planning-workshop/calendar.ics"
    for path in ("/about/", workshop_calendar, "/news-and-events/feed.xml", "/sitemap.xml"):
        plain = client.get(path)
        compressed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert "Content-Encoding" not in plain, path
        assert compressed["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in compressed["Vary"], path
        assert gzip.decompress(compressed.content) == plain.content, path
    assert len(compressed.content) < len(plain.content) / 2

    document = make_document("Workshop report", "report.pdf", pdf_bytes(pages=40))
    download = client.get(document.url, HTTP_ACCEPT_ENCODING="gzip")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.get("Content-Encoding") != "gzip"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("content_type", "compressed"),
    [
        ("text/html; charset=utf-8", True),
        ("text/csv", True),
        ("application/rss+xml; charset=utf-8", True),
        ("application/json", True),
        ("image/png", False),
        ("application/pdf", False),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ],
)
def test_only_text_is_compressed(rf, content_type, compressed):
    from django.http import HttpResponse

    from collaborative_site.middleware import TextGZipMiddleware

    request = rf.get("/", HTTP_ACCEPT_ENCODING="gzip")
    response = TextGZipMiddleware(lambda request: HttpResponse(b"a" * 1000, content_type=content_type))(request)
    assert (response.get("Content-Encoding") == "gzip") is compressed


@pytest.mark.django_db
def test_a_compressed_page_never_repeats_its_csrf_token(client, production_middleware, initial_content):
    """BREACH guesses a secret from compressed sizes across many responses: Django masks the CSRF token in each."""
    from events.models import NewsAndEventsIndexPage
    from tests.events.factories import add_booking_form, add_event

    workshop = add_event(NewsAndEventsIndexPage.objects.get(), "a-workshop", timezone.localdate() + timedelta(days=9))
    form_page = add_booking_form(workshop)
    tokens = []
    for _ in range(2):
        response = client.get(form_page.url, HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip"
        page = gzip.decompress(response.content).decode()
        tokens.append(page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0])
    assert tokens[0] != tokens[1]


@pytest.mark.django_db
def test_healthz_says_ok_while_the_database_answers_and_503_when_it_does_not(monkeypatch):
    client = Client(HTTP_HOST="10.1.2.3")  # balancers ask by address: not in ALLOWED_HOSTS
    ok = client.get("/healthz")
    assert (ok.status_code, ok["Cache-Control"]) == (200, "no-store")
    assert ok.content == b"ok\ncache: ok\ntasks: run at once in each request\n"

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("collaborative_site.middleware.connection.cursor", refuse)
    monkeypatch.setattr("collaborative_site.middleware.psycopg.connect", refuse)
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.content == b"database unavailable: OperationalError\ncache: ok\n"


@pytest.mark.django_db
def test_healthz_reports_a_cache_that_does_not_answer_without_failing(monkeypatch):
    monkeypatch.setattr("collaborative_site.middleware.cache.get", lambda *args, **kwargs: None)
    degraded = Client(HTTP_HOST="10.1.2.3").get("/healthz")
    assert degraded.status_code == 200, "pages are still served, uncached: the server stays in the pool"
    assert degraded.content == b"ok\ncache: unavailable, serving pages uncached\ntasks: run at once in each request\n"


# Committed: on PostgreSQL /healthz counts on a connection of its own.
@pytest.mark.django_db(transaction=True)
def test_healthz_says_when_background_tasks_wait_for_a_worker_that_does_not_come(queued_in_the_database, clock):
    from search.tasks import count_search_hit
    from tests.conftest import run_worker

    client = Client(HTTP_HOST="10.1.2.3")
    assert client.get("/healthz").content == b"ok\ncache: ok\ntasks: ok\n"
    count_search_hit.enqueue("workforce")
    assert client.get("/healthz").content == b"ok\ncache: ok\ntasks: ok (1 waiting)\n"

    clock.shift(timedelta(minutes=12))
    stalled = client.get("/healthz")
    assert stalled.status_code == 200, "pages and bookings are still served: the server stays in the pool"
    assert stalled.content == (
        b"ok\ncache: ok\ntasks: 1 waiting, the oldest for 12 minutes: is the worker (manage.py db_worker) running?\n"
    )
    run_worker()
    assert client.get("/healthz").content == b"ok\ncache: ok\ntasks: ok\n"


@pytest.mark.django_db
@pytest.mark.postgres
def test_healthz_answers_503_when_the_database_has_gone_silent(monkeypatch):
    """A network that drops every packet: the site's kept connection would wait minutes."""
    from django.db import connections

    database = connections["default"]
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(64)
        silent = {**database.settings_dict, "HOST": "127.0.0.1", "PORT": hole.getsockname()[1]}
        monkeypatch.setattr(database, "settings_dict", silent)
        down = Client(HTTP_HOST="10.1.2.3").get("/healthz")
    assert down.status_code == 503
    assert down.content.startswith(b"database unavailable: ")


def test_logs_go_to_standard_output(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["class"] == "logging.StreamHandler"
    assert handler["stream"] == "ext://sys.stdout"
    assert logging.getLogger().handlers[0].stream is sys.stdout


def test_gunicorn_takes_its_settings_from_the_environment(monkeypatch):
    config_file = str(PROJECT_DIR / "collaborative_site" / "gunicorn.conf.py")
    for name in ("GUNICORN_BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(config_file)
    assert defaults["bind"] == "0.0.0.0:8000"
    assert defaults["wsgi_app"] == "collaborative_site.wsgi:application"
    assert defaults["accesslog"] == "-" and defaults["errorlog"] == "-"
    assert defaults["workers"] >= 3

    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "60")
    configured = runpy.run_path(config_file)
    assert (configured["bind"], configured["workers"], configured["timeout"]) == ("127.0.0.1:9000", 5, 60)


def test_collectstatic_gives_hashed_compressed_files(tmp_path):
    static_root = tmp_path / "static"
    run_in_production(
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'collectstatic', '--noinput', '-v', '0'])",
        tmp_path,
        STATIC_ROOT=str(static_root),
    )
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/site.css"]
    assert hashed != "css/site.css" and hashed.startswith("css/site.")
    assert (static_root / hashed).exists()
    assert (static_root / f"{hashed}.gz").exists()
    nhs_css = manifest["wagtailnhsukfrontend/css/nhsuk-frontend-10.4.2.min.css"]
    assert (static_root / f"{nhs_css}.gz").exists()
