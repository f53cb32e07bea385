"""
The site as deployed while the servers it needs fail: the mail server
black-holed, Redis black-holed, and the database cut off for a few seconds,
twice (new connections refused, as while it restarts; then never answered,
as when the network to it fails).

What it proves:
  - A mail server that never answers costs the site nothing but time: 120
    people booking at once are all answered and booked, PostgreSQL's
    connections to the site's database stay within the app servers' and the
    workers' own (one each) and a few, the workers record each e-mail they
    could not send as failed, and once the mail server answers again every
    e-mail is delivered exactly once (the waiting ones by the workers, the
    failed ones by `retry_booking_emails`): none twice, none lost.
  - Without Redis, pages are rendered (as without the page cache) with at
    most one 0.5 s wait for Redis per process every 5 s, /healthz says
    "cache: unavailable" within its 2 s, bookings are taken and the booking
    rate limit is open (one address books past it).
  - Without the database, /healthz answers 503 within its 2 s, pages and
    bookings fail within DATABASE_CONNECT_TIMEOUT (5 s) instead of holding a
    worker until gunicorn kills it, no connection to an app server is
    refused or reset, and once it is back pages and bookings work again
    within a second or two; every booking answered with its confirmation is
    stored, and every person who kept sending the form is booked, once. The
    e-mails of bookings made around the cut are all delivered, once.

How: the stack of app_servers.py (a throwaway PostgreSQL database, the bench's
own Redis database, collectstatic, two gunicorns of 3 workers with
collaborative_site/gunicorn.conf.py and the production settings, two
`manage.py db_worker`), with three things between it and its servers, all
started and stopped by this script on 127.0.0.1: a TCP proxy in front of
PostgreSQL, one in front of Redis and one in front of a mail server
(aiosmtpd, which records every message it receives). Each proxy runs in a
process of its own (FaultProxy, ProxyProcess). DATABASE_URL, REDIS_URL and
EMAIL_HOST/EMAIL_PORT point at the proxies; a fault is a proxy that stops
forwarding. The machine's PostgreSQL and Redis are never stopped or
reconfigured. A background worker that stops (db_worker does, on a database
error) is started again 5 s later, as the deployment's systemd unit does.
E-mails go out over SMTP with EMAIL_TIMEOUT=3 (10 s by default), so that a
black-holed mail server fails each in 3 s, and the booking rate limit is 3
attempts (BOOKING_RATE_LIMIT_ATTEMPTS), so that an open limit shows with 5
bookings.

Then, in turn:
  1. Baseline: each page (home, News and events, a workshop, a report) from
     each server, one request at a time, from the page cache and rendered
     (for a visitor with a session cookie, whom the page cache never serves),
     after a warm-up; /healthz.
  2. The mail server black-holed: the rush of app_servers.py (BOOKERS at
     once to a workshop of CAPACITY places) while a thread reads pages, then
     12 s more; what the workers made of the e-mails; then SMTP restored.
  3. Redis black-holed: each page 6 times from each server, /healthz, 5
     bookings from one address; then how soon /healthz says "cache: ok".
  4. The database cut off for CUT_SECONDS, twice: every open connection
     closed, new ones refused, then black-holed. Meanwhile one thread reads
     /healthz, another a workshop and the booking form, and through each
     server people book one after another (each takes 1 s over the form, and
     sends it again a second after any failure, until booked).
  5. The e-mails: once the workers have sent what they can, the failed ones
     are queued again by `retry_booking_emails` (which leaves alone an e-mail
     recorded less than a minute ago: the bench waits for that, never
     changing a record), and every one is checked against what the mail
     server received, by recipient.

PostgreSQL's connections are counted every 0.1 s in pg_stat_activity, for
the bench's database only, on a connection of the bench's own to another
database. A request's time runs from sending it to reading the whole answer,
so it includes waiting for a free gunicorn worker.

    .venv/bin/python bench/faults.py [--bookers 120] [--capacity 50] [--cut-seconds 8] [--rounds 10]
                                     [--skip-if-unavailable]

Exits with status 1 when a check fails: a booking lost (answered with its
confirmation but not stored), a person not booked or booked twice, an
e-mail received more or fewer times than recorded or not marked sent, a
connection to an app server refused or reset, a server error while nothing
fails, PostgreSQL refusing a connection ("too many clients") or holding more
connections than the bound printed, a page or /healthz slower than the bound
printed, or the site not working again within 10 s of the database. Also
when PostgreSQL or Redis cannot be reached (status 0, "skipped", with
--skip-if-unavailable).
"""

import argparse
import contextlib
import email
import email.policy
import http.client
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import benchsite
import psycopg
import redis
from aiosmtpd.controller import Controller
from app_servers import (
    CONFIRMATION_PATH,
    SERVER_NAMES,
    WORKERS_PER_SERVER,
    Visitor,
    address_of,
    answers_line,
    app_servers,
    booking_answers,
    check_rush,
    collect_static,
    count_bookings,
    fetch,
    free_ports,
    hidden_fields,
    own_redis,
    report_rush,
    rush,
    server_environment,
    unavailable,
)
from benchsite import REPOSITORY, BenchError, check, say
from booking_latency import latencies_line, percentile

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench"
# Neither app_servers.py's (15) nor site_load.py's (14).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
BACKGROUND_WORKERS = 2
# As the deployment's systemd unit (docs/deployment.md): RestartSec=5.
WORKER_RESTART_SECONDS = 5
EMAIL_TIMEOUT = 3
RATE_LIMIT_ATTEMPTS = 3
# The site's own budgets (collaborative_site/settings/base.py, collaborative_site/middleware.py).
DATABASE_CONNECT_TIMEOUT = 5
HEALTH_CHECK_SECONDS = 2
GUNICORN_TIMEOUT = 30

# The bounds checked. /healthz has 2 s for the database and the cache: 1 s more for the request itself.
HEALTHZ_WITHIN = HEALTH_CHECK_SECONDS + 1
# A page without Redis: rendered, plus at most one 0.5 s wait for Redis per process every 5 s.
PAGE_WITHOUT_CACHE_WITHIN = 2
# A request while the database is cut: one connection attempt (5 s), its error page, and a second
# attempt if the error page needs the database too; well short of gunicorn's 30 s.
ANSWER_WITHOUT_DATABASE_WITHIN = 2 * DATABASE_CONNECT_TIMEOUT + 2
# Pages and bookings work again this soon after the database comes back.
RECOVERED_WITHIN = 10
# PostgreSQL's connections to the site's database: one per gunicorn worker and background worker,
# and a few more: the bench's own, a /healthz probe's, retry_booking_emails, one to spare.
CONNECTIONS_ABOVE_WORKERS = 4

# A visitor whose session has expired: the page cache never serves them (home/page_cache.py), so each
# page is rendered, as every page is without Redis.
RENDERED = {"Cookie": "sessionid=expired"}

# How long the mail server stays black-holed after the rush, and the other faults' timings.
SMTP_BLACK_HOLE_AFTER_RUSH = 12
CACHE_FAULT_PAGE_ROUNDS = 6
DATABASE_WATCH_BEFORE = 3
DATABASE_WATCH_AFTER = 12
# retry_booking_emails leaves an e-mail recorded less than a minute ago to its own task.
RETRY_GRACE = 60
# The workers are done when no task waits and no e-mail has changed for this long.
WORKERS_SETTLED = 5
EMAILS_WITHIN = 90
PAUSE_BEFORE_SENDING_AGAIN = 1
# How long a person takes over the form, while the database is cut off: most of the time, so that
# whoever has the form open when the cut begins sends it during the cut.
FILLING_IN = 1


# The proxies -----------------------------------------------------------------

FORWARD, BLACK_HOLE, REFUSE = "forward", "black-hole", "refuse"


class FaultProxy:
    """
    A TCP proxy on a free port of 127.0.0.1, in front of one server the site
    needs, which the bench makes fail:

      forward()     bytes pass both ways, as if the site spoke to the server;
      black_hole()  a new connection is accepted and read, never forwarded nor
                    answered; an open one freezes (what it sends is held, and
                    delivered if the fault ends while it is still open), as
                    when the network between them goes silent;
      cut(then)     every open connection is closed, and new ones are then
                    black-holed, or refused (reset as soon as accepted), as
                    while a database restarts.

    Connections accepted during a fault are never forwarded: they are closed
    when it ends, as a client gives up on one that never got an answer.
    """

    def __init__(self, name, target):
        self.name = name
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)  # so that stop() is heard
        self.port = self.listener.getsockname()[1]
        self.mode = FORWARD
        self.changed = threading.Condition()
        self.links = set()
        self.unanswered = set()
        # Connections accepted in each mode, and open ones closed by a cut.
        self.counted = Counter()
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, name=f"proxy-{name}", daemon=True)

    def __str__(self):
        return f"127.0.0.1:{self.port} -> {self.target[0]}:{self.target[1]}"

    def start(self):
        self.thread.start()
        return self

    def forward(self):
        self._set(FORWARD, cut_open=False)
        with self.changed:
            unanswered, self.unanswered = self.unanswered, set()
        for connection in unanswered:
            close_quietly(connection)

    def black_hole(self):
        self._set(BLACK_HOLE, cut_open=False)

    def cut(self, then):
        self._set(then, cut_open=True)

    def counts(self):
        return dict(self.counted)

    def stop(self):
        self.stopping = True
        self.thread.join()
        self.cut(REFUSE)
        self.forward()  # closes what was accepted during a fault
        self.listener.close()

    def _set(self, mode, cut_open):
        with self.changed:
            self.mode = mode
            links = list(self.links) if cut_open else []
            self.counted["cut"] += len(links)
            self.changed.notify_all()
        for link in links:
            self._close(link)

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            with self.changed:
                mode = self.mode
            self.counted[mode] += 1
            if mode == FORWARD:
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()
            elif mode == BLACK_HOLE:
                with self.changed:
                    self.unanswered.add(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
            else:
                # Reset at once: the client's connect fails, as on a port nothing listens on.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()

    def _forward(self, client):
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            close_quietly(client)
            return
        upstream.settimeout(None)
        link = (client, upstream)
        with self.changed:
            if self.mode != FORWARD:
                # A fault began while this one was connecting: as if it had come a moment later.
                self.unanswered.add(client)
                close_quietly(upstream)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                return
            self.links.add(link)
        threading.Thread(target=self._pump, args=(link, upstream, client), daemon=True).start()
        self._pump(link, client, upstream)

    def _pump(self, link, source, destination):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._close(link)
                return
            with self.changed:
                # Held while the proxy is not forwarding, until it does again or the link is closed.
                self.changed.wait_for(lambda: self.mode == FORWARD or link not in self.links)
                if link not in self.links:
                    return
            try:
                destination.sendall(data)
            except OSError:
                self._close(link)
                return

    def _swallow(self, client):
        """Read what a client sends over a connection that is never answered, until it or the fault gives up."""
        with contextlib.suppress(OSError):
            while client.recv(65536):
                pass
        with self.changed:
            self.unanswered.discard(client)
        close_quietly(client)

    def _close(self, link):
        with self.changed:
            if link not in self.links:
                return
            self.links.discard(link)
            self.changed.notify_all()
        for connection in link:
            close_quietly(connection)


def close_quietly(connection):
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


class ProxyProcess:
    """
    A FaultProxy in a process of its own, told what to do through a pipe: its
    forwarding never waits for Python's GIL behind the bench's own threads
    (120 bookers at once), so the site's queries are not slowed by the bench.
    """

    def __init__(self, name, target):
        context = multiprocessing.get_context("spawn")
        self.commands, their_end = context.Pipe()
        self.process = context.Process(target=serve_proxy, args=(name, target, their_end), daemon=True)
        self.process.start()
        self.name = name
        self.target = target
        self.port = self._answer()

    def __str__(self):
        return f"127.0.0.1:{self.port} -> {self.target[0]}:{self.target[1]}"

    def forward(self):
        self._ask("forward")

    def black_hole(self):
        self._ask("black_hole")

    def cut(self, then):
        self._ask("cut", then)

    def counts(self):
        return self._ask("counts")

    def stop(self):
        if self.process.is_alive():
            with contextlib.suppress(BenchError, OSError):
                self._ask("stop")
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def _ask(self, *command):
        self.commands.send(command)
        return self._answer()

    def _answer(self):
        if not self.commands.poll(10):
            raise BenchError(f"the {self.name} proxy did not answer")
        return self.commands.recv()


def serve_proxy(name, target, commands):
    """The proxy process: a FaultProxy doing what the pipe says, until told to stop or the bench has gone."""
    proxy = FaultProxy(name, target).start()
    commands.send(proxy.port)
    try:
        while True:
            command, *arguments = commands.recv()
            if command == "stop":
                break
            commands.send(getattr(proxy, command)(*arguments))
    except EOFError:
        return  # the bench has gone without a word: the proxy stops all the same
    finally:
        proxy.stop()
    commands.send("stopped")


@contextlib.contextmanager
def proxy(name, target):
    running = ProxyProcess(name, target)
    try:
        yield running
    finally:
        running.stop()


def through(url, running_proxy):
    """The URL with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@" if credentials else ""
    return urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{running_proxy.port}"))


def target_of(url, default_port):
    parts = urlsplit(url)
    return parts.hostname, parts.port or default_port


# The mail server -------------------------------------------------------------


class MailServer:
    """aiosmtpd on a free port of 127.0.0.1, keeping each message it receives: whom it was for, its subject."""

    def __init__(self):
        self.port = free_ports(1)[0]
        self.received = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        subject = email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]
        with self.lock:
            self.received.extend((recipient.lower(), str(subject)) for recipient in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def messages(self):
        """How many times each (recipient, subject) was received."""
        with self.lock:
            return Counter(self.received)


@contextlib.contextmanager
def mail_server():
    # aiosmtpd logs every SMTP command at INFO: only its warnings matter here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = MailServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


# PostgreSQL's connections -----------------------------------------------------


class ConnectionWatch:
    """
    How many connections PostgreSQL has to the bench's database, counted
    every 0.1 s from pg_stat_activity on a connection of the watch's own to
    the "postgres" database (so not counted itself), from start to stop.
    """

    def __init__(self, database_url):
        parts = urlsplit(database_url)
        self.database = parts.path.strip("/")
        self.maintenance_url = urlunsplit(parts._replace(path="/postgres"))
        self.samples = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="connection-watch", daemon=True)
        with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=5) as connection:
            self.max_connections = int(connection.execute("SHOW max_connections").fetchone()[0])

    def _watch(self):
        with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=5) as connection:
            while not self.stopping.wait(0.1):
                count = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.database]
                ).fetchone()[0]
                self.samples.append((time.monotonic(), count))

    def peak(self, since):
        """The most connections counted since that moment (time.monotonic())."""
        return max((count for moment, count in self.samples if moment >= since), default=0)


@contextlib.contextmanager
def connection_watch(database_url):
    watch = ConnectionWatch(database_url)
    watch.thread.start()
    try:
        yield watch
    finally:
        watch.stopping.set()
        watch.thread.join()


# Requests ----------------------------------------------------------------------


@dataclass
class Request:
    """One request the bench sent: to which server, what for, when (s since the scenario began), its answer."""

    server: object
    what: str
    sent: float
    seconds: float
    status: int | None = None
    text: str = ""
    location: str = ""
    error: str = ""


def timed_request(server, what, path, origin, method="GET", visitor=None, form=None, headers=None):
    """Send one request and record it; a refused or reset connection is recorded as the error, never raised."""
    sent = time.monotonic()
    try:
        if visitor is None:
            answer = fetch(server, method, path, headers)
        else:
            answer = visitor.request(server, method, path, form)
    except (OSError, http.client.HTTPException) as error:
        return Request(server, what, sent - origin, time.monotonic() - sent, error=f"{type(error).__name__}: {error}")
    return Request(
        server, what, sent - origin, answer.seconds, answer.status, answer.text, answer.headers.get("Location", "")
    )


def page_rounds(servers, pages, rounds, origin, headers=None):
    """Each page from each server, rounds times, one request at a time."""
    return [
        timed_request(server, label, path, origin, headers=headers)
        for _ in range(rounds)
        for label, path in pages.items()
        for server in servers
    ]


class Prober:
    """A thread sending requests one after another until stopped, recording each (timed_request)."""

    def __init__(self, send, pause=0.0):
        self.send = send
        self.pause = pause
        self.records = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        number = 0
        while not self.stopping.is_set():
            self.records.extend(self.send(number))
            number += 1
            self.stopping.wait(self.pause)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self.thread.join(timeout=GUNICORN_TIMEOUT * 2)
        check(not self.thread.is_alive(), "a request hung beyond twice gunicorn's timeout")


def latency_figures(records):
    seconds = [record.seconds for record in records if not record.error]
    return latencies_line(seconds) if seconds else "no answers"


def statuses_of(records):
    return answers_line(Counter(record.status if not record.error else "error" for record in records))


def check_no_connection_errors(records, when):
    failed = [record for record in records if record.error]
    for record in failed[:5]:
        say(f"    {record.what} from {record.server} at {record.sent:.1f} s: {record.error}")
    check(not failed, f"{len(failed)} requests {when} were refused or reset by an app server")


def check_within(records, bound, what):
    slow = [record for record in records if record.seconds > bound]
    for record in slow[:5]:
        say(f"    slow: {record.what} from {record.server} at {record.sent:.1f} s took {record.seconds:.1f} s")
    check(not slow, f"{len(slow)} {what} took more than {bound} s")


# The scenarios -------------------------------------------------------------------


def page_figures(records, pages):
    for label in pages:
        mine = [record for record in records if record.what == label]
        say(f"    {label:<16} {statuses_of(mine):<10} {latency_figures(mine)}")


def healthz_figures(records):
    bodies = Counter(" | ".join(record.text.strip().splitlines()) or record.error for record in records)
    say(f"    /healthz         {statuses_of(records)}, slowest {slowest(records):.2f} s")
    for body, count in bodies.most_common():
        say(f"      {count} x {body}")


def baseline(servers, pages, rounds, summary):
    say()
    say(
        f"1. Baseline, nothing failing: each page {rounds} times from each server, one request at a time, "
        "as anonymous visitors are served (from the page cache) and rendered (a visitor with a session cookie, "
        "whom the page cache never serves: what every page costs without Redis)"
    )
    origin = time.monotonic()
    # Each gunicorn worker's first requests load templates and fill its caches: not counted.
    page_rounds(servers, pages, 2 * WORKERS_PER_SERVER, origin)
    page_rounds(servers, pages, 2 * WORKERS_PER_SERVER, origin, RENDERED)
    cached = page_rounds(servers, pages, rounds, origin)
    rendered = page_rounds(servers, pages, rounds, origin, RENDERED)
    healthz = [timed_request(server, "healthz", "/healthz", origin) for _ in range(rounds) for server in servers]
    say("    from the page cache:")
    page_figures(cached, pages)
    say("    rendered:")
    page_figures(rendered, pages)
    healthz_figures(healthz)
    check_no_connection_errors(cached + rendered + healthz, "with nothing failing")
    check(all(record.status == 200 for record in cached + rendered), "a page did not answer 200")
    check(
        all(record.text.splitlines()[:3] == ["ok", "cache: ok", "tasks: ok"] for record in healthz),
        "/healthz did not answer ok, cache: ok, tasks: ok",
    )
    check_within(healthz, HEALTHZ_WITHIN, "/healthz answers")
    summary.append(
        f"baseline: pages p50/p95 {milliseconds(cached, 50)}/{milliseconds(cached, 95)} ms from the page cache, "
        f"{milliseconds(rendered, 50)}/{milliseconds(rendered, 95)} ms rendered; /healthz 200 in at most "
        f"{slowest(healthz):.2f} s"
    )


def milliseconds(records, percent):
    return f"{percentile([record.seconds * 1000 for record in records if not record.error], percent):.0f}"


def slowest(records):
    return max((record.seconds for record in records), default=0)


def mail_black_holed(servers, pages, smtp_proxy, watch, event, form_path, bookers, capacity, summary):
    """The rush with the mail server black-holed, and what the workers recorded; SMTP is restored at the end."""
    from events.models import BookingEmail

    say()
    say(
        f"2. Mail server black-holed: {bookers} bookers at once to a workshop of {capacity} places, "
        f"pages read meanwhile; SMTP restored {SMTP_BLACK_HOLE_AFTER_RUSH} s after the last answer"
    )
    smtp_proxy.black_hole()
    started = time.monotonic()
    pages_in_turn = list(pages.items())

    def read_page(number):
        label, path = pages_in_turn[number % len(pages_in_turn)]
        return [timed_request(servers[number % len(servers)], label, path, started)]

    with Prober(read_page) as reader:
        records, errors, elapsed = rush(servers, form_path, bookers)
        if not errors:
            report_rush(servers, records, elapsed)
        time.sleep(SMTP_BLACK_HOLE_AFTER_RUSH)
        healthz = [timed_request(server, "healthz", "/healthz", started) for server in servers]
    black_holed_for = time.monotonic() - started
    emails = BookingEmail.objects.filter(booking__event=event)
    sent = emails.exclude(sent_at=None).count()
    failed = emails.filter(sent_at=None).exclude(failed_at=None).count()
    recorded = emails.count()
    peak = watch.peak(started)
    statuses, _, _ = count_bookings(event)
    smtp_proxy.forward()

    say(f"    pages during the rush and after it ({len(reader.records)} requests, the pages in turn):")
    page_figures(reader.records, pages)
    healthz_figures(healthz)
    say(
        f"    PostgreSQL connections to the database: at most {peak} of its {watch.max_connections} "
        f"(gunicorn workers {len(SERVER_NAMES) * WORKERS_PER_SERVER}, background workers {BACKGROUND_WORKERS})"
    )
    say(
        f"    bookings stored: {statuses.get('confirmed', 0)} confirmed, {statuses.get('waiting', 0)} waiting; "
        f"after {black_holed_for:.0f} s black-holed, of {recorded} e-mails: {sent} sent, {failed} marked failed "
        f"(EMAIL_TIMEOUT={EMAIL_TIMEOUT} s each), {recorded - sent - failed} waiting for a worker"
    )
    check_rush(records, errors)
    check_no_connection_errors(reader.records + healthz, "while the mail server was black-holed")
    check(all(record.status == 200 for record in reader.records), f"pages answered {statuses_of(reader.records)}")
    check_within(healthz, HEALTHZ_WITHIN, "/healthz answers")
    check_connections(peak)
    expected_confirmed = min(bookers, capacity)
    check(
        statuses == Counter(confirmed=expected_confirmed, waiting=bookers - expected_confirmed),
        f"bookings stored: {dict(statuses)}, not {expected_confirmed} confirmed and the rest waiting",
    )
    check(recorded == bookers, f"{recorded} e-mails recorded for {bookers} bookings")
    check(sent == 0, f"{sent} e-mails were sent through a mail server that never answers")
    check(failed > 0, "no e-mail was marked failed while the mail server was black-holed")
    posts = [seconds for record in records for seconds in record.latencies]
    summary.append(
        f"mail server black-holed: {bookers} bookings at once all taken ({statuses['confirmed']} confirmed, "
        f"{statuses['waiting']} waiting) in {elapsed:.1f} s, POST p50/p95 {percentile(posts, 50):.1f}/"
        f"{percentile(posts, 95):.1f} s; pages meanwhile p50/p95 {milliseconds(reader.records, 50)}/"
        f"{milliseconds(reader.records, 95)} ms; PostgreSQL connections at most {peak}; after "
        f"{black_holed_for:.0f} s, e-mails {sent} sent, {failed} failed, {recorded - sent - failed} waiting"
    )


def connection_bound():
    return len(SERVER_NAMES) * WORKERS_PER_SERVER + BACKGROUND_WORKERS + CONNECTIONS_ABOVE_WORKERS


def check_connections(peak):
    bound = connection_bound()
    check(peak <= bound, f"PostgreSQL had {peak} connections to the database, more than {bound}")


def cache_black_holed(servers, pages, redis_proxy, form_path, event, summary):
    say()
    say(
        f"3. Redis black-holed: each page {CACHE_FAULT_PAGE_ROUNDS} times from each server, /healthz, "
        f"{RATE_LIMIT_ATTEMPTS + 2} bookings from one address (the limit is {RATE_LIMIT_ATTEMPTS})"
    )
    redis_proxy.black_hole()
    started = time.monotonic()
    records = page_rounds(servers, pages, CACHE_FAULT_PAGE_ROUNDS, started)
    healthz = [timed_request(server, "healthz", "/healthz", started) for _ in range(3) for server in servers]
    visitor = Visitor("203.0.113.9")
    bookings = []
    for number in range(RATE_LIMIT_ATTEMPTS + 2):
        server = servers[number % len(servers)]
        _, hidden = visitor.open_form(server, form_path)
        bookings.append(
            timed_request(
                server, "booking", form_path, started, "POST", visitor, booking_answers("cache", number, hidden)
            )
        )
    redis_proxy.forward()
    restored = time.monotonic()
    back = {}
    while len(back) < len(servers) and time.monotonic() - restored < 3 * RECOVERED_WITHIN:
        for server in servers:
            if server.name not in back:
                answer = timed_request(server, "healthz", "/healthz", restored)
                if answer.text.splitlines()[1:2] == ["cache: ok"]:
                    back[server.name] = time.monotonic() - restored
        time.sleep(0.2)
    statuses, _, _ = count_bookings(event)

    page_figures(records, pages)
    healthz_figures(healthz)
    say(
        f"    bookings from one address: answered {statuses_of(bookings)}, "
        f"{latency_figures(bookings)}; stored {statuses.total()}"
    )
    say(
        "    Redis answers again: /healthz says 'cache: ok' "
        + ", ".join(f"on {name} after {seconds:.1f} s" for name, seconds in sorted(back.items()))
    )
    check_no_connection_errors(records + healthz + bookings, "while Redis was black-holed")
    check(all(record.status == 200 for record in records), f"pages answered {statuses_of(records)}")
    check_within(records, PAGE_WITHOUT_CACHE_WITHIN, "pages without Redis")
    check(
        all(record.text.splitlines()[:2] == ["ok", "cache: unavailable, serving pages uncached"] for record in healthz),
        "/healthz did not say 'ok' and 'cache: unavailable' without Redis",
    )
    check_within(healthz, HEALTHZ_WITHIN, "/healthz answers")
    taken = [record for record in bookings if record.status == 302]
    check(len(taken) == len(bookings), f"bookings from one address without Redis answered {statuses_of(bookings)}")
    check(statuses.total() == len(bookings), f"{statuses.total()} bookings stored, {len(bookings)} answered")
    check(len(back) == len(servers), f"/healthz did not say 'cache: ok' within {3 * RECOVERED_WITHIN} s of Redis")
    summary.append(
        f"Redis black-holed: pages p50/p95/max {milliseconds(records, 50)}/{milliseconds(records, 95)}/"
        f"{slowest(records) * 1000:.0f} ms (rendered, each process waiting 0.5 s for Redis at most once every "
        f"5 s); /healthz 'cache: unavailable' in at most {slowest(healthz):.2f} s; {len(taken)} of "
        f"{len(bookings)} bookings from one address taken (limit {RATE_LIMIT_ATTEMPTS}: open); 'cache: ok' "
        f"again {max(back.values()):.1f} s after Redis"
    )


@dataclass
class Person:
    """Someone booking while the database fails: the form opened, then sent again after each failure until booked."""

    number: int
    server: object
    attempts: list
    booked: bool = False


def database_cut(servers, pages, database_proxy, watch, event, form_path, then, seconds, first_person, summary):
    """
    The database cut off for `seconds`, new connections refused or black-holed
    (`then`), while a prober reads /healthz, another a cached page and the
    booking form (never cached, so always from the database), and one person
    after another books through each server, each sending the form again a
    second after any failure, until booked.
    """
    label = "refused (a restart)" if then == REFUSE else "black-holed (a network failure)"
    say()
    say(
        f"4. Database cut off for {seconds} s, new connections {label}: /healthz, a page and the booking form "
        "read one at a time, and people booking one after another through each server (1 s over the form each, "
        "sending it again a second after any failure)"
    )
    origin = time.monotonic() + DATABASE_WATCH_BEFORE
    stop_at = origin + seconds + DATABASE_WATCH_AFTER
    people = []
    lock = threading.Lock()
    numbers = iter(range(first_person, first_person + 100_000))

    def book_in_turn(server):
        while time.monotonic() < stop_at:
            with lock:
                person = Person(next(numbers), server, [])
                people.append(person)
            visitor = Visitor(address_of(person.number))
            hidden = None
            # Each person gives up only when the watch is over and the database long back.
            while not person.booked and time.monotonic() < stop_at + RECOVERED_WITHIN:
                if hidden is None:
                    opened = timed_request(server, "booking form", form_path, origin, visitor=visitor)
                    person.attempts.append(opened)
                    fields = hidden_fields(opened.text) if opened.status == 200 else {}
                    hidden = fields or None
                    if hidden:
                        time.sleep(FILLING_IN)
                else:
                    answer = timed_request(
                        server,
                        "booking",
                        form_path,
                        origin,
                        "POST",
                        visitor,
                        booking_answers("database", person.number, hidden),
                    )
                    person.attempts.append(answer)
                    person.booked = answer.status == 302 and answer.location.startswith(CONFIRMATION_PATH)
                if not person.booked and person.attempts[-1].status != 200:
                    time.sleep(PAUSE_BEFORE_SENDING_AGAIN)

    def read_healthz(number):
        return [timed_request(servers[number % len(servers)], "healthz", "/healthz", origin)]

    def read_pages(number):
        label, path = [("workshop (cached)", pages["a workshop"]), ("booking form", form_path)][number % 2]
        return [timed_request(servers[number // 2 % len(servers)], label, path, origin)]

    bookers = [threading.Thread(target=book_in_turn, args=(server,), daemon=True) for server in servers]
    with Prober(read_healthz, pause=0.25) as healthz, Prober(read_pages, pause=0.25) as reader:
        for booker in bookers:
            booker.start()
        time.sleep(max(origin - time.monotonic(), 0))
        counted_before = Counter(database_proxy.counts())
        database_proxy.cut(then)
        # From the proxy's word that the cut is made until the word to end it is sent.
        began = time.monotonic() - origin
        time.sleep(seconds)
        ended = time.monotonic() - origin
        database_proxy.forward()
        restored = time.monotonic() - origin
        counted = Counter(database_proxy.counts()) - counted_before
        for booker in bookers:
            booker.join(timeout=stop_at - time.monotonic() + RECOVERED_WITHIN + 2 * GUNICORN_TIMEOUT)
        check(not any(booker.is_alive() for booker in bookers), "a booker hung")
    peak = watch.peak(origin - DATABASE_WATCH_BEFORE)

    attempts = [attempt for person in people for attempt in person.attempts]
    everything = healthz.records + reader.records + attempts

    def during(records):
        return [record for record in records if began <= record.sent < ended]

    def first_success_after(records, status):
        """Seconds from the database's return until the first request sent since then answered with status."""
        return min(
            (
                record.sent + record.seconds - restored
                for record in records
                if record.sent >= restored and record.status == status
            ),
            default=None,
        )

    cut_healthz = during(healthz.records)
    cut_pages = during(reader.records)
    cut_bookings = during([a for a in attempts if a.what == "booking"])
    cut_forms = during([a for a in attempts if a.what == "booking form"])
    say(
        f"    the proxy closed {counted['cut']} open connections to PostgreSQL, and "
        f"{'refused' if then == REFUSE else 'black-holed'} {counted[then]} new ones"
    )
    say(f"    during the cut (requests sent in its {ended - began:.1f} s):")
    healthz_figures(cut_healthz)
    for what in ("workshop (cached)", "booking form"):
        mine = [record for record in cut_pages if record.what == what]
        say(f"    {what:<18} {statuses_of(mine):<22} {latency_figures(mine)}")
    say(f"    people's forms    {statuses_of(cut_forms):<22} {latency_figures(cut_forms)}")
    say(f"    bookings sent     {statuses_of(cut_bookings):<22} {latency_figures(cut_bookings)}")
    recovered = {
        "/healthz 200": first_success_after(healthz.records, 200),
        "booking form 200": first_success_after([r for r in reader.records if r.what == "booking form"], 200),
        "booking 302": first_success_after([a for a in attempts if a.what == "booking"], 302),
    }
    say(
        "    after the cut, answered again (the first request sent since, until its answer): "
        + ", ".join(f"{what} {'never' if at is None else f'{at:.1f} s'}" for what, at in recovered.items())
    )

    from events.models import Booking

    stored = Counter(Booking.objects.filter(event=event).values_list("email", flat=True))
    booked = {f"booker.database.{person.number}@example.nhs.uk" for person in people if person.booked}
    sent_before_cut = [person for person in people if person.attempts and person.attempts[0].sent < began]
    say(
        f"    people: {len(people)} ({len(sent_before_cut)} before the cut), booked {len(booked)}, "
        f"bookings stored {stored.total()}; PostgreSQL connections at most {peak}"
    )
    check_no_connection_errors(everything, "while the database was cut off or coming back")
    check_within(everything, ANSWER_WITHOUT_DATABASE_WITHIN, "requests without the database")
    check_within(cut_healthz, HEALTHZ_WITHIN, "/healthz answers without the database")
    check(
        all(record.status == 503 for record in cut_healthz),
        f"/healthz answered {statuses_of(cut_healthz)} while the database was cut off",
    )
    for what, at in recovered.items():
        check(at is not None and at <= RECOVERED_WITHIN, f"{what} not within {RECOVERED_WITHIN} s of the database")
    not_booked = [person for person in people if not person.booked]
    for person in not_booked[:5]:
        say(f"    not booked: person {person.number}, answers {statuses_of(person.attempts)}")
    check(not not_booked, f"{len(not_booked)} people were never booked, though they kept sending the form")
    lost = booked - set(stored)
    check(not lost, f"{len(lost)} bookings answered with their confirmation are not stored")
    check(stored.total() == len(booked), f"{stored.total()} bookings stored for {len(booked)} people booked")
    check(max(stored.values(), default=1) == 1, "someone is booked twice")
    check_connections(peak)
    errors = cut_pages + cut_bookings + cut_forms
    summary.append(
        f"database cut off {seconds} s, new connections {label}: /healthz 503 in at most "
        f"{slowest(cut_healthz):.2f} s; pages and bookings answered {statuses_of(errors)} in at most "
        f"{slowest(errors):.2f} s; working again after "
        + ", ".join(f"{at:.1f} s ({what})" for what, at in recovered.items())
        + f"; {len(booked)} people booked, {stored.total()} bookings stored, none lost"
    )
    return first_person + len(people)


def emails_after_faults(environment, mail, event_ids, summary):
    """Every e-mail recorded, once the mail server answers again: sent by the workers, the failed ones retried."""
    from django_tasks_db.models import DBTaskResult

    from events.booking.emails import subject_for
    from events.models import BookingEmail

    say()
    say("5. E-mails, the mail server answering again: the workers send what waits, retry_booking_emails what failed")
    emails = BookingEmail.objects.filter(booking__event_id__in=event_ids)
    started = time.monotonic()
    # Until the workers have nothing left to do: each e-mail sent or failed, or no task waiting and
    # nothing changing (an e-mail whose task was never queued, or whose worker stopped with it, waits
    # for the retry).
    settled_since, settled = started, None
    while time.monotonic() - started < EMAILS_WITHIN:
        done = emails.exclude(sent_at=None, failed_at=None).count()
        if done != settled:
            settled, settled_since = done, time.monotonic()
        queued = DBTaskResult.objects.filter(status="READY").exists()
        if done == emails.count() or (not queued and time.monotonic() - settled_since >= WORKERS_SETTLED):
            break
        time.sleep(0.5)
    failed = emails.filter(sent_at=None).exclude(failed_at=None).count()
    unsent = emails.filter(sent_at=None).count()
    say(
        f"    the workers' own tasks done in {time.monotonic() - started:.1f} s: {emails.count() - unsent} sent, "
        f"{failed} failed, {unsent - failed} neither (never queued: the database was cut off as the booking "
        "committed; or their worker stopped before taking them)"
    )
    # retry_booking_emails leaves alone what was recorded less than a minute ago.
    youngest = emails.filter(sent_at=None).order_by("-created_at").values_list("created_at", flat=True).first()
    if youngest is not None:
        from django.utils import timezone

        wait = RETRY_GRACE + 1 - (timezone.now() - youngest).total_seconds()
        if wait > 0:
            say(f"    waiting {wait:.0f} s, until the youngest unsent e-mail is a minute old")
            time.sleep(wait)
    retry = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "manage.py", "retry_booking_emails"],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    say(f"    retry_booking_emails (exit status {retry.returncode}): {retry.stdout.strip() or retry.stderr.strip()}")
    check(retry.returncode == 0, "retry_booking_emails failed")
    retried = time.monotonic()
    while time.monotonic() - retried < EMAILS_WITHIN and emails.filter(sent_at=None).exists():
        time.sleep(0.5)

    # Each e-mail by whom it is for and its subject: a booker's confirmation and any repeat request differ.
    records = list(emails.select_related("booking__event"))
    recorded = Counter((record.recipient.lower(), subject_for(record)) for record in records)
    received = mail.messages()
    sent = sum(1 for record in records if record.sent_at)
    retried_ok = sum(1 for record in records if record.sent_at and record.failed_at)
    twice = {message: count for message, count in received.items() if count > recorded[message]}
    missing = {message: count for message, count in recorded.items() if received[message] < count}
    kinds = Counter(record.get_kind_display().lower() for record in records)
    say(f"    e-mails by kind: {', '.join(f'{count} {kind}' for kind, count in kinds.most_common())}")
    say(
        f"    e-mails recorded {recorded.total()}, marked sent {sent} ({retried_ok} after failing), "
        f"received by the mail server {received.total()}: {len(twice)} more often than recorded, "
        f"{len(missing)} less often"
    )
    for (recipient, subject), count in list(twice.items())[:5]:
        say(f"    received {count} times, recorded {recorded[recipient, subject]}: {recipient}, {subject!r}")
    for (recipient, subject), count in list(missing.items())[:5]:
        say(f"    recorded {count} times, received {received[recipient, subject]}: {recipient}, {subject!r}")
        for row in emails.filter(recipient__iexact=recipient).values(
            "pk", "kind", "created_at", "claimed_at", "attempts", "failed_at", "sent_at", "error"
        ):
            say(f"      {row}")
    check(not twice, f"{len(twice)} e-mails were received more often than they were recorded")
    check(not missing, f"{len(missing)} e-mails recorded were not received")
    check(sent == len(records), f"{len(records) - sent} e-mails received but not marked sent")
    summary.append(
        f"e-mails: {len(records)} recorded, each received exactly once ({retried_ok} after failing, sent by "
        "retry_booking_emails)"
    )


def keep_logs(folder, destination):
    destination.mkdir(parents=True, exist_ok=True)
    for log in folder.glob("*.log"):
        shutil.copy(log, destination / log.name)
    say(f"  logs kept in {destination}")


def too_many_clients(folder):
    """Lines in the servers' and workers' logs where PostgreSQL refused a connection for want of slots."""
    return [
        line
        for log in sorted(folder.glob("*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if "too many clients" in line or "remaining connection slots" in line
    ]


# The benchmark ---------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookers", type=int, default=120, help="people booking at once, mail server black-holed")
    parser.add_argument("--capacity", type=int, default=50, help="places at that workshop (default 50)")
    parser.add_argument("--cut-seconds", type=int, default=8, help="how long the database is cut off (default 8)")
    parser.add_argument("--rounds", type=int, default=10, help="requests per page and server, baseline (default 10)")
    parser.add_argument(
        "--keep-logs", type=Path, metavar="FOLDER", help="copy the servers' and workers' logs into FOLDER at the end"
    )
    parser.add_argument(
        "--skip-if-unavailable",
        action="store_true",
        help="exit with status 0 ('skipped') when PostgreSQL or Redis cannot be reached",
    )
    options = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    os.environ["BENCH_DATABASE_URL"] = database_url

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(own_redis(redis_url))
        except redis.ConnectionError as error:
            return unavailable("Redis", "BENCH_REDIS_URL", redis_url, error, options)
        try:
            database = stack.enter_context(benchsite.throwaway_database("faults"))
        except psycopg.OperationalError as error:
            return unavailable("PostgreSQL", "BENCH_DATABASE_URL", database_url, error, options)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="collaborative-bench-faults-")))
        if options.keep_logs:
            stack.callback(keep_logs, folder, options.keep_logs)
        direct_database_url = os.environ["DATABASE_URL"]

        database_proxy = stack.enter_context(proxy("PostgreSQL", target_of(direct_database_url, 5432)))
        redis_proxy = stack.enter_context(proxy("Redis", target_of(redis_url, 6379)))
        mail = stack.enter_context(mail_server())
        smtp_proxy = stack.enter_context(proxy("SMTP", ("127.0.0.1", mail.port)))
        proxied_database_url = through(direct_database_url, database_proxy)
        proxied_redis_url = through(redis_url, redis_proxy)

        say("Faults: the production stack with its mail server, Redis and database failing in turn")
        say(f"  machine:   {benchsite.machine()}")
        say(f"  software:  {benchsite.versions()}")
        say(f"  database:  {database}, through {database_proxy}")
        say(f"  redis:     {redis_url} (the bench's own: emptied before and after), through {redis_proxy}")
        say(f"  mail:      aiosmtpd on 127.0.0.1:{mail.port}, through {smtp_proxy}")

        environment = {
            **server_environment(folder, proxied_database_url, proxied_redis_url),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_proxy.port),
            "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT),
            "DEFAULT_FROM_EMAIL": "workshops@example.nhs.uk",
            "BOOKING_RATE_LIMIT_ATTEMPTS": str(RATE_LIMIT_ATTEMPTS),
        }
        files, seconds = collect_static(environment)
        say(f"  static:    collectstatic into a temporary STATIC_ROOT: {files} files in {seconds:.1f} s")

        benchsite.set_up_django()
        benchsite.set_up_site()
        from events.models import NewsAndEventsIndexPage
        from reports.models import ReportPage

        workshop, _ = benchsite.add_workshop("baseline", "A workshop", capacity=50)
        rush_event, rush_form = benchsite.add_workshop("rush", "Booking rush", capacity=options.capacity)
        cache_event, cache_form = benchsite.add_workshop("no-cache", "Booking without Redis", capacity=50)
        restart_event, restart_form = benchsite.add_workshop("restart", "Booking as the database restarts", 1000)
        network_event, network_form = benchsite.add_workshop("network", "Booking as the network fails", 1000)
        pages = {
            "home page": "/",
            "news and events": NewsAndEventsIndexPage.objects.get().url,
            "a workshop": workshop.url,
            "a report": ReportPage.objects.live().order_by("pk").first().url,
        }
        watch = stack.enter_context(connection_watch(direct_database_url))

        started = time.perf_counter()
        workers = stack.enter_context(
            benchsite.background_workers(environment, folder, BACKGROUND_WORKERS, restart_after=WORKER_RESTART_SECONDS)
        )
        servers = stack.enter_context(app_servers(environment, folder))
        say(
            f"  servers:   {', '.join(str(server) for server in servers)}: gunicorn, {WORKERS_PER_SERVER} workers "
            f"each, the production settings; {BACKGROUND_WORKERS} background workers (db_worker, started again "
            f"{WORKER_RESTART_SECONDS} s after stopping); healthy in {time.perf_counter() - started:.1f} s"
        )
        say(
            f"  settings:  e-mail over SMTP, EMAIL_TIMEOUT={EMAIL_TIMEOUT}; BOOKING_RATE_LIMIT_ATTEMPTS="
            f"{RATE_LIMIT_ATTEMPTS}; DATABASE_CONNECT_TIMEOUT={DATABASE_CONNECT_TIMEOUT} (the default); "
            f"PostgreSQL max_connections={watch.max_connections}"
        )
        say(
            f"  bounds:    /healthz {HEALTHZ_WITHIN} s; a page without Redis {PAGE_WITHOUT_CACHE_WITHIN} s; any "
            f"request without the database {ANSWER_WITHOUT_DATABASE_WITHIN} s (gunicorn's timeout is "
            f"{GUNICORN_TIMEOUT} s); working again {RECOVERED_WITHIN} s after it; PostgreSQL connections "
            f"{connection_bound()}"
        )

        summary = []
        finished = False
        try:
            baseline(servers, pages, options.rounds, summary)
            mail_black_holed(
                servers, pages, smtp_proxy, watch, rush_event, rush_form.url, options.bookers, options.capacity, summary
            )
            cache_black_holed(servers, pages, redis_proxy, cache_form.url, cache_event, summary)
            next_person = 0
            for event, form, then in ((restart_event, restart_form, REFUSE), (network_event, network_form, BLACK_HOLE)):
                next_person = database_cut(
                    servers,
                    pages,
                    database_proxy,
                    watch,
                    event,
                    form.url,
                    then,
                    options.cut_seconds,
                    next_person,
                    summary,
                )
            emails_after_faults(
                environment, mail, [rush_event.pk, cache_event.pk, restart_event.pk, network_event.pk], summary
            )
            refused = too_many_clients(folder)
            summary.append(
                f"PostgreSQL: at most {watch.peak(0)} connections to the database in the whole run, of "
                f"{watch.max_connections} (bound {connection_bound()}); 'too many clients' in the logs: "
                f"{len(refused)}; background workers started again after stopping: {workers.restarts}"
            )
            check(not refused, f"PostgreSQL refused connections: {refused[:1]}")
            check_connections(watch.peak(0))
            finished = True
        finally:
            say()
            say("Summary" + ("" if finished else " (as far as it got)"))
            for line in summary:
                say(f"  - {line}")
    return 0


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    benchsite.run_benchmark(main, "  interrupted: the proxies and servers are stopped and the database dropped")
