"""
Several app servers on one PostgreSQL and one Redis: the site as it is
deployed, with people booking one workshop through two gunicorns at the same
instant.

What it proves:
  - Two app servers deciding bookings at once never oversell a workshop:
    BOOKERS people book CAPACITY places, half through each server, all
    released together. The database then holds exactly CAPACITY confirmed
    and the rest on the waiting list, every booking was answered with its
    confirmation, and no request ended in a server error.
  - The booking rate limit is counted in Redis, so across servers: one
    address is allowed BOOKING_RATE_LIMIT_ATTEMPTS bookings, alternating
    between the servers, and refused (429) after that by whichever server
    it reaches.
  - The production settings serve: collectstatic with the manifest storage,
    /healthz, the booking form with its CSRF check, and the form is never
    served from a cache (each visitor gets their own CSRF token).
  - The page cache forgets only what a booking changed: while the bookers
    book, VISITORS anonymous visitors read the home page, a report, a news
    item, the about page and the booked workshop's page over and over (each
    page once before the rush, so that all are cached), and the share of
    their views served from the cache (X-Page-Cache: hit) is printed for
    each page. The report, the news item and the about page do
    not show the workshop's places, so they should stay cached; the workshop
    and the home page (its next workshops, with their places) are rendered
    again after each booking. Printed, never failed: only an answer other
    than 200 fails.

How: a throwaway PostgreSQL database (BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/bench: the database made is
bench_servers_<process id>, dropped afterwards), migrated and given the
initial content; the bench's own Redis database (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/15), emptied before and after; static files collected
into a temporary folder; two gunicorns started with the project's
collaborative_site/gunicorn.conf.py and the production settings, 3 workers
each, on two free ports of 127.0.0.1; and two background workers
(`manage.py db_worker`), which send the booking e-mails the servers queue in
the database: every booker's e-mail must be sent within EMAILS_WITHIN.

The bookers are threads speaking plain HTTP (http.client). The production
cookies are Secure, which a client does not send back over http, so each
booker keeps its own csrftoken cookie. Each booker sends its own
X-Forwarded-For address (TRUSTED_PROXY_COUNT=1), as a load balancer would,
and no X-Forwarded-Proto: the servers see plain http (SECURE_SSL_REDIRECT is
off), so Django's CSRF check asks for no Referer. A
"busy, send the form again" page (503) is sent again, as a person would, up
to BUSY_RETRIES times: these are counted and reported, not failures. Any
other 5xx is a failure. A POST's latency runs from sending it to reading the
whole answer, so it includes waiting for one of the 6 workers to be free:
120 bookings released at once queue behind one another.

    .venv/bin/python bench/app_servers.py [--bookers 120] [--capacity 50] [--skip-if-unavailable]

Exits with status 1 when a check fails, or when PostgreSQL or Redis cannot be
reached; with --skip-if-unavailable, an unreachable server is "skipped: ...",
exit status 0 (for CI machines without them).
"""

import argparse
import contextlib
import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import benchsite
import psycopg
import redis
from benchsite import REPOSITORY, BenchError, check, say
from booking_latency import latencies_line

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
SERVER_SETTINGS = "collaborative_site.settings.production"  # what benchsite.production_environment sets
GUNICORN_CONFIG = "collaborative_site/gunicorn.conf.py"
SERVER_NAMES = ("A", "B")
WORKERS_PER_SERVER = 3
RATE_LIMIT_ATTEMPTS = 10
# How many times a booker sends the form again after "busy, send it again".
BUSY_RETRIES = 3
STARTUP_TIMEOUT = 60
# Background workers (manage.py db_worker), as docs/deployment.md advises, and
# how long they may take to send the rush's e-mails (into memory) once it is over.
BACKGROUND_WORKERS = 2
EMAILS_WITHIN = 60
REQUEST_TIMEOUT = 60
BARRIER_TIMEOUT = 120
# One address for the rate limit, outside the bookers' 10.x.y.z range.
RATE_LIMIT_ADDRESS = "203.0.113.7"
# Anonymous visitors reading pages during the rush, each from its own address, released with the
# bookers (so that their views are queued among the bookings), and the most pages each reads
# (they stop when the last booking is answered).
VISITORS = 40
VISITOR_ADDRESS = "198.51.100.{}"
MOST_VIEWS_PER_VISITOR = 1000

# What the site's pages say (events/views.py), to tell its answers from any other.
BUSY_TEXT = "we could not save your booking"
TOO_MANY_TEXT = "too many booking attempts"
CONFIRMATION_PATH = "/bookings/booked/"
HIDDEN_FIELD = re.compile(r'<input[^>]*\bname="(csrfmiddlewaretoken|started)"[^>]*\bvalue="([^"]*)"')


# The servers ---------------------------------------------------------------


class AppServer:
    """One gunicorn as deployed, its output kept in a file for when something goes wrong."""

    def __init__(self, name, port, environment, folder):
        self.name = name
        self.port = port
        self.environment = {**environment, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        self.log_path = folder / f"gunicorn-{name}.log"
        # gunicorn's control socket is otherwise one per user ($HOME/.gunicorn/gunicorn.ctl): the second
        # server would take it from the first, and the bench would leave it behind in the home folder.
        self.control_socket = folder / f"gunicorn-{name}.ctl"
        self.process = None

    def __str__(self):
        return f"server {self.name} (127.0.0.1:{self.port})"

    def start(self):
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "--control-socket", str(self.control_socket)],
                cwd=REPOSITORY,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: Ctrl+C reaches this script only, which then stops the server itself.
                start_new_session=True,
            )

    def wait_until_healthy(self, deadline):
        """Until /healthz answers "ok" (the database and Redis answer too), or the server dies, or the deadline."""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self} stopped while starting (exit status {self.process.returncode})")
            with contextlib.suppress(OSError, http.client.HTTPException):  # not listening yet
                answer = fetch(self, "GET", "/healthz")
                # The database answers, and so does the shared Redis this bench is about.
                if answer.status == 200 and answer.text.splitlines()[:2] == ["ok", "cache: ok"]:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self} did not answer /healthz with 'ok' within {STARTUP_TIMEOUT} s")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn's graceful stop: the master stops its workers
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the master and its workers: the group it leads
            self.process.wait()

    def show_log_tail(self, lines=40):
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:] if self.log_path.exists() else []
        say(f"  --- the last {len(tail)} lines gunicorn wrote for {self} ---")
        for line in tail:
            say(f"  | {line}")


def free_ports(count):
    """count distinct free ports on 127.0.0.1 (held open together while chosen, so never the same twice)."""
    with contextlib.ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


@contextlib.contextmanager
def app_servers(environment, folder):
    """Both gunicorns, started and healthy; stopped afterwards whatever happened, their logs shown on a failure."""
    servers = [
        AppServer(name, port, environment, folder)
        for name, port in zip(SERVER_NAMES, free_ports(len(SERVER_NAMES)), strict=True)
    ]
    try:
        for server in servers:
            server.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for server in servers:
            server.wait_until_healthy(deadline)
        yield servers
    except BenchError:
        for server in servers:
            server.show_log_tail()
        raise
    finally:
        for server in servers:
            server.stop()


def server_environment(folder, database_url, redis_url):
    """The production settings, from the environment as on a real server, for this run's database and Redis."""
    return {
        **os.environ,
        **benchsite.production_environment(folder),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TRUSTED_PROXY_COUNT": "1",
        "BOOKING_RATE_LIMIT_ATTEMPTS": str(RATE_LIMIT_ATTEMPTS),
        "WEB_CONCURRENCY": str(WORKERS_PER_SERVER),
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "",
        # As deployed: e-mails queued in the database, sent by the worker processes.
        "TASKS_BACKEND": "database",
    }


def collect_static(environment):
    """collectstatic with the production storage (hashed names and a manifest), as a deployment runs it."""
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        say("  --- the end of collectstatic's output ---")
        for line in (result.stdout + result.stderr).strip().splitlines()[-12:]:
            say(f"  | {line}")
        raise BenchError(f"collectstatic failed with {SERVER_SETTINGS} (exit status {result.returncode})")
    manifest = json.loads((Path(environment["STATIC_ROOT"]) / "staticfiles.json").read_text())
    return len(manifest["paths"]), time.perf_counter() - started


@contextlib.contextmanager
def own_redis(url):
    """The bench's own Redis database, emptied before and after (the rate limit's counts live there)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
    client.flushdb()
    try:
        yield
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


# A visitor's browser -------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str
    seconds: float


def fetch(server, method, path, headers=None, body=None):
    """One request on its own connection (gunicorn's sync workers close each one), timed until the body is read."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Answer(response.status, response.headers, text, time.perf_counter() - started)
    finally:
        connection.close()


class Visitor:
    """One person: their address (as the load balancer reports it in X-Forwarded-For) and their cookies."""

    def __init__(self, address):
        self.address = address
        self.cookies = {}

    def request(self, server, method, path, form=None):
        headers = {"X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = fetch(server, method, path, headers, body)
        # The production cookies are Secure, which a client keeps to itself over plain http: send them anyway.
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return answer

    def open_form(self, server, path):
        """GET the booking form: the answer, and the hidden fields to send back with it."""
        answer = self.request(server, "GET", path)
        check(answer.status == 200, f"the booking form answered {answer.status} from {server}")
        fields = hidden_fields(answer.text)
        check(set(fields) == {"csrfmiddlewaretoken", "started"}, f"no booking form on the page from {server}")
        return answer, fields


def hidden_fields(page):
    return {name: html.unescape(value) for name, value in HIDDEN_FIELD.findall(page)}


def booking_answers(label, number, hidden):
    return {
        "name": f"Booker {label} {number}",
        "email": f"booker.{label}.{number}@example.nhs.uk",
        "job_title": "Director of Nursing",
        "organisation": "An NHS Foundation Trust",
        "consent": "on",
        "website": "",  # the spam trap, left empty as a person leaves it
        **hidden,
    }


def address_of(number):
    """A distinct client address for each booker, so that no one of them meets the rate limit."""
    return f"10.{number // 62500 % 256}.{number // 250 % 250}.{number % 250 + 1}"


# The rush ------------------------------------------------------------------


@dataclass
class Booker:
    """What one booker saw: the form they were given, and each POST they sent (more than one if busy)."""

    number: int
    server: AppServer
    form_token: str = ""
    got_csrf_cookie: bool = False
    cache_control: str = ""
    statuses: list = field(default_factory=list)
    latencies: list = field(default_factory=list)
    location: str = ""

    @property
    def booked(self):
        return self.statuses[-1:] == [302] and self.location.startswith(CONFIRMATION_PATH)


def rush(servers, path, bookers, browsing=None):
    """
    bookers threads each open the booking form (alternating between the
    servers), wait for one another, and send it at the same instant; the
    browsing visitors, if given, are released with them and read pages until
    the last booker's answer. Returns each booker's record, any errors, and
    the seconds from the release to the last answer.
    """
    visitors = browsing.visitors if browsing is not None else 0
    start = threading.Barrier(bookers + visitors + 1, timeout=BARRIER_TIMEOUT)
    lock = threading.Lock()
    errors = []

    def book(record):
        visitor = Visitor(address_of(record.number))
        try:
            form, hidden = visitor.open_form(record.server, path)
            record.form_token = hidden["csrfmiddlewaretoken"]
            record.got_csrf_cookie = "csrftoken" in visitor.cookies
            record.cache_control = form.headers.get("Cache-Control", "")
            start.wait()
            for _ in range(1 + BUSY_RETRIES):
                answer = visitor.request(record.server, "POST", path, booking_answers("rush", record.number, hidden))
                record.statuses.append(answer.status)
                record.latencies.append(answer.seconds)
                if answer.status != 503 or BUSY_TEXT not in answer.text.lower():
                    break
                # "Busy, send the form again": the person presses the button again on the page they were given.
                hidden = hidden_fields(answer.text) or hidden
            record.location = answer.headers.get("Location", "")
        except threading.BrokenBarrierError:
            with lock:
                errors.append(f"booker {record.number}: not released (another booker failed first)")
        except Exception as error:  # noqa: BLE001 (reported, and the run fails)
            start.abort()
            with lock:
                errors.append(f"booker {record.number} ({record.server}): {error!r}")

    records = [Booker(number, servers[number % len(servers)]) for number in range(bookers)]
    threads = [threading.Thread(target=book, args=(record,), daemon=True) for record in records]
    try:
        if browsing is not None:
            browsing.start(start)
        for thread in threads:
            thread.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait()
        released = time.perf_counter()
        for thread in threads:
            thread.join(timeout=BARRIER_TIMEOUT + REQUEST_TIMEOUT * (1 + BUSY_RETRIES))
        elapsed = time.perf_counter() - released
    finally:
        start.abort()  # on Ctrl+C, no booker is left waiting
        if browsing is not None:
            browsing.stop()
    check(not any(thread.is_alive() for thread in threads), "a booker hung")
    return records, errors, elapsed


def report_rush(servers, records, elapsed):
    for server in servers:
        mine = [record for record in records if record.server is server]
        statuses = Counter(status for record in mine for status in record.statuses)
        say(f"    {server}: {len(mine)} bookers, answers {answers_line(statuses)}")
        say(f"      {latencies_line([seconds for record in mine for seconds in record.latencies])}")
    latencies = [seconds for record in records for seconds in record.latencies]
    say(f"    both:  {latencies_line(latencies)}")
    say(f"    {len(records)} bookings in {elapsed:.2f} s from the release ({len(records) / elapsed:.1f} a second)")
    busy = sum(record.statuses.count(503) for record in records)
    again = sum(1 for record in records if 503 in record.statuses)
    say(f"    'busy, send the form again' (503): {busy}, to {again} bookers, who sent the form again")


def answers_line(statuses):
    return ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items())) or "none"


def check_rush(records, errors):
    for error in errors[:10]:
        say(f"    error: {error}")
    check(not errors, f"{len(errors)} bookers failed")

    # The booking form carries a CSRF token: served from a cache, one visitor would get another's.
    shared = sum(count for count in Counter(record.form_token for record in records).values() if count > 1)
    check(not shared, f"{shared} bookers were given the same CSRF token: the booking form was served from a cache")
    check(
        all(record.got_csrf_cookie for record in records),
        "a booking form came without its csrftoken cookie: served from a cache?",
    )
    stored = sorted({record.cache_control for record in records if "no-store" not in record.cache_control})
    check(not stored, f"the booking form may be cached: Cache-Control {stored!r} has no no-store")

    server_errors = Counter(
        status for record in records for status in record.statuses if status >= 500 and status != 503
    )
    check(not server_errors, f"server errors: {answers_line(server_errors)}")
    limited = sum(1 for record in records if 429 in record.statuses)
    check(not limited, f"{limited} bookers, each from its own address, were refused by the rate limit")
    not_taken = [record for record in records if not record.booked]
    for record in not_taken[:10]:
        say(f"    booking not taken: booker {record.number} on {record.server}, answers {record.statuses}")
    check(not not_taken, f"{len(not_taken)} bookings were not taken (no redirect to a confirmation)")


# Visitors reading pages during the rush --------------------------------------


class Browsing:
    """
    Anonymous visitors (no cookies) reading pages in turn, alternating
    between the servers, until stopped: each view answered before then, its
    page, status and X-Page-Cache header. (A view asked for during the rush
    waits in the servers' queue behind the bookings sent before it.)
    """

    def __init__(self, servers, paths, visitors=VISITORS):
        self.servers = servers
        self.paths = paths
        self.visitors = visitors
        self.views = []
        self.errors = []
        self.stopped_at = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = []

    def start(self, released):
        """Each visitor waits for the `released` barrier, then reads pages."""
        self._threads = [
            threading.Thread(target=self._browse, args=(number, released), daemon=True)
            for number in range(self.visitors)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self):
        self.stopped_at = time.perf_counter()
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT)
        # Views answered after the last booking are not views during the rush.
        self.views = [view[:3] for view in self.views if view[3] <= self.stopped_at]

    def _browse(self, number, released):
        headers = {"X-Forwarded-For": VISITOR_ADDRESS.format(number + 1)}
        try:
            released.wait()
        except threading.BrokenBarrierError:
            return  # a booker failed first: reported as theirs
        # Each visitor starts at another page, so that every page is read at every moment of the rush.
        for view in range(MOST_VIEWS_PER_VISITOR):
            if self._stopping.is_set():
                return
            path = self.paths[(number + view) % len(self.paths)]
            server = self.servers[(number + view) % len(self.servers)]
            try:
                answer = fetch(server, "GET", path, headers)
            except Exception as error:  # noqa: BLE001 (reported, and the run fails)
                with self._lock:
                    self.errors.append(f"visitor {number} reading {path} from {server}: {error!r}")
                return
            with self._lock:
                self.views.append((path, answer.status, answer.headers.get("X-Page-Cache", ""), time.perf_counter()))


def warm_the_cache(servers, paths):
    """Each page read until it is served from the cache, as visitors before the rush left it."""
    for path in paths:
        for server in servers:
            answer = fetch(server, "GET", path)
            check(answer.status == 200, f"{path} answered {answer.status} from {server}")
        answer = fetch(servers[0], "GET", path)
        check(answer.headers.get("X-Page-Cache") == "hit", f"{path} is not served from the page cache")


def from_the_cache(views, paths):
    """(views served from the cache, views) of these pages."""
    mine = [header for path, _, header in views if path in paths]
    return sum(1 for header in mine if header == "hit"), len(mine)


def share_line(hits, views):
    return f"{hits} of {views} ({hits / views:.0%})" if views else "none read"


def report_browsing(browsing, names, showing_places):
    say(
        f"    {len(browsing.views)} page views by {browsing.visitors} anonymous visitors answered during the rush, "
        "served from the page cache:"
    )
    for path, name in names.items():
        note = " (shows its places)" if path in showing_places else ""
        say(f"      {name + note + ':':<46}{share_line(*from_the_cache(browsing.views, [path]))}")
    others = [path for path in names if path not in showing_places]
    together = ", ".join(names[path] for path in others)
    say(f"      other pages ({together}): {share_line(*from_the_cache(browsing.views, others))}")


def check_browsing(browsing):
    for error in browsing.errors[:10]:
        say(f"    error: {error}")
    check(not browsing.errors, f"{len(browsing.errors)} visitors failed")
    statuses = Counter(status for _, status, _ in browsing.views if status != 200)
    check(not statuses, f"pages read during the rush answered {answers_line(statuses)}")


def count_bookings(event):
    """The workshop's bookings by status, and its e-mails recorded and sent, from the database."""
    from events.models import Booking, BookingEmail

    statuses = Counter(Booking.objects.filter(event=event).values_list("status", flat=True))
    emails = BookingEmail.objects.filter(booking__event=event)
    return statuses, emails.count(), emails.exclude(sent_at=None).count()


# The rate limit ------------------------------------------------------------


def wait_for_emails(event, expected):
    """The workshop's bookings and e-mails once the workers have sent every e-mail (or EMAILS_WITHIN has passed)."""
    deadline = time.monotonic() + EMAILS_WITHIN
    while True:
        statuses, recorded, sent = count_bookings(event)
        if (recorded >= expected and sent == recorded) or time.monotonic() > deadline:
            return statuses, recorded, sent
        time.sleep(0.2)


def rate_limit(servers, path, attempts):
    """
    One address sends attempts bookings, alternating between the servers.
    Returns (server name, status) for each, in order.
    """
    visitor = Visitor(RATE_LIMIT_ADDRESS)
    sent = []
    for number in range(attempts):
        server = servers[number % len(servers)]
        _, hidden = visitor.open_form(server, path)  # showing the form is not an attempt: sending it is
        answer = visitor.request(server, "POST", path, booking_answers("limit", number, hidden))
        if answer.status == 429:
            check(TOO_MANY_TEXT in answer.text.lower(), f"a 429 from {server} without the 'too many attempts' page")
        sent.append((server.name, answer.status))
    return sent


# The benchmark -------------------------------------------------------------


def unavailable(what, variable, url, error, options):
    """Say why the benchmark cannot run: skipped (status 0) if asked for, otherwise a failure (status 1)."""
    where = urlsplit(url)
    reason = f"{what} not reachable at {where.hostname}:{where.port} ({' '.join(str(error).split())})"
    if options.skip_if_unavailable:
        say(f"skipped: {reason}")
        return 0
    say(f"FAILED: {reason}. Start it, point {variable} at it, or pass --skip-if-unavailable.")
    return 1


def pages_to_read(workshop):
    """The pages the visitors read during the rush, by address, with what to call them."""
    from events.models import NewsPage
    from home.models import StandardPage
    from reports.models import ReportPage

    return {
        workshop.url: "the workshop booked",
        "/": "home page",
        ReportPage.objects.live().order_by("pk").first().url: "a report",
        NewsPage.objects.live().order_by("pk").first().url: "a news item",
        StandardPage.objects.live().get(slug="about").url: "about",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookers", type=int, default=120, help="people booking at once (default 120)")
    parser.add_argument("--capacity", type=int, default=50, help="places at the workshop (default 50)")
    parser.add_argument(
        "--skip-if-unavailable",
        action="store_true",
        help="exit with status 0 ('skipped') when PostgreSQL or Redis cannot be reached",
    )
    options = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    # Several servers need a database server: never benchsite's SQLite file.
    os.environ["BENCH_DATABASE_URL"] = database_url

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(own_redis(redis_url))
        except redis.ConnectionError as error:
            return unavailable("Redis", "BENCH_REDIS_URL", redis_url, error, options)
        try:
            database = stack.enter_context(benchsite.throwaway_database("servers"))
        except psycopg.OperationalError as error:
            return unavailable("PostgreSQL", "BENCH_DATABASE_URL", database_url, error, options)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="collaborative-bench-servers-")))

        say("App servers: two gunicorns, one PostgreSQL, one Redis, the real booking form")
        say(f"  machine:   {benchsite.machine()}")
        say(f"  software:  {benchsite.versions()}")
        say(f"  database:  {database}")
        say(f"  redis:     {redis_url} (the bench's own: emptied before and after)")

        environment = server_environment(folder, os.environ["DATABASE_URL"], redis_url)
        files, seconds = collect_static(environment)
        say(f"  static:    collectstatic into a temporary STATIC_ROOT: {files} files in {seconds:.1f} s")

        benchsite.set_up_django()
        benchsite.set_up_site()
        rush_event, rush_form = benchsite.add_workshop("rush", "Booking rush", capacity=options.capacity)
        limit_event, limit_form = benchsite.add_workshop("limit", "Rate limit", capacity=RATE_LIMIT_ATTEMPTS + 2)
        pages_read = pages_to_read(rush_event)

        started = time.perf_counter()
        stack.enter_context(benchsite.background_workers(environment, folder, BACKGROUND_WORKERS))
        servers = stack.enter_context(app_servers(environment, folder))
        say(
            f"  servers:   {', '.join(str(server) for server in servers)}: gunicorn, {WORKERS_PER_SERVER} workers "
            f"each, {SERVER_SETTINGS}; healthy in {time.perf_counter() - started:.1f} s"
        )
        say(
            f"  settings:  BOOKING_RATE_LIMIT_ATTEMPTS={RATE_LIMIT_ATTEMPTS}, BOOKING_MIN_FILL_SECONDS=0, "
            f"TRUSTED_PROXY_COUNT=1, e-mails queued for {BACKGROUND_WORKERS} workers (db_worker) and sent "
            "into their memory"
        )

        warm_the_cache(servers, list(pages_read))
        browsing = Browsing(servers, list(pages_read))

        say()
        say(f"  {options.bookers} bookers at once, {options.capacity} places, alternating between the servers:")
        records, errors, elapsed = rush(servers, rush_form.url, options.bookers, browsing)
        if not errors:
            report_rush(servers, records, elapsed)
            report_browsing(browsing, pages_read, showing_places={rush_event.url, "/"})
        emails_started = time.perf_counter()
        statuses, recorded, sent = wait_for_emails(rush_event, options.bookers)
        confirmed, waiting = statuses.pop("confirmed", 0), statuses.pop("waiting", 0)
        say(
            f"    database: {confirmed} confirmed, {waiting} on the waiting list; e-mails sent {sent} of {recorded} "
            f"by the workers, all sent {time.perf_counter() - emails_started:.1f} s after the last answer"
        )
        check_rush(records, errors)
        check_browsing(browsing)
        expected_confirmed = min(options.bookers, options.capacity)
        check(confirmed == expected_confirmed, f"{confirmed} confirmed, not {expected_confirmed}")
        check(
            waiting == options.bookers - expected_confirmed,
            f"{waiting} waiting, not {options.bookers - expected_confirmed}",
        )
        check(not statuses, f"bookings in other states: {dict(statuses)}")
        check(recorded == options.bookers and sent == recorded, "not every booker's e-mail was recorded and sent")

        say()
        sent_attempts = rate_limit(servers, limit_form.url, RATE_LIMIT_ATTEMPTS + 2)
        allowed = Counter(name for name, status in sent_attempts if status == 302)
        refused = Counter(name for name, status in sent_attempts if status == 429)
        say(
            f"  rate limit: {allowed.total()} allowed, {refused.total()} refused across both servers "
            f"(allowed by {answers_line(allowed)}; refused by {answers_line(refused)})"
        )
        statuses, _, _ = count_bookings(limit_event)
        expected = [302] * RATE_LIMIT_ATTEMPTS + [429] * 2
        check(
            [status for _, status in sent_attempts] == expected,
            f"one address's bookings answered {[status for _, status in sent_attempts]}, not {expected}",
        )
        check(set(refused) == set(SERVER_NAMES), "each server should have refused one attempt over the limit")
        check(statuses.total() == RATE_LIMIT_ATTEMPTS, f"{statuses.total()} bookings from one address were taken")
    return 0


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # as Ctrl+C: the servers are stopped and the database dropped on the way out


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    benchsite.run_benchmark(main, "  interrupted: the servers are stopped and the database dropped")
