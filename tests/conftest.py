"""
Fixtures shared by the whole suite, and the only place tests are skipped:
browser tests where there is no Chromium, PostgreSQL tests on SQLite, HTML
checks where there is no Nu Html Checker. CI sets BROWSER_TESTS_REQUIRED,
POSTGRES_TESTS_REQUIRED and VALIDATORS_REQUIRED so that there they fail
instead of skipping.

Every test runs at the same moment, NOW, whatever the real date: see `clock`.
"""

import email
import fcntl
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# The moment each test starts at: a Monday morning, 9am in London (winter
# time, so UTC). Tests build their dates from it (timezone.localdate() and
# timezone.now() read it), never from the real calendar.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Between tests, where the session's shared data is built (the initial
# content, the browser tests' demo site), the clock stands an hour earlier:
# as if it was loaded before visitors arrived.
BETWEEN_TESTS = NOW - timedelta(hours=1)


@pytest.fixture(scope="session", autouse=True)
def _tests_clock():
    """
    The clock the whole run reads, the site's code and Python's alike
    (time-machine replaces the system clock inside this process, threads and
    the live server included).
    """
    with time_machine.travel(BETWEEN_TESTS, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def clock(_tests_clock):
    """
    Start every test at NOW. Time runs on from there as it really does (so
    waits, timeouts and "first come, first served" behave); a test that needs
    another moment moves there: clock.move_to(datetime(...)), or
    clock.shift(timedelta(days=1)); clock.move_to(..., tick=False) stops it.
    """
    _tests_clock.move_to(NOW, tick=True)
    yield _tests_clock
    _tests_clock.move_to(BETWEEN_TESTS, tick=True)


@pytest.fixture(autouse=True)
def _one_process_at_a_time(request, tmp_path_factory):
    """
    Tests marked one_process_at_a_time("resource") wait for each other across
    the test processes (pytest-xdist), through a lock file in the folder the
    processes share: they use something there is one of on this machine.
    """
    marker = request.node.get_closest_marker("one_process_at_a_time")
    if marker is None:
        yield
        return
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    lock_path = shared / f"{marker.args[0].replace(' ', '-')}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _skip_or_fail(reason, required_variable):
    if os.environ.get(required_variable):
        pytest.fail(f"{reason} ({required_variable} is set, so this must run)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _only_on_postgres(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail("needs PostgreSQL: run with DATABASE_URL=postgres://... (CI does)", "POSTGRES_TESTS_REQUIRED")


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the page cache's clearing) as a real commit would: `with committing(): ...`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """
    Wagtail caches the site's root paths, and the page cache remembers parts
    in memory too: a test's rolled-back sites must not leak into the next
    (under a frozen clock, a generation made afresh can repeat an earlier one).
    """
    from django.core.cache import cache

    from home.page_cache import forget_in_process

    cache.clear()
    forget_in_process()


PASSWORD = "a-long-test-password"  # noqa: S105 (the test users' password)


def make_user(username, *roles, superuser=False):
    """
    A user in these roles: the groups the migrations made ("Editors",
    "Moderators", "Booking administrators"). Their password is PASSWORD.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    users = get_user_model().objects
    if superuser:
        return users.create_superuser(username, f"{username}@example.org", PASSWORD)
    groups = list(Group.objects.filter(name__in=roles))
    missing = set(roles) - {group.name for group in groups}
    assert not missing, f"no such role: {sorted(missing)}"
    user = users.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(*groups)
    return user


def unused_username(role):
    """A username for someone new in `role`: "editors", then "editors-2"..."""
    from django.contrib.auth import get_user_model

    base = role.lower().replace(" ", "-")
    username, number = base, 1
    while get_user_model().objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


@pytest.fixture
def log_in(client, db):
    """
    Log the test client in to the admin, and return the user:
    log_in("Editors") as someone new in that role, log_in(user) as a user
    already made, log_in(superuser=True) as an administrator. (Browser tests
    have their own, which signs in through the admin's form.)
    """

    def log_in_as(role_or_user=None, superuser=False):
        if isinstance(role_or_user, str) or superuser:
            role = role_or_user
            user = make_user(unused_username(role or "admin"), *([role] if role else []), superuser=superuser)
        elif role_or_user is not None:
            user = role_or_user
        else:
            raise TypeError('log_in needs a role ("Editors"), a user, or superuser=True')
        client.force_login(user)
        return user

    return log_in_as


def remembered_parts_kept():
    """The names of the page parts the (local memory) cache holds: {% remembered_part %}, home/page_cache.py."""
    from django.core.cache import cache

    return sorted(key.split(":page-part:")[1] for key in cache._cache if ":page-part:" in key)


def html(response):
    """A response's HTML, parsed, for assertions on what a visitor sees."""
    return BeautifulSoup(response.content, "html.parser")


def calendar_invitations(message):
    """
    The calendar files attached to an e-mail (one of mail.outbox), as a mail
    program finds them in the raw message: {filename: the file's bytes}.
    """
    raw = email.message_from_bytes(message.message().as_bytes())
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in raw.walk()
        if part.get_content_type() == "text/calendar"
    }


def metadata(response):
    """
    What search engines and social networks read from a page, as they read
    it (extruct): its schema.org objects (JSON-LD) and its Open Graph tags.
    """
    import extruct

    found = extruct.extract(
        response.content.decode(),
        base_url=response.wsgi_request.build_absolute_uri(),
        syntaxes=["json-ld", "opengraph"],
        uniform=True,
    )
    return SimpleNamespace(json_ld=found["json-ld"], opengraph=found["opengraph"][0] if found["opengraph"] else {})


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """
    The test database holds the initial content from the start, loaded once:
    each test's transaction is rolled back to it afterwards. Tests that
    commit empty the database instead; a snapshot taken now puts it back for
    them (committed_content).
    """
    from tests.database_snapshot import DatabaseSnapshot

    with django_db_blocker.unblock():
        call_command("load_initial_content", stdout=io.StringIO())
        return DatabaseSnapshot(connection)


@pytest.fixture
def initial_content(db):
    """The site as load_initial_content builds it (without --demo): returns the home page."""
    from home.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def committed_content(django_db_setup, transactional_db):
    """
    For tests that commit (django_db(transaction=True)): the initial content,
    as the session loaded it, put back from its snapshot. Returns the home page.
    """
    from home.models import HomePage

    django_db_setup.restore()
    return HomePage.objects.get()


@pytest.fixture
def seed_text():
    """The Collaborative's source texts, with runs of white space folded, for faithfulness checks."""
    files = sorted(SEEDS_DIR.glob("*.txt"))
    if not files:
        pytest.skip(f"the source texts are not beside this checkout ({SEEDS_DIR})")
    return " ".join(" ".join(path.read_text(encoding="utf-8").split()) for path in files)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        _skip_or_fail(
            f"no Chromium at {CHROMIUM}: install Debian's (apt-get install -y chromium) to run browser tests",
            "BROWSER_TESTS_REQUIRED",
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests'
    # own database work around it is ordinary synchronous Django.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def nu_errors():
    """
    tests/validators.py's nu_errors({name: html}) -> {name: [errors]}: the
    W3C Nu Html Checker over rendered pages, all in one run of Java.
    """
    from tests import validators

    reason = validators.unavailable_reason()
    if reason:
        _skip_or_fail(reason, "VALIDATORS_REQUIRED")
    return validators.nu_errors


@pytest.fixture(scope="session")
def screenshots_dir():
    path = Path(__file__).resolve().parent / "browser" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def restrict(page, restriction_type="password"):
    """
    Make a page private as an editor does (Privacy in the page's menu):
    restriction_type "password" (PASSWORD), "login" (signed-in people) or
    "groups" (the Editors group only). Returns the restriction.
    """
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=restriction_type, password=PASSWORD if restriction_type == "password" else ""
    )
    if restriction_type == "groups":
        restriction.groups.set(Group.objects.filter(name="Editors"))
    return restriction


# Every title, summary and description of the private pages below says this.
SECRET = "Zanzibar"
RESTRICTION_TYPES = ["password", "login", "groups"]


@pytest.fixture
def private_content(initial_content, request):
    """
    A private workshop (with its booking form), news item and report, each
    restricted (by password unless the test is parametrized with
    indirect=True over RESTRICTION_TYPES), and the public pages that point at
    them: a workshop the private report came from, a news item and a report
    that name the private pages among their related pages, the report's
    workshop being the private one. Returns them by name.
    """
    from django.utils import timezone

    from events.models import NewsAndEventsIndexPage, NewsPageRelatedPage
    from reports.models import ReportIndexPage, ReportRelatedPage
    from tests.events.factories import add_booking_form, add_event, add_news
    from tests.reports.factories import add_report

    index = NewsAndEventsIndexPage.objects.get()
    reports = ReportIndexPage.objects.get()
    today = timezone.localdate()

    def secret_fields(kind):
        return {
            "title": f"{SECRET} {kind}",
            "summary": f"The {SECRET} {kind}'s summary.",
            "listing_summary": f"The {SECRET} {kind}'s listing summary.",
            "search_description": f"The {SECRET} {kind}'s meta description.",
            "seo_title": f"{SECRET} {kind} for search engines",
        }

    open_workshop = add_event(index, "open-workshop", today + timedelta(days=20), title="Open workshop")
    add_booking_form(open_workshop)
    workshop = add_event(index, "private-workshop", today + timedelta(days=21), **secret_fields("workshop"))
    booking_form = add_booking_form(workshop)
    news = add_news(index, "private-news", today, **secret_fields("news"))
    news.save_revision().publish()
    report = add_report(reports, "private-report", today, workshop=open_workshop, **secret_fields("report"))
    open_news = add_news(index, "open-news", today, title="Open news")
    open_news.save_revision().publish()
    open_report = add_report(reports, "open-report", today, title="Open report", workshop=workshop)
    for position, page in enumerate([workshop, news]):
        NewsPageRelatedPage.objects.create(news_page=open_news, page=page, sort_order=position)
    for position, page in enumerate([news, report, workshop]):
        ReportRelatedPage.objects.create(report=open_report, page=page, sort_order=position)
    # The private report names the open news item: the news item lists the reports that name it.
    ReportRelatedPage.objects.create(report=report, page=open_news, sort_order=0)

    restriction_type = getattr(request, "param", "password")
    for page in (workshop, news, report):
        restrict(page, restriction_type)
    return SimpleNamespace(
        workshop=workshop,
        booking_form=booking_form,
        news=news,
        report=report,
        open_workshop=open_workshop,
        open_news=open_news,
        open_report=open_report,
        restriction_type=restriction_type,
    )


# Background work as production runs it ------------------------------------

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queued_in_the_database(settings):
    """Tasks queued in the database, as in production, until run_worker() runs them."""
    settings.TASKS = DATABASE_BACKEND


def run_worker():
    """
    What one `manage.py db_worker --batch` does: run every task queued, then
    stop. The command's Worker itself, without the command's signal handlers,
    which would stay installed in the test process, and without its check of
    the database connection between tasks, which would close the test's
    transaction.
    """
    from django_tasks_db.management.commands import db_worker

    with mock.patch.object(db_worker, "close_old_connections"):
        db_worker.Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()
