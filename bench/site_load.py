"""
The site under load: the production stack (gunicorn, the production
settings, WhiteNoise, Redis when there is one) serving the initial content,
a large content set and ten times it to wrk, with the figures behind each
page and every speed target printed PASS or MISS.

1. A throwaway database: PostgreSQL when BENCH_DATABASE_URL names a server
   or, when it is not set, if postgresql://postgres@127.0.0.1:5432 answers;
   otherwise (or with --sqlite, or BENCH_DATABASE_URL set empty) a SQLite
   file in a temporary folder. It is dropped afterwards. Redis database 14
   on 127.0.0.1:6379, emptied before and after (and between servers), if
   Redis answers there.
2. The site as a new installation has it (migrations, load_initial_content)
   and one upcoming load-test workshop with a booking form; queries per
   request counted.
3. The 10x set (10,000 workshops, 20,000 news items, 2,000 reports, 300,000
   bookings), kept between runs: a database <name>_siteload_10x_keep on the
   same PostgreSQL server, or a SQLite file in the temporary folder's
   collaborative-bench-kept/. Built once, in a process of its own, under a
   temporary name renamed when complete; built again when the site's
   migrations, Django's, Wagtail's or taggit's version, or
   KEPT_BUILD_VERSION changed (a marker row records them), or with
   --rebuild-kept. --drop-kept removes it, --prepare-kept builds it and stops.
4. collectstatic into a temporary STATIC_ROOT, then, with the initial
   content, gunicorn (the project's gunicorn.conf.py, a free loopback port)
   with the page cache off (PAGE_CACHE_SECONDS=0): the public pages (home,
   News and events, a workshop, a report, a search) and two references
   (/robots.txt, a view that touches no database, and a static file), in
   --rounds interleaved rounds of --round-seconds each, medians reported.
5. The large set added to the throwaway database (1,000 workshops with
   agendas, venues and a booking form each, 2,000 news items, 200 reports,
   30,000 bookings with their e-mails, written in bulk, the page tree
   checked with treebeard's find_problems, the search index updated,
   ANALYZE run); queries counted again, and "where the time goes" (SQL
   against the rest, in this process); then a fresh gunicorn uncached as
   above, each page also from one connection alone; then one as deployed
   (PAGE_CACHE_SECONDS unset: the page cache on with Redis, off without it),
   with a conditional GET run for each page that sends an ETag or
   Last-Modified, and booking POSTs from 20 connections at once.
6. A copy of the kept 10x set (CREATE DATABASE ... TEMPLATE, or a file
   copy: the run books into it): queries counted, then a fresh gunicorn
   uncached as above, with two more searches, for a word planted in 60
   pages and one planted in 6,000.

Over HTTP, each run also reports the CPU time gunicorn's workers and
PostgreSQL's processes for the database (when it runs on this machine)
spent per request, and the share of the machine the rest used (Redis, other
work): CPU time does not depend on what else runs, throughput and latency
do; shares of the static file's and robots.txt's throughput in the same run
depend on it less.

    .venv/bin/python bench/site_load.py [--quick] [--rounds 3] [--round-seconds 5] [--duration 10]
                                        [--connections 4] [--bookers 20] [--sqlite] [--show-queries]
                                        [--skip-10x] [--rebuild-kept] [--drop-kept] [--prepare-kept]

Needs wrk (Debian package wrk). Exits with status 1 when a response is
broken (not 2xx/3xx where 2xx is expected, a booking not taken) or a
booking is lost; a missed target is printed as MISS and does not fail.
bench/export_bookings.py measures the streamed 10,000-booking export.
"""

import argparse
import contextlib
import hashlib
import http.client
import importlib.metadata
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import benchsite
from benchsite import REPOSITORY, BenchError, check, say

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
# Four sync workers for two CPUs: gunicorn's own default (2 x CPUs + 1) less
# one, as wrk runs on the same two CPUs.
WORKERS = 4
HEALTHY_WITHIN = 60
WRK_TIMEOUT = "10s"
SEARCH_WORD = "wellbeing"
TIMED_REQUESTS = 20

FULL = {"workshops": 1000, "news": 2000, "reports": 200, "bookings": 30_000}
QUICK = {"workshops": 100, "news": 200, "reports": 20, "bookings": 3000}
# Ten times the large set, built once and kept between runs (see KeptPostgres).
TEN_TIMES = {name: count * 10 for name, count in FULL.items()}
TEN_TIMES_QUICK = {name: count * 10 for name, count in QUICK.items()}
# Change when build_pages, build_bookings or the planted words change: the
# kept set is then built again. (Migrations and package versions are
# compared by themselves: kept_fingerprint.)
KEPT_BUILD_VERSION = 1
# Two words planted in the 10x set's summaries and found nowhere else, so
# that search is measured with few matches and with many (a tenth with --quick).
RARE_WORD, COMMON_WORD = "lighthouse", "compass"
PLANTED_PER_TEN_TIMES = {RARE_WORD: 60, COMMON_WORD: 6000}
UPCOMING_SHARE = 0.3
LOAD_TEST_BOOKINGS = 20

# Targets: printed as PASS or MISS, never a failure.
CACHED_SHARE_OF_TRIVIAL = 0.60
# Each page's uncached throughput at the 10x set against the initial content's.
FLAT_SHARE = 0.90
# A run during which the rest of the machine used more than this share of its
# CPUs is listed, as its figures may be another process's as much as ours.
DISTURBED_SHARE = 0.10
# The search for the common word against the rare word's (throughput).
SEARCH_FLAT_SHARE = 0.90
# At the large set, uncached throughput as a share of the static file's in
# the same run: the comparable page of Wagtail's bakerydemo as measured on
# this machine (its production settings under gunicorn, page cache off, wrk on
# loopback, medians of interleaved rounds), and our target, twice it.
BAKERYDEMO = {
    "home page": ("home", 0.0077, 0.015),
    "news and events": ("blog index", 0.011, 0.022),
    "workshop": ("blog page", 0.017, 0.034),
    "report": ("bread page", 0.0206, 0.041),
    "search": ('search "bread"', 0.0086, 0.017),
}
BAKERYDEMO_RATIO = 2.0
UNCACHED_P95_MS = 150
# 15, and the page cache's check that no clearing of it is owed (home/page_cache.py).
MAX_QUERIES = 16
BOOKING_P95_MS = 300

TOPICS = (
    "Strategic workforce planning",
    "Staff wellbeing",
    "Recruitment and retention",
    "Diversity and inclusion",
    "Leadership development",
    "Digital skills",
    "Peer support roles",
    "Nursing workforce",
    "Psychological safety",
    "Apprenticeships",
    "Clinical supervision",
    "Flexible working",
)
TAGS = ("Workforce planning", "Wellbeing", "Recruitment", "Leadership", "Equality", "Digital", "Training", "Retention")
TOWNS = ("Leeds", "Birmingham", "Bristol", "Newcastle", "Nottingham", "Sheffield")

# wrk's figures as one line of key=value pairs (latency in microseconds), read by wrk().
FIGURES_LUA = """
function write_figures(summary, latency)
  local errors = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d bytes=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d status_errors=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
"""

PAGE_LUA = (
    FIGURES_LUA
    + """
function done(summary, latency, requests)
  write_figures(summary, latency)
end
"""
)

# Booking POSTs: a new e-mail address each, the CSRF cookie sent by hand
# (production's is Secure, so no client would send it over plain HTTP), and
# every answer counted, across wrk's threads: a 302 (the redirect to the
# confirmation) is a booking taken.
BOOKING_LUA = (
    FIGURES_LUA
    + """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  prefix, cookie, answers = args[1], args[2], args[3]
  sent, taken, refused = 0, 0, 0
  post_headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "csrftoken=" .. cookie}
end

function request()
  sent = sent + 1
  local email = string.format("%s.t%d.%d%%40example.nhs.uk", prefix, thread_number, sent)
  return wrk.format("POST", nil, post_headers, answers .. "&email=" .. email)
end

function response(status, headers, body)
  if status == 302 then taken = taken + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local taken, refused = 0, 0
  for _, thread in ipairs(threads) do
    taken = taken + thread:get("taken")
    refused = refused + thread:get("refused")
  end
  io.write(string.format("TAKEN taken=%d refused=%d\\n", taken, refused))
  write_figures(summary, latency)
end
"""
)

# Conditional GETs (If-None-Match or If-Modified-Since): every answer counted,
# across wrk's threads, as 304 Not Modified or anything else.
CONDITIONAL_LUA = (
    FIGURES_LUA
    + """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_modified, other = 0, 0
end

function response(status, headers, body)
  if status == 304 then not_modified = not_modified + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local not_modified, other = 0, 0
  for _, thread in ipairs(threads) do
    not_modified = not_modified + thread:get("not_modified")
    other = other + thread:get("other")
  end
  io.write(string.format("ANSWERS not_modified=%d other=%d\\n", not_modified, other))
  write_figures(summary, latency)
end
"""
)


# Setting up -----------------------------------------------------------------


def choose_database(force_sqlite):
    """
    Point BENCH_DATABASE_URL (read by benchsite.throwaway_database) at
    PostgreSQL on 127.0.0.1:5432 when it is not set and that server answers.
    """
    if force_sqlite:
        os.environ["BENCH_DATABASE_URL"] = ""
        return
    if "BENCH_DATABASE_URL" in os.environ:
        return
    import psycopg

    try:
        with psycopg.connect(DEFAULT_POSTGRES.rsplit("/", 1)[0] + "/postgres", connect_timeout=2):
            pass
    except psycopg.Error:
        os.environ["BENCH_DATABASE_URL"] = ""
    else:
        os.environ["BENCH_DATABASE_URL"] = DEFAULT_POSTGRES


def redis_if_answering():
    """A client for the benchmark's own Redis database, emptied, if Redis answers on 127.0.0.1:6379."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        return None
    client.flushdb()
    return client


def site_environment(folder, redis_client):
    """
    The production settings' environment, for this process and the servers
    alike. Here the page cache is off: queries are counted on the path
    every uncached request takes.
    """
    environment = {
        **benchsite.production_environment(folder),
        "BOOKING_RATE_LIMIT_ATTEMPTS": "100000000",
        "PAGE_CACHE_SECONDS": "0",
    }
    if redis_client is not None:
        environment["REDIS_URL"] = REDIS_URL
    else:
        os.environ.pop("REDIS_URL", None)
    # Uploads stay in the temporary MEDIA_ROOT and PRIVATE_MEDIA_ROOT, and the servers are reached directly.
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_PRIVATE_BUCKET_NAME", "SECURE_PROXY_SSL_HEADER"):
        os.environ.pop(name, None)
    os.environ.update(environment)


def set_up_django():
    import django

    django.setup()


def collect_static():
    """collectstatic into the temporary STATIC_ROOT, as a deployment runs it; the site stylesheet's hashed address."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    return settings.STATIC_URL + manifest["paths"]["css/site.css"]


def timed(label, action):
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    say(f"  {label:<62} {elapsed:6.1f} s")
    return result, elapsed


# The large content set -------------------------------------------------------


def uid():
    return str(uuid.uuid4())


def rich_text(*paragraphs):
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def agenda(rng, topic):
    """A day in two parts, as events/blocks.py AgendaBlock stores it."""
    people = ("Dr Amara Okafor", "Sam Whitfield", "Prof. Helen Marsh", "Ravi Patel", "Joanna Daci", "Tom Ellery")
    roles = ("Director of Nursing", "HR Director", "Chief Executive", "Workforce Lead", "Medical Director")
    trusts = ("Oxford Health NHS FT", "Mersey Care NHS FT", "Leeds and York Partnership NHS FT", "NHS England")

    def session(start, title):
        speakers = [
            {"name": rng.choice(people), "role": rng.choice(roles), "organisation": rng.choice(trusts)}
            for _ in range(rng.randint(0, 2))
        ]
        return {
            "time": start,
            "title": title,
            "speakers": speakers,
            "to_be_confirmed": rng.random() < 0.1,
            "description": f"What trusts have learnt about {topic.lower()}, and what they would do next.",
        }

    morning = [session("10:30:00", "Welcome and introductions"), session("11:00:00", f"{topic}: where we are")]
    afternoon = [session("13:30:00", "Group work"), session("14:45:00", "What we will do next"), session(None, "Close")]
    return [
        {"type": "part", "value": {"heading": "Morning", "sessions": morning}, "id": uid()},
        {"type": "part", "value": {"heading": "Afternoon", "sessions": afternoon}, "id": uid()},
    ]


def article_body(topic, recommendations=False):
    body = [
        {"type": "heading", "value": {"text": "Background", "level": "2"}, "id": uid()},
        {
            "type": "paragraph",
            "value": rich_text(
                f"Trusts across England met to compare their work on {topic.lower()}.",
                "This page sets out what they found, and what the Collaborative will do next.",
            ),
            "id": uid(),
        },
        {"type": "heading", "value": {"text": "What we found", "level": "2"}, "id": uid()},
        {"type": "paragraph", "value": rich_text("Most trusts had a plan; fewer had measured it."), "id": uid()},
    ]
    if recommendations:
        body.append(
            {
                "type": "recommendations",
                "value": {
                    "heading": "Recommendations",
                    "recommendations": [
                        {"text": f"Every trust should name a board lead for {topic.lower()}.", "for_whom": "Boards"},
                        {"text": "Share what works through the Collaborative.", "for_whom": "HR directors"},
                    ],
                },
                "id": uid(),
            }
        )
    return body


def place_under(parent, pages, first_step, published_at):
    """
    Give each new page its place in the tree under parent, as treebeard's
    add_child would: the next path steps in order, the depth below the
    parent's, and Wagtail's url_path, locale and publishing fields.
    """
    from wagtail.models import Page

    for step, page in enumerate(pages, start=first_step):
        page.depth = parent.depth + 1
        page.path = Page._get_path(parent.path, page.depth, step)
        page.numchild = 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.locale_id = parent.locale_id
        page.draft_title = page.title
        page.live = True
        page.has_unpublished_changes = False
        page.first_published_at = page.last_published_at = published_at


def insert_pages(model, pages, batch_size=500):
    """
    Write pages of one type in bulk: their wagtailcore_page rows with
    bulk_create, then their own table's rows. Django's bulk_create refuses
    multi-table models, so the second half uses QuerySet._insert, the
    method Model.save() itself inserts with. No signals are sent: the search
    index is updated afterwards for the lot.
    """
    from wagtail.models import Page

    base_fields = [field.attname for field in Page._meta.concrete_fields if not field.primary_key]
    own_fields = model._meta.local_concrete_fields
    for start in range(0, len(pages), batch_size):
        batch = pages[start : start + batch_size]
        rows = Page.objects.bulk_create([Page(**{name: getattr(page, name) for name in base_fields}) for page in batch])
        for page, row in zip(batch, rows, strict=True):
            page.id = page.page_ptr_id = row.id
            page._state.adding = False
        model._base_manager._insert(batch, fields=own_fields)


def next_step_under(parent):
    last = parent.get_last_child()
    return last._get_lastpos_in_path() + 1 if last else 1


def add_children(parent, model, pages, published_at):
    from django.db.models import F
    from wagtail.models import Page

    place_under(parent, pages, next_step_under(parent), published_at)
    insert_pages(model, pages)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    parent.refresh_from_db()


def planted_words(sizes, planted):
    """
    number -> the planted words for the number-th page built (workshops, then
    news, then reports): each word in exactly its count of pages, spread evenly.
    """
    total = sizes["workshops"] + sizes["news"] + sizes["reports"]

    def words(number):
        return [word for word, count in planted.items() if (number + 1) * count // total > number * count // total]

    return words


def with_planted(summary, words):
    return summary + "".join(f" ({word})" for word in words)


def build_pages(sizes, rng, planted=None):
    """
    The workshops (with a booking form each), news items and reports. Returns
    (workshop, form) pairs. planted: word -> the number of pages whose
    summary gets it.
    """
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify
    from taggit.models import Tag
    from wagtail.models import Page

    from events.models import (
        AttendanceMode,
        AudienceRole,
        BookingFormPage,
        Contact,
        EventPage,
        EventType,
        NewsAndEventsIndexPage,
        NewsPage,
        NewsPageTag,
        Venue,
    )
    from events.models.pages import USUAL_START
    from reports.models import ReportIndexPage, ReportPage, ReportPageTag

    today = timezone.localdate()
    now = timezone.now()
    words = planted_words(sizes, planted or {})
    with transaction.atomic():
        index = NewsAndEventsIndexPage.objects.get()
        reports_index = ReportIndexPage.objects.get()
        Venue.objects.bulk_create(
            Venue(name=f"{town} Conference Centre", address_line_1="1 Park Row", town_or_city=town, postcode="LS1 5HD")
            for town in TOWNS
        )
        venues = list(Venue.objects.all())
        contact = Contact.objects.order_by("pk").first()
        roles = list(AudienceRole.objects.all())
        tags = [Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0] for name in TAGS]
        kinds = [EventType.WORKSHOP] * 3 + [EventType.VIDEOCONFERENCE, EventType.FORUM]

        events = []
        for number in range(sizes["workshops"]):
            topic = TOPICS[number % len(TOPICS)]
            kind = kinds[number % len(kinds)]
            upcoming = rng.random() < UPCOMING_SHARE
            day = today + timedelta(days=rng.randint(7, 540) if upcoming else -rng.randint(1, 3650))
            mode = (AttendanceMode.IN_PERSON, AttendanceMode.ONLINE, AttendanceMode.HYBRID)[number % 3]
            # An upcoming event held in person needs a venue; some past ones have none on record.
            has_venue = mode != AttendanceMode.ONLINE and (upcoming or number % 4)
            title = f"{topic}: {EventType(kind).label.lower()} {number + 1}"
            events.append(
                EventPage(
                    title=title,
                    slug=slugify(title),
                    event_type=kind,
                    date=day,
                    start_time=USUAL_START,
                    end_time=clock(15, 30),
                    attendance_mode=mode,
                    venue=rng.choice(venues) if has_venue else None,
                    summary=with_planted(
                        f"A {EventType(kind).label.lower()} for strategic leaders on {topic.lower()}.", words(number)
                    ),
                    aims=rich_text(f"To share what works in {topic.lower()}, and agree what to do next."),
                    agenda=agenda(rng, topic),
                    capacity=None if number % 20 == 0 else (30 if number % 7 == 0 else 50),
                    booking_contact=contact,
                )
            )
        add_children(index, EventPage, events, now)
        audience_through = EventPage.audience.through
        audience_through.objects.bulk_create(
            audience_through(eventpage_id=event.pk, audiencerole_id=role.pk)
            for event in events
            for role in rng.sample(roles, k=min(len(roles), 2))
        )

        # A booking form under every workshop: bookings belong to one, and
        # past workshops had theirs too.
        forms = []
        for event in events:
            form = BookingFormPage(title="Book a place", slug="book")
            place_under(event, [form], 1, now)
            forms.append(form)
        insert_pages(BookingFormPage, forms)
        Page.objects.filter(pk__in=[event.pk for event in events]).update(numchild=1)

        news = []
        for number in range(sizes["news"]):
            topic = TOPICS[(number * 5) % len(TOPICS)]
            title = f"{topic}: news {number + 1}"
            news.append(
                NewsPage(
                    title=title,
                    slug=slugify(title),
                    date=today - timedelta(days=rng.randint(0, 3650)),
                    summary=with_planted(
                        f"News from the Collaborative about {topic.lower()}.", words(sizes["workshops"] + number)
                    ),
                    body=article_body(topic),
                )
            )
        add_children(index, NewsPage, news, now)
        NewsPageTag.objects.bulk_create(
            NewsPageTag(content_object_id=item.pk, tag=tag) for item in news for tag in rng.sample(tags, k=2)
        )

        past = [event for event in events if event.date < today]
        reports = []
        for number in range(sizes["reports"]):
            topic = TOPICS[(number * 7) % len(TOPICS)]
            title = f"{topic}: report {number + 1}"
            published = today - timedelta(days=rng.randint(0, 3650))
            reports.append(
                ReportPage(
                    title=title,
                    slug=slugify(title),
                    publication_date=published,
                    summary=with_planted(
                        f"What the Collaborative's trusts found about {topic.lower()}, and what they recommend.",
                        words(sizes["workshops"] + sizes["news"] + number),
                    ),
                    authors="HR directors of the Collaborative's member trusts",
                    body=article_body(topic, recommendations=True),
                    workshop=rng.choice(past) if past and number % 2 == 0 else None,
                    last_reviewed=published,
                    next_review_due=published + timedelta(days=365),
                )
            )
        add_children(reports_index, ReportPage, reports, now)
        ReportPageTag.objects.bulk_create(
            ReportPageTag(content_object_id=report.pk, tag=tag) for report in reports for tag in rng.sample(tags, k=2)
        )
    return list(zip(events, forms, strict=True))


def booking(event_id, form_id, number, status, now):
    from events.models import Booking, BookingStatus

    email = f"booker.{number}@trust{number % 40}.nhs.uk"
    return Booking(
        page_id=form_id,
        event_id=event_id,
        status=status,
        name=f"Booker {number}",
        email=email,
        email_normalised=email,
        job_title="Director of Nursing",
        organisation=f"NHS Foundation Trust {number % 40}",
        form_data={},
        consented_at=now,
        status_changed_at=now,
        cancelled_at=now if status == BookingStatus.CANCELLED else None,
    )


def build_bookings(workshops, total, load_test, rng):
    """
    total bookings: LOAD_TEST_BOOKINGS at the load-test workshop, the rest
    spread unevenly over the others. One in 25 is cancelled; the others are
    confirmed up to the capacity and wait beyond it, as book_place decides.
    Each has the e-mail a booking sends, recorded as sent: without them the
    planner takes the e-mails table for empty, and picks plans that read
    every booking to send one.
    """
    from django.utils import timezone

    from events.models import Booking, BookingEmail, BookingEmailKind, BookingStatus

    now = timezone.now()
    event, form = load_test
    rows = [booking(event.pk, form.pk, number, BookingStatus.CONFIRMED, now) for number in range(LOAD_TEST_BOOKINGS)]
    weights = [rng.uniform(0.2, 1.8) for _ in workshops]
    per_workshop = Counter(rng.choices(range(len(workshops)), weights=weights, k=total - LOAD_TEST_BOOKINGS))
    for position, (workshop, workshop_form) in enumerate(workshops):
        confirmed = 0
        for number in range(per_workshop[position]):
            if number % 25 == 24:
                status = BookingStatus.CANCELLED
            elif workshop.capacity is None or confirmed < workshop.capacity:
                status = BookingStatus.CONFIRMED
                confirmed += 1
            else:
                status = BookingStatus.WAITING
            rows.append(booking(workshop.pk, workshop_form.pk, number, status, now))
    Booking.objects.bulk_create(rows, batch_size=2000)
    kinds = {
        BookingStatus.CONFIRMED: BookingEmailKind.CONFIRMATION,
        BookingStatus.WAITING: BookingEmailKind.WAITING_LIST,
        BookingStatus.CANCELLED: BookingEmailKind.CANCELLATION,
    }
    BookingEmail.objects.bulk_create(
        (
            BookingEmail(booking_id=row.pk, kind=kinds[row.status], recipient=row.email, sent_at=now, attempts=1)
            for row in rows
        ),
        batch_size=2000,
    )
    return Counter(row.status for row in rows)


def update_search_index():
    from django.core.management import call_command

    call_command("update_index", verbosity=0)


def analyze():
    """
    Fresh planner statistics, as a live database has them: right after a
    bulk load PostgreSQL would otherwise plan for nearly empty tables.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def check_tree():
    """treebeard's own check of every path, depth and child count."""
    from wagtail.models import Page

    problems = Page.find_problems()
    names = ("bad characters", "bad step length", "orphans", "wrong depth", "wrong number of children")
    found = {name: ids for name, ids in zip(names, problems, strict=True) if ids}
    check(not found, f"the page tree is broken: {found}")
    return Page.objects.count()


# Ten times the large set, kept between runs -----------------------------------


def kept_fingerprint(sizes):
    """
    What the kept set was built from: the builder's version, its sizes, the
    framework's versions and every migration file of the site. A kept set
    whose fingerprint differs from the code's is built again.
    """
    digest = hashlib.sha256(f"{KEPT_BUILD_VERSION} {sorted(sizes.items())} {PLANTED_PER_TEN_TIMES}".encode())
    for package in ("django", "wagtail", "django-taggit"):
        digest.update(f"{package} {importlib.metadata.version(package)}".encode())
    for path in sorted(REPOSITORY.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(REPOSITORY)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


MARKER_TABLE = "bench_kept_content"


class KeptPostgres:
    """
    The 10x set kept as a database on the benchmark's PostgreSQL server,
    <prefix>_siteload_10x_keep (_quick_keep with --quick). It is built under
    a temporary name and renamed only when complete, so an interrupted build
    leaves nothing that looks kept; each run books into a copy made with
    CREATE DATABASE ... TEMPLATE, never into it.
    """

    def __init__(self, server_url, quick):
        self.parts = urlsplit(server_url)
        prefix = self.parts.path.strip("/") or "bench"
        self.name = f"{prefix}_siteload_10x{'_quick' if quick else ''}_keep"[:54]
        self.building = f"{self.name}_building"
        self.copy = f"{prefix}_siteload_{os.getpid()}_10x"[:63]
        self.maintenance_url = urlunsplit(self.parts._replace(path="/postgres"))
        self.where = f"PostgreSQL database {self.name}"

    def url(self, name):
        return urlunsplit(self.parts._replace(path=f"/{name}"))

    def run(self, statement, *parameters):
        import psycopg

        with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(statement, parameters or None)
            return cursor.fetchone() if cursor.description else None

    def drop_database(self, name):
        from psycopg import sql

        self.run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def marker(self):
        """(fingerprint, details) the kept set was built with, or None if there is none."""
        import psycopg

        if not self.run("SELECT 1 FROM pg_database WHERE datname = %s", self.name):
            return None
        try:
            with psycopg.connect(self.url(self.name), connect_timeout=5) as connection:
                row = connection.execute(f"SELECT fingerprint, details FROM {MARKER_TABLE}").fetchone()  # noqa: S608
        except psycopg.Error:
            return None
        return (row[0], json.loads(row[1])) if row else None

    def start_building(self):
        from psycopg import sql

        self.drop_database(self.building)
        self.run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.building)))
        return self.url(self.building)

    def finish_building(self):
        from psycopg import sql

        self.drop_database(self.name)
        self.run(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(*map(sql.Identifier, (self.building, self.name))))

    def abandon_building(self):
        self.drop_database(self.building)

    def drop(self):
        self.drop_database(self.building)
        self.drop_database(self.name)

    def make_copy(self, folder):
        """A copy for this run to book into: its DATABASE_URL."""
        from psycopg import sql

        self.drop_database(self.copy)
        self.run(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(*map(sql.Identifier, (self.copy, self.name))))
        return self.url(self.copy)

    def drop_copy(self):
        self.drop_database(self.copy)


class KeptSqlite:
    """
    The 10x set kept as a SQLite file in the temporary folder's
    collaborative-bench-kept/, built under a temporary name and renamed when
    complete, and copied into the run's folder for each run.
    """

    def __init__(self, quick):
        self.folder = Path(tempfile.gettempdir()) / "collaborative-bench-kept"
        self.path = self.folder / f"siteload-10x{'-quick' if quick else ''}.sqlite3"
        self.building = self.path.with_name(self.path.name + ".building")
        self.where = f"SQLite file {self.path}"
        self.copy = None

    @staticmethod
    def remove(path):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def marker(self):
        import sqlite3

        if not self.path.exists():
            return None
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as connection:
                row = connection.execute(f"SELECT fingerprint, details FROM {MARKER_TABLE}").fetchone()  # noqa: S608
        except sqlite3.Error:
            return None
        return (row[0], json.loads(row[1])) if row else None

    def start_building(self):
        self.folder.mkdir(exist_ok=True)
        self.remove(self.building)
        return f"sqlite:///{self.building}"

    def finish_building(self):
        import sqlite3

        # One self-contained file, without a write-ahead log beside it, before it is renamed and copied.
        with contextlib.closing(sqlite3.connect(self.building)) as connection:
            connection.execute("PRAGMA journal_mode=DELETE")
        self.remove(self.path)
        os.replace(self.building, self.path)

    def abandon_building(self):
        self.remove(self.building)

    def drop(self):
        self.remove(self.building)
        self.remove(self.path)

    def make_copy(self, folder):
        self.copy = folder / "ten-times.sqlite3"
        shutil.copyfile(self.path, self.copy)
        return f"sqlite:///{self.copy}"

    def drop_copy(self):
        if self.copy is not None:
            self.remove(self.copy)


def kept_set(quick):
    server_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    return KeptPostgres(server_url, quick) if server_url else KeptSqlite(quick)


def ensure_ten_times(kept, sizes, options):
    """
    The kept 10x set's details (addresses, search counts, how long it took to
    build), building it first when there is none, it is out of date, or
    --rebuild-kept asks. The build runs in a process of its own, on its own
    database, with the same settings as this one.
    """
    fingerprint = kept_fingerprint(sizes)
    found = None if options.rebuild_kept else kept.marker()
    if found is not None and found[0] == fingerprint:
        return found[1], False
    if options.rebuild_kept:
        why = "--rebuild-kept"
    elif found is None:
        why = "none kept yet"
    else:
        why = "out of date: the migrations, the framework's versions or the builder changed"
    say(f"  building it ({why}) under a temporary name, renamed to {kept.where} when complete")
    environment = {
        **os.environ,
        "DATABASE_URL": kept.start_building(),
        # Bulk statements at this size can outlast the site's 25 s statement timeout.
        "DATABASE_STATEMENT_TIMEOUT": "0",
    }
    # Nothing of the build may linger in the benchmark's cache.
    environment.pop("REDIS_URL", None)
    command = [sys.executable, str(Path(__file__).resolve()), "--kept-builder", fingerprint]
    if options.quick:
        command.append("--quick")
    try:
        finished = subprocess.run(command, cwd=REPOSITORY, env=environment, check=False)  # noqa: S603 (this script)
        check(finished.returncode == 0, f"building the 10x set failed (status {finished.returncode})")
        kept.finish_building()
    except BaseException:
        kept.abandon_building()
        raise
    found = kept.marker()
    check(found is not None and found[0] == fingerprint, "the 10x set was built but its marker is missing")
    return found[1], True


def build_kept_set(options):
    """
    In the process ensure_ten_times starts, on the database DATABASE_URL
    names: the site as a new installation has it, the load-test workshop,
    then ten times the large set, in bulk, with the planted search words; the
    marker row last, which says the set is complete and what it was built from.
    """
    set_up_django()
    from django.db import connection
    from django.utils import timezone
    from wagtail.models import Page

    from events.models import NewsAndEventsIndexPage
    from reports.models import ReportPage

    sizes = TEN_TIMES_QUICK if options.quick else TEN_TIMES
    divisor = 10 if options.quick else 1
    planted = {word: count // divisor for word, count in PLANTED_PER_TEN_TIMES.items()}
    rng = random.Random(20240610)  # noqa: S311 (made-up content, not security)
    started = time.perf_counter()
    steps = {}
    _, steps["migrate"] = timed("migrate and load_initial_content", benchsite.set_up_site)
    (event, form_page), _ = timed(
        "the load-test workshop with its booking form",
        lambda: benchsite.add_workshop("load-test-workshop", "Load test workshop", capacity=50),
    )
    workshops, steps["pages"] = timed(
        "pages, in bulk (workshops with agendas and booking forms, news, reports)",
        lambda: build_pages(sizes, rng, planted),
    )
    statuses, steps["bookings"] = timed(
        "bookings and their e-mails, in bulk",
        lambda: build_bookings(workshops, sizes["bookings"], (event, form_page), rng),
    )
    _, steps["update_index"] = timed("search index (update_index)", update_search_index)
    _, steps["analyze"] = timed("planner statistics (ANALYZE)", analyze)
    pages_in_all, steps["check_tree"] = timed("page tree checked (treebeard find_problems)", check_tree)
    matches = {word: Page.objects.live().search(word).count() for word in (SEARCH_WORD, RARE_WORD, COMMON_WORD)}
    details = {
        "sizes": sizes,
        "built_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": time.perf_counter() - started,
        "steps": steps,
        "pages": pages_in_all,
        "bookings": dict(statuses),
        "matches": matches,
        "urls": {
            "home page": "/",
            "news and events": NewsAndEventsIndexPage.objects.get().url,
            "workshop": event.url,
            "report": ReportPage.objects.live().order_by("pk").first().url,
        },
        "form": form_page.url,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (fingerprint text NOT NULL, details text NOT NULL)")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (fingerprint, details) VALUES (%s, %s)",  # noqa: S608 (a constant)
            [options.kept_builder, json.dumps(details)],
        )
    connection.close()
    return 0


def use_database(url):
    """
    Point this process's Django at another database of the same kind (the
    10x set's copy), forgetting what it cached from the one before: the
    cache (the site's root paths, the page cache's generations) and content
    types.
    """
    import dj_database_url
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = dj_database_url.parse(url)["NAME"]
    os.environ["DATABASE_URL"] = url
    ContentType.objects.clear_cache()
    cache.clear()


# In this process: queries per request, and where the time goes --------------


class SqlTimer:
    """A connection.execute_wrapper adding up the time spent in the database, and the queries."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def in_process_requests(urls, form_path):
    """Each page as a test client request, and a booking POST with a new address each time: name -> send(client)."""
    from events.booking.forms import form_started_token

    numbers = iter(range(1_000_000))

    def get(url):
        return lambda client: client.get(url)

    def book(client):
        answers = {
            "name": "In-process Booker",
            "email": f"in-process.{uuid.uuid4().hex[:12]}.{next(numbers)}@example.nhs.uk",
            "job_title": "Director of Nursing",
            "organisation": "An NHS Foundation Trust",
            "consent": "on",
            "started": form_started_token(),
        }
        return client.post(form_path, answers)

    return {**{name: get(url) for name, url in urls.items()}, "booking POST": book}


def expected_status(name):
    return 302 if name == "booking POST" else 200


def count_queries(requests, show=False):
    """
    Queries each request makes once warm (the second time it is sent),
    uncached: name -> count. With show, each query's SQL is printed too.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, send in requests.items():
        send(client)
        with CaptureQueriesContext(connection) as captured:
            response = send(client)
        check(
            response.status_code == expected_status(name),
            f"{name} answered {response.status_code} in this process, not {expected_status(name)}",
        )
        counts[name] = len(captured)
        if show:
            say(f"    {name}: {len(captured)} queries")
            for number, query in enumerate(captured.captured_queries, start=1):
                say(f"      {number:>2}. {query['sql'][:400]}")
    return counts


def where_the_time_goes(requests, count):
    """
    Per request: the whole request through Django (test client, uncached),
    the time inside database calls, and the rest (middleware, views,
    templates, Python). Means over count requests.
    """
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    figures = {}
    for name, send in requests.items():
        send(client)
        totals, in_sql = [], []
        for _ in range(count):
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = send(client)
                totals.append(time.perf_counter() - started)
            in_sql.append(timer.seconds)
            check(response.status_code == expected_status(name), f"{name} answered {response.status_code}")
        figures[name] = (statistics.fmean(totals) * 1000, statistics.fmean(in_sql) * 1000)
    return figures


# Over HTTP: gunicorn and wrk --------------------------------------------------


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def processes():
    """Every process on this machine: pid -> (parent pid, CPU seconds it has used), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                # After the command name, which may hold spaces: state, ppid, ..., utime (14th), stime (15th).
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return found


def machine_busy_seconds():
    """CPU seconds every CPU has spent busy (neither idle nor waiting for a disk) since boot."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


class Server:
    """A running gunicorn: its port, and the CPU its workers and their database connections use."""

    def __init__(self, port, master_pid):
        self.port = port
        self.master_pid = master_pid

    def database_pids(self):
        """PostgreSQL's processes serving this database's other connections, when it runs on this machine."""
        from django.db import connection

        if connection.vendor != "postgresql" or connection.settings_dict["HOST"] not in ("127.0.0.1", "localhost"):
            return set()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return {pid for (pid,) in cursor.fetchall()}

    def wait_until_idle(self, timeout=60):
        """
        Until gunicorn's workers use no CPU for a moment: requests a wrk run
        left in hand when it stopped are answered before the next run starts,
        rather than counted against it (a slow search takes seconds).
        """
        deadline = time.monotonic() + timeout

        def workers_cpu():
            return sum(cpu for parent, cpu in processes().values() if parent == self.master_pid)

        used = workers_cpu()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = workers_cpu()
            if now - used < 0.01:
                return
            used = now

    def cpu(self):
        """CPU seconds used so far: per gunicorn worker and database process, by wrk (finished), by everything."""
        database = self.database_pids()
        table = processes()
        # Finished child processes: only wrk runs end while a server is up.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "app": {pid: cpu for pid, (parent, cpu) in table.items() if parent == self.master_pid},
            "db": {pid: table[pid][1] for pid in database if pid in table},
            "wrk": children.ru_utime + children.ru_stime,
            "self": time.process_time(),
            "machine": machine_busy_seconds(),
        }


def cpu_used(before, after, requests, seconds):
    """Per request: gunicorn's and PostgreSQL's CPU milliseconds; and the share of the machine others used."""

    def spent(name):
        return sum(cpu - before[name].get(pid, 0) for pid, cpu in after[name].items())

    app, database = spent("app"), spent("db")
    ours = app + database + sum(after[name] - before[name] for name in ("wrk", "self"))
    others = max(after["machine"] - before["machine"] - ours, 0) / (seconds * os.cpu_count())
    return {"app_ms": app * 1000 / requests, "db_ms": database * 1000 / requests, "others": others}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(page_cache_seconds, log_path):
    """
    The site under gunicorn with the project's configuration, on a free
    loopback port, until the block ends (also on Ctrl+C). Yields a Server.
    """
    port = free_port()
    environment = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(WORKERS),
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "",
        # No worker restarts in the middle of a run (production recycles
        # each worker every ~2,000 requests): a restart would be counted
        # against whichever page was running.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    if page_cache_seconds is None:
        environment.pop("PAGE_CACHE_SECONDS", None)
    else:
        environment["PAGE_CACHE_SECONDS"] = str(page_cache_seconds)
    with open(log_path, "ab") as log:
        # Its own session: Ctrl+C reaches this script, which stops gunicorn in order.
        process = subprocess.Popen(  # noqa: S603 (a fixed command: this Python's gunicorn)
            [sys.executable, "-m", "gunicorn", "-c", "collaborative_site/gunicorn.conf.py"],
            cwd=REPOSITORY,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(process, port, log_path)
        yield Server(port, process.pid)
    finally:
        stop(process)


def wait_until_healthy(process, port, log_path):
    deadline = time.monotonic() + HEALTHY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn stopped (status {process.returncode}):\n{log_tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, body = fetch(port, "GET", "/healthz")
            # The first line is the database's answer; the second, the cache's.
            if status == 200 and body.splitlines()[:1] == [b"ok"]:
                return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {HEALTHY_WITHIN} s:\n{log_tail(log_path)}")


def stop(process):
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not stopped within its graceful timeout."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def log_tail(log_path, lines=30):
    with contextlib.suppress(OSError):
        return "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


def wrk(server, path, script, connections, seconds, arguments=(), headers=()):
    """
    One wrk run: its figures from the script's done(), with requests a
    second, milliseconds, and the CPU the server used per request. headers:
    "Name: value" lines sent with every request.
    """
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{server.port}{path}",
    ]
    for header in headers:
        command += ["-H", header]
    if arguments:
        command += ["--", *arguments]
    server.wait_until_idle()
    before = server.cpu()
    finished = subprocess.run(  # noqa: S603 (wrk, with arguments this script builds)
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    after = server.cpu()
    figures = {}
    for line in finished.stdout.splitlines():
        if line.startswith(("WRK ", "TAKEN ", "ANSWERS ")):
            figures.update({key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)})
    check("requests" in figures, f"wrk gave no figures for {path}:\n{finished.stdout}\n{finished.stderr}")
    figures["rate"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["p50"] = figures["p50_us"] / 1000
    figures["p95"] = figures["p95_us"] / 1000
    figures["socket_errors"] = sum(
        figures[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    figures.update(cpu_used(before, after, max(figures["requests"], 1), figures["duration_us"] / 1e6))
    return figures


def run_line(name, figures, trivial_rate=None, static_rate=None):
    """One run's (or one median's) figures on a line: throughput, latency, CPU, and shares when given."""
    spread = ""
    if len(figures.get("rates", ())) > 1:
        spread = f" ({min(figures['rates']):,.1f}-{max(figures['rates']):,.1f})"
    shares = []
    if static_rate:
        shares.append(f"{ratio(figures['rate'], static_rate):6.1%} of the static file")
    if trivial_rate:
        shares.append(f"{ratio(figures['rate'], trivial_rate):6.1%} of robots.txt")
    errors = ""
    if figures["status_errors"] or figures["socket_errors"]:
        errors = f"   errors: {figures['status_errors']} 4xx/5xx, {figures['socket_errors']} socket"
    return (
        f"    {name:<26} {figures['rate']:8.1f} req/s{spread}   p50 {figures['p50']:7.1f} ms   "
        f"p95 {figures['p95']:7.1f} ms   CPU per request: gunicorn {figures['app_ms']:5.1f} ms, "
        f"PostgreSQL {figures['db_ms']:4.1f} ms; rest of machine {figures['others']:4.0%}   {', '.join(shares)}{errors}"
    )


def medians(runs):
    """Several runs of one address as one: the median of each figure, errors and requests added up."""
    figures = {
        key: statistics.median(run[key] for run in runs) for key in ("rate", "p50", "p95", "app_ms", "db_ms", "others")
    }
    for key in ("requests", "status_errors", "socket_errors"):
        figures[key] = sum(run[key] for run in runs)
    figures["rates"] = [run["rate"] for run in runs]
    return figures


def check_and_warm_up(server, targets, folder):
    """
    Every address answers 200 (twice: the second answer says whether the
    page cache kept it), then 1 s of wrk each to warm every worker up.
    Returns name -> the second answer's headers.
    """
    answers = {}
    for name, path in targets.items():
        for _ in range(2):
            status, headers, _ = fetch(server.port, "GET", path)
        check(status == 200, f"{name} ({path}) answered {status}, not 200")
        answers[name] = headers
    for path in targets.values():
        wrk(server, path, folder / "page.lua", WORKERS, 1)
    return answers


def flush_cache():
    """Empty the site's cache (the benchmark's own Redis database, or this process's memory) between servers."""
    from django.core.cache import cache

    cache.clear()


def uncached_throughput(label, urls, references, options, folder, problems, alone=False):
    """
    A fresh gunicorn with the page cache off: each address in turn, for
    options.rounds interleaved rounds of options.round_seconds at
    options.connections; the median of each figure. With alone, each page
    again from one connection (its latency with no request waiting for a
    CPU). Returns name -> figures ("<name> alone" for those runs).
    """
    targets = {**references, **urls}
    flush_cache()
    say(f"  {label}: the page cache off (PAGE_CACHE_SECONDS=0), {load_average()} at the start")
    results = {}
    with gunicorn(0, folder / "gunicorn.log") as server:
        check_and_warm_up(server, targets, folder)
        runs = {name: [] for name in targets}
        for _ in range(options.rounds):
            for name, path in targets.items():
                runs[name].append(wrk(server, path, folder / "page.lua", options.connections, options.round_seconds))
        for name, figures in runs.items():
            results[name] = medians(figures)
        static, trivial = results["static file"]["rate"], results["robots.txt"]["rate"]
        say(
            f"    medians of {options.rounds} round(s) of {options.round_seconds} s at -c{options.connections} "
            "(lowest-highest req/s)"
        )
        for name in targets:
            compared = name not in references
            say(run_line(name, results[name], trivial if compared else None, static if compared else None))
            if results[name]["status_errors"]:
                problems.append(f"{label}: {name} answered {results[name]['status_errors']} times with 4xx/5xx")
        if alone:
            for name, path in urls.items():
                figures = wrk(server, path, folder / "page.lua", 1, options.duration)
                results[f"{name} alone"] = figures
                say(run_line(f"{name} (-c1)", figures))
    say(f"    {load_average()} at the end")
    return results


def validators_of(headers):
    """The conditional request header a client would send back for this answer, or None if it has no validator."""
    if headers.get("ETag"):
        return f"If-None-Match: {headers['ETag']}"
    if headers.get("Last-Modified"):
        return f"If-Modified-Since: {headers['Last-Modified']}"
    return None


def cached_pages(label, urls, references, options, folder, problems, booking):
    """
    A fresh gunicorn as deployed (PAGE_CACHE_SECONDS unset): each reference
    and page at options.connections for options.duration; a conditional GET
    run for each page whose answer carries an ETag or Last-Modified; then
    the booking POSTs. Returns name -> figures, with "cache" for each
    address's X-Page-Cache answer, "<name> conditional" for the conditional
    runs and "validators" for each page's validator (or None).
    """
    targets = {**references, **urls}
    flush_cache()
    say(f"  {label}, {load_average()} at the start")
    results = {}
    with gunicorn(None, folder / "gunicorn.log") as server:
        answers = check_and_warm_up(server, targets, folder)
        results["cache"] = {name: headers.get("X-Page-Cache", "none") for name, headers in answers.items()}
        results["validators"] = {name: validators_of(answers[name]) for name in urls}
        say(f"    (X-Page-Cache on a second request: {', '.join(f'{k} {v}' for k, v in results['cache'].items())})")
        say(
            "    (validators: "
            + ", ".join(f"{name} {validator or 'none'}" for name, validator in results["validators"].items())
            + ")"
        )
        for name, path in targets.items():
            results[name] = wrk(server, path, folder / "page.lua", options.connections, options.duration)
        static = results["static file"]["rate"]
        for name in targets:
            say(run_line(name, results[name], static_rate=static if name != "static file" else None))
            if results[name]["status_errors"]:
                problems.append(f"{label}: {name} answered {results[name]['status_errors']} times with 4xx/5xx")
        for name, validator in results["validators"].items():
            if validator is None:
                continue
            path = urls[name]
            status, _, _ = fetch(server.port, "GET", path, headers=dict([validator.split(": ", 1)]))
            figures = wrk(
                server, path, folder / "conditional.lua", options.connections, options.duration, headers=[validator]
            )
            figures["first_status"] = status
            results[f"{name} conditional"] = figures
            say(
                run_line(f"{name}, conditional GET", figures, static_rate=static)
                + f"   304: {figures['not_modified']:,} of {figures['not_modified'] + figures['other']:,}"
            )
        figures, prefix = book_under_load(server, booking, options, folder)
    say(f"    {load_average()} at the end")
    # After the server has stopped (gracefully: every request in hand
    # finished), so that every booking and e-mail it took is counted.
    results["booking POST"] = settle_bookings(figures, booking[0], prefix, options, problems)
    return results


def booking_form_answers(port, form_path):
    """
    GET the booking form as a visitor does: the CSRF cookie, the form's
    CSRF token, the signed time it was shown and the spam trap's name.
    Returns (cookie, the answers url-encoded, without the e-mail).
    """
    from bs4 import BeautifulSoup

    status, headers, body = fetch(port, "GET", form_path)
    check(status == 200, f"the booking form answered {status}")
    cookies = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        cookies.load(value)
    check("csrftoken" in cookies, "the booking form set no csrftoken cookie")
    form = BeautifulSoup(body, "html.parser").select_one("form.booking-form")
    check(form is not None, "the booking form page has no form.booking-form")
    trap = form.select_one(".booking-form__trap input")
    check(trap is not None, "the booking form has no spam trap field")
    answers = {
        "csrfmiddlewaretoken": form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"],
        "started": form.find("input", attrs={"name": "started"})["value"],
        trap["name"]: "",
        "name": "Load Booker",
        "job_title": "Director of Nursing",
        "organisation": "An NHS Foundation Trust",
        "consent": "on",
    }
    return cookies["csrftoken"].value, urlencode(answers)


def book_under_load(server, booking, options, folder):
    """
    options.bookers connections POSTing bookings at the load-test workshop,
    each with a new e-mail address, after one booking by hand to check the
    form takes them. Returns wrk's figures and the addresses' prefix.
    """
    event, form_path = booking
    cookie, answers = booking_form_answers(server.port, form_path)
    prefix = f"wrk{os.getpid()}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    status, response_headers, body = fetch(
        server.port, "POST", form_path, answers + f"&email={prefix}-check%40example.nhs.uk", headers
    )
    check(
        status == 302 and "/bookings/" in response_headers.get("Location", ""),
        f"a booking POST answered {status}, not a redirect to its confirmation:\n"
        + body[:2000].decode(errors="replace"),
    )
    figures = wrk(
        server, form_path, folder / "booking.lua", options.bookers, options.duration, (prefix, cookie, answers)
    )
    say(run_line(f"booking POST (-c{options.bookers})", figures))
    return figures, prefix


def settle_bookings(figures, event, prefix, options, problems):
    """
    Every booking answered with a redirect to its confirmation must be in
    the database, and the workshop must hold no more confirmed places than
    it has.
    """
    from events.models import Booking, BookingEmail, BookingStatus

    stored = Booking.objects.filter(event=event, email_normalised__startswith=f"{prefix}.").count()
    statuses = Counter(Booking.objects.filter(event=event).values_list("status", flat=True))
    emails = BookingEmail.objects.filter(booking__event=event, booking__email_normalised__startswith=f"{prefix}.")
    figures.update(
        stored=stored,
        confirmed=statuses[BookingStatus.CONFIRMED],
        waiting=statuses[BookingStatus.WAITING],
        emails=emails.count(),
        sent=emails.exclude(sent_at=None).count(),
    )
    say(
        f"      {figures['taken']:,} bookings taken (302), {figures['refused']} refused; {stored:,} stored "
        f"(a request cut off by wrk's end may be stored unanswered); the workshop now has "
        f"{figures['confirmed']} confirmed of {event.capacity} places and {figures['waiting']:,} waiting; "
        f"e-mails {figures['sent']:,} sent of {figures['emails']:,} recorded"
    )
    if figures["refused"]:
        problems.append(f"booking POST: {figures['refused']} answers other than a redirect to the confirmation")
    if stored < figures["taken"]:
        problems.append(f"booking POST: {figures['taken']} bookings taken but only {stored} stored (lost bookings)")
    if stored > figures["taken"] + options.bookers + figures["socket_errors"]:
        problems.append(f"booking POST: {stored} stored, more than the {figures['taken']} taken could explain")
    if event.capacity is not None and figures["confirmed"] > event.capacity:
        problems.append(f"booking POST: {figures['confirmed']} confirmed at a workshop of {event.capacity} places")
    return figures


# The report ------------------------------------------------------------------------


def verdict(passed):
    return "PASS" if passed else "MISS"


def ratio(part, whole):
    """part / whole; not a number (printed nan, and failing every >= target) when whole is 0: a run answered nothing."""
    return part / whole if whole else float("nan")


def shares_cell(results, name):
    if results is None or name not in results:
        return f"{'-':>8} {'-':>7} {'-':>7}"
    rate = results[name]["rate"]
    static, trivial = results["static file"]["rate"], results["robots.txt"]["rate"]
    return f"{rate:8.1f} {ratio(rate, static):7.2%} {ratio(rate, trivial):7.1%}"


def summary(pages, phases, cached, queries, times, ten, options, shared_cache):
    """The tables, then every target with PASS or MISS (a MISS never fails the run)."""
    initial, large, ten_times = phases["initial"], phases["large"], phases["10x"]
    booking = cached["booking POST"]
    searches = [name for name in (ten_times or {}) if name.startswith("search, ")]
    say()
    say(
        f"Summary: uncached throughput (PAGE_CACHE_SECONDS=0), medians of {options.rounds} interleaved round(s) of "
        f"{options.round_seconds} s at -c{options.connections}, a fresh gunicorn for each content set"
    )
    say(f"  {'':<26} {'initial content':^24}   {'large set':^24}   {'10x set':^24}   {'10x /':>7}")
    say(f"  {'page':<26} " + "   ".join([f"{'req/s':>8} {'static':>7} {'robots':>7}"] * 3) + f"   {'initial':>7}")
    for name in [*pages, *searches, "robots.txt", "static file"]:
        flat = ""
        if ten_times and name in initial and name in ten_times:
            flat = f"{ratio(ten_times[name]['rate'], initial[name]['rate']):7.2f}"
        cells = "   ".join(shares_cell(results, name) for results in (initial, large, ten_times))
        say(f"  {name:<26} {cells}   {flat:>7}")
    say("  static, robots: req/s as a share of the static file's and of /robots.txt's in the same run.")

    say()
    say("CPU per request, uncached: gunicorn's workers + PostgreSQL's processes for the database, ms")
    say(f"  {'page':<26} {'initial':>15} {'large':>15} {'10x':>15}")
    for name in [*pages, *searches, "robots.txt", "static file"]:
        cells = []
        for results in (initial, large, ten_times):
            figures = (results or {}).get(name)
            cells.append(f"{figures['app_ms']:6.1f} + {figures['db_ms']:5.1f}" if figures else f"{'-':>14}")
        say(f"  {name:<26} {' '.join(f'{cell:>15}' for cell in cells)}")

    say()
    say("At the large set, against Wagtail's bakerydemo (its comparable page, measured on this machine)")
    say(f"  {'page':<18} {'share of static':>15}   {'bakerydemo':<16} {'its share':>9} {'ratio':>6}")
    for name in pages:
        demo_page, demo_share, _ = BAKERYDEMO[name]
        share = ratio(large[name]["rate"], large["static file"]["rate"])
        say(f"  {name:<18} {share:15.2%}   {demo_page:<16} {demo_share:9.2%} {share / demo_share:5.2f}x")

    if ten:
        say()
        say("Search at the 10x set: a word in few pages and one in many")
        for word in (SEARCH_WORD, RARE_WORD, COMMON_WORD):
            name = "search" if word == SEARCH_WORD else f"search, {word}"
            figures = (ten_times or {}).get(name)
            measured = (
                f"{figures['rate']:8.1f} req/s, CPU {figures['app_ms']:.1f} + {figures['db_ms']:.1f} ms"
                if figures
                else ""
            )
            say(f"  /search/?q={word:<12} {ten['matches'][word]:>7,} live pages match   {measured}")

    say()
    say("Cached (as deployed), large set: throughput as a share of the static file's in the same run")
    static = cached["static file"]["rate"]
    trivial = large["robots.txt"]["rate"]
    for name in [*pages, "robots.txt"]:
        figures = cached[name]
        say(
            f"  {name:<18} {figures['rate']:8.1f} req/s   p50 {figures['p50']:6.1f} ms   "
            f"p95 {figures['p95']:6.1f} ms   {ratio(figures['rate'], static):6.1%} of the static file "
            f"({static:,.0f} req/s), "
            f"{ratio(figures['rate'], trivial):6.1%} of robots.txt uncached   X-Page-Cache {cached['cache'][name]}"
        )
        conditional = cached.get(f"{name} conditional")
        if conditional:
            answered = conditional["not_modified"] + conditional["other"]
            say(
                f"  {'  conditional GET':<18} {conditional['rate']:8.1f} req/s   p50 {conditional['p50']:6.1f} ms   "
                f"p95 {conditional['p95']:6.1f} ms   {ratio(conditional['rate'], static):6.1%} of the static file; "
                f"304 for {conditional['not_modified']:,} of {answered:,} ({cached['validators'][name]})"
            )
    if not any(cached["validators"].values()):
        say("  No page answered with an ETag or Last-Modified: no conditional GET run.")

    say()
    say("Latency (large set) and queries per request")
    say(
        f"  {'page':<26} {'uncached -c' + str(options.connections):>17}   {'uncached -c1':>15}   "
        f"{'queries: initial':>16} {'large':>5} {'10x':>5}"
    )
    say(f"  {'':<26} {'p50 ms':>8} {'p95 ms':>8}   {'p50 ms':>7} {'p95 ms':>7}")
    for name in [*pages, *searches, "booking POST"]:
        figures = booking if name == "booking POST" else large.get(name)
        alone = large.get(f"{name} alone")
        say(
            f"  {name:<26} "
            + (f"{figures['p50']:8.1f} {figures['p95']:8.1f}" if figures else f"{'':>17}")
            + "   "
            + (f"{alone['p50']:7.1f} {alone['p95']:7.1f}" if alone else f"{'':>15}")
            + "   "
            + " ".join(
                f"{queries[phase].get(name, '-'):>{width}}"
                for phase, width in (("initial", 16), ("large", 5), ("10x", 5))
            )
        )
    say(f"  Booking POSTs: -c{options.bookers} at one workshop, {booking['rate']:.1f} a second.")

    say()
    say("Where the time goes, uncached, large content set")
    say(
        f"  {'':<18} {'in this process, mean of ' + str(TIMED_REQUESTS) + ' requests':^46}   "
        f"{'over HTTP, CPU per request':^26}"
    )
    say(
        f"  {'page':<18} {'total ms':>9} {'SQL ms':>8} {'rest ms':>8} {'SQL share':>10} {'queries':>8}   "
        f"{'gunicorn ms':>12} {'PostgreSQL ms':>13}"
    )
    for name, (total, sql) in times.items():
        served = booking if name == "booking POST" else large[name]
        say(
            f"  {name:<18} {total:9.1f} {sql:8.1f} {total - sql:8.1f} {sql / total if total else 0:10.0%} "
            f"{queries['large'][name]:>8}   {served['app_ms']:12.1f} {served['db_ms']:13.1f}"
        )
    say("  SQL: time inside the database driver's calls; rest: middleware, view, templates and other Python.")

    disturbed = [
        f"{label}: {name} {figures['others']:.0%}"
        for label, results in (("initial", initial), ("large", large), ("10x", ten_times), ("cached", cached))
        for name, figures in (results or {}).items()
        if isinstance(figures, dict) and figures.get("others", 0) > DISTURBED_SHARE
    ]
    if disturbed:
        say()
        say(
            f"Runs where the rest of the machine used more than {DISTURBED_SHARE:.0%} of its CPUs (other work, or "
            "PostgreSQL's parallel workers, which the PostgreSQL column leaves out): compare these with care"
        )
        say("  " + "; ".join(disturbed))

    say()
    say("Targets (PASS or MISS; a MISS never fails the run; 'info' is reported, not a target)")
    rows = targets(pages, phases, cached, queries, ten, options, shared_cache)
    for passed, target, measured in rows:
        mark = "info" if passed is None else ("n/a" if passed == "n/a" else verdict(passed))
        say(f"  {mark:<5} {target:<92} {measured}")
    counted = [passed for passed, _, _ in rows if isinstance(passed, bool)]
    say(f"  {counted.count(True)} PASS, {counted.count(False)} MISS")
    say()
    say("  The 10,000-booking export, streamed in flat memory, is bench/export_bookings.py's.")


def targets(pages, phases, cached, queries, ten, options, shared_cache):
    """Every target as (True/False, or None for a figure reported only, or "n/a"; the target; what was measured)."""
    initial, large, ten_times = phases["initial"], phases["large"], phases["10x"]
    rows = []
    for name in pages:
        target = f"FLAT: {name}, uncached, 10x set >= {FLAT_SHARE:.2f}x the initial content's"
        if ten_times is None:
            rows.append(("n/a", target, "no 10x set in this run"))
            continue
        flat = ratio(ten_times[name]["rate"], initial[name]["rate"])
        # The same, each as a share of its run's static file: steadier when
        # other work slowed one content set's runs and not the other's.
        flat_shares = ratio(
            ratio(ten_times[name]["rate"], ten_times["static file"]["rate"]),
            ratio(initial[name]["rate"], initial["static file"]["rate"]),
        )
        rows.append(
            (
                flat >= FLAT_SHARE,
                target,
                f"{flat:.2f}x ({ten_times[name]['rate']:.1f} against {initial[name]['rate']:.1f} req/s; "
                f"as shares of the static file {flat_shares:.2f}x)",
            )
        )
    for name in pages:
        demo_page, demo_share, share_target = BAKERYDEMO[name]
        share = ratio(large[name]["rate"], large["static file"]["rate"])
        rows.append(
            (
                share >= share_target,
                f"{name}, uncached, large set >= {share_target:.1%} of the static file "
                f"({BAKERYDEMO_RATIO:.0f}x bakerydemo's {demo_page}, {demo_share:.2%}, rounded)",
                f"{share:.2%} ({share / demo_share:.2f}x bakerydemo)",
            )
        )
    target = f"search flat in matches: the common word >= {SEARCH_FLAT_SHARE:.2f}x the rare word's throughput, 10x set"
    if ten_times is None:
        rows.append(("n/a", target, "no 10x set in this run"))
    else:
        rare, common = ten_times[f"search, {RARE_WORD}"]["rate"], ten_times[f"search, {COMMON_WORD}"]["rate"]
        rows.append(
            (
                ratio(common, rare) >= SEARCH_FLAT_SHARE,
                target,
                f"{ratio(common, rare):.2f}x ({COMMON_WORD}: {ten['matches'][COMMON_WORD]:,} pages, "
                f"{common:.1f} req/s; "
                f"{RARE_WORD}: {ten['matches'][RARE_WORD]:,} pages, {rare:.1f} req/s)",
            )
        )
    static, trivial = cached["static file"]["rate"], large["robots.txt"]["rate"]
    for name in pages:
        if name == "search":
            # Outside the page cache by design (home/page_cache.py): every
            # query is different, and each search is counted for the admin's
            # search terms report. It is held to the uncached targets.
            continue
        kept = cached["cache"][name]
        why = "" if kept == "hit" else f" (not from the page cache: X-Page-Cache {kept})"
        if not shared_cache:
            why += " (no Redis: as deployed without REDIS_URL, the page cache is off)"
        share = ratio(cached[name]["rate"], static)
        rows.append((None, f"{name}, cached, as a share of the static file", f"{share:.1%}{why}"))
        rows.append(
            (
                ratio(cached[name]["rate"], trivial) >= CACHED_SHARE_OF_TRIVIAL,
                f"{name}, cached >= {CACHED_SHARE_OF_TRIVIAL:.0%} of robots.txt's uncached throughput",
                f"{ratio(cached[name]['rate'], trivial):.1%}{why}",
            )
        )
        conditional = cached.get(f"{name} conditional")
        if conditional:
            answered = conditional["not_modified"] + conditional["other"]
            rows.append(
                (
                    None,
                    f"{name}, conditional GET ({cached['validators'][name].split(':')[0]}) answered 304",
                    f"{conditional['not_modified'] / max(answered, 1):.0%} of {answered:,}, "
                    f"{conditional['rate']:.0f} req/s, {ratio(conditional['rate'], static):.1%} of the static file",
                )
            )
    if not any(cached["validators"].values()):
        rows.append((None, "cached pages: conditional GET (If-None-Match)", "no ETag or Last-Modified sent: not run"))
    for name in pages:
        p95, alone = large[name]["p95"], large[f"{name} alone"]["p95"]
        rows.append(
            (
                p95 < UNCACHED_P95_MS,
                f"{name}, uncached p95 < {UNCACHED_P95_MS} ms, large set",
                f"{p95:.1f} ms at -c{options.connections} ({alone:.1f} ms alone)",
            )
        )
    for name in pages:
        counts = [queries[phase][name] for phase in ("initial", "large", "10x") if name in queries[phase]]
        rows.append(
            (
                max(counts) <= MAX_QUERIES and counts == sorted(counts, reverse=True),
                f"{name}, queries <= {MAX_QUERIES}, not growing with content",
                " / ".join(map(str, counts)) + " (initial / large" + (" / 10x)" if len(counts) == 3 else ")"),
            )
        )
    # Not a page: a locked write that records the booking and its e-mails.
    counts = [queries[phase]["booking POST"] for phase in ("initial", "large", "10x") if queries[phase]]
    rows.append(
        (
            counts == sorted(counts, reverse=True),
            "booking POST: queries not growing with content (the page budget does not apply)",
            " / ".join(map(str, counts)),
        )
    )
    booking = cached["booking POST"]
    rows.append(
        (
            booking["p95"] < BOOKING_P95_MS,
            f"booking POST p95 < {BOOKING_P95_MS} ms at {options.bookers} concurrent bookers",
            f"{booking['p95']:.1f} ms",
        )
    )
    return rows


# The run -------------------------------------------------------------------------


def load_average():
    return f"1-minute load average {os.getloadavg()[0]:.2f}"


def wrk_version():
    command = [shutil.which("wrk") or "wrk", "--version"]
    with contextlib.suppress(OSError):
        finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (wrk itself)
        return finished.stdout.split("[", 1)[0].strip() or "wrk"
    raise SystemExit("wrk is not installed: apt-get install wrk")


def main():
    import redis

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the content (and of the 10x set), shorter runs, to try it out"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of the uncached runs, medians reported (3)"
    )
    parser.add_argument(
        "--round-seconds", type=int, help="seconds per page per uncached round (default 5, or 1 with --quick)"
    )
    parser.add_argument(
        "--duration", type=int, help="seconds per cached, -c1 and booking run (default 10, or 3 with --quick)"
    )
    parser.add_argument("--connections", type=int, default=WORKERS, help=f"wrk connections for pages ({WORKERS})")
    parser.add_argument("--bookers", type=int, default=20, help="wrk connections sending bookings (default 20)")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file even if PostgreSQL answers")
    parser.add_argument("--show-queries", action="store_true", help="print each request's SQL (large content set)")
    parser.add_argument("--skip-10x", action="store_true", help="leave out the 10x set (and its targets)")
    parser.add_argument("--rebuild-kept", action="store_true", help="build the kept 10x set again, even if up to date")
    parser.add_argument("--drop-kept", action="store_true", help="drop the kept 10x set (of --quick or not), then stop")
    parser.add_argument(
        "--prepare-kept", action="store_true", help="build the kept 10x set if missing or out of date, then stop"
    )
    # Internal: the process ensure_ten_times starts to build the 10x set (the value is its fingerprint).
    parser.add_argument("--kept-builder", help=argparse.SUPPRESS)
    options = parser.parse_args()
    options.duration = options.duration or (3 if options.quick else 10)
    options.round_seconds = options.round_seconds or (1 if options.quick else 5)
    # A SIGTERM ends the run as Ctrl+C does: gunicorn stopped, the databases dropped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if options.kept_builder:
        return build_kept_set(options)
    sizes = QUICK if options.quick else FULL
    choose_database(options.sqlite)
    if options.drop_kept:
        kept = kept_set(options.quick)
        kept.drop()
        say(f"Dropped the kept 10x set ({kept.where}), if there was one.")
        return 0
    if options.prepare_kept:
        return prepare_kept(options)
    wrk_line = wrk_version()
    rng = random.Random(20240601)  # noqa: S311 (made-up content, not security)

    redis_client = redis_if_answering()
    folder = Path(tempfile.mkdtemp(prefix="collaborative-bench-siteload-"))
    started = time.perf_counter()
    try:
        with benchsite.throwaway_database("siteload") as database:
            site_environment(folder, redis_client)
            set_up_django()
            return run(options, sizes, rng, database, redis_client, folder, wrk_line, started)
    finally:
        if redis_client is not None:
            with contextlib.suppress(redis.RedisError, OSError):
                redis_client.flushdb()
        shutil.rmtree(folder, ignore_errors=True)


def prepare_kept(options):
    """--prepare-kept: the kept 10x set built if it is missing or out of date, and nothing else."""
    folder = Path(tempfile.mkdtemp(prefix="collaborative-bench-siteload-"))
    try:
        site_environment(folder, None)
        ten_times_set(kept_set(options.quick), options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def ten_times_set(kept, options):
    """The kept 10x set's details, built first if needed, with how long building took or reusing takes."""
    sizes = TEN_TIMES_QUICK if options.quick else TEN_TIMES
    say(
        f"The 10x set: {sizes['workshops']:,} workshops, {sizes['news']:,} news items, "
        f"{sizes['reports']:,} reports, {sizes['bookings']:,} bookings, kept between runs ({kept.where})"
    )
    (ten, built), seconds = timed(
        "the kept set checked against the code (built first if needed)", lambda: ensure_ten_times(kept, sizes, options)
    )
    steps = ten["steps"]
    say(
        f"  {'built' if built else 'reused: it was built'} on {ten['built_at']} in {ten['seconds']:.0f} s "
        f"(pages {steps['pages']:.0f} s, bookings {steps['bookings']:.0f} s, update_index "
        f"{steps['update_index']:.0f} s, ANALYZE {steps['analyze']:.0f} s, tree check {steps['check_tree']:.0f} s); "
        + (
            "later runs reuse it"
            if built
            else f"reusing it took {seconds:.1f} s, and each run works on a copy. --rebuild-kept builds it again"
        )
    )
    say(
        f"  {ten['pages']:,} pages; bookings "
        + ", ".join(f"{count:,} {status}" for status, count in ten["bookings"].items())
        + "; live pages matching "
        + ", ".join(f"'{word}' {count:,}" for word, count in ten["matches"].items())
    )
    return ten


def run(options, sizes, rng, database, redis_client, folder, wrk_line, started):
    import gunicorn as gunicorn_package
    from django.db import connections
    from django.utils import timezone
    from wagtail.models import Page

    from events.models import EventPage, NewsAndEventsIndexPage
    from reports.models import ReportPage

    say("Site load: the production stack under wrk, with the initial content, a large set and ten times it")
    say(f"  machine:   {benchsite.machine()}")
    say(f"  software:  {benchsite.versions()}, gunicorn {gunicorn_package.__version__}, {wrk_line}")
    say(f"  database:  {database}")
    cache = f"Redis, {REDIS_URL} (emptied before and after)" if redis_client else "local memory, per process"
    say(f"  cache:     {cache}")
    say(
        f"  server:    gunicorn -c collaborative_site/gunicorn.conf.py, production settings, WhiteNoise for static "
        f"files; WEB_CONCURRENCY={WORKERS} sync workers (gunicorn's default for {os.cpu_count()} CPUs is "
        f"{os.cpu_count() * 2 + 1}: one fewer, as wrk shares the CPUs); a fresh one for each content set"
    )
    say(
        f"  load:      wrk -t2 -c{options.connections} (one connection per worker): uncached, {options.rounds} "
        f"interleaved rounds of {options.round_seconds} s per page, medians; cached and -c1, {options.duration} s "
        f"per page; -c{options.bookers} for bookings; wrk runs on the same CPUs"
    )
    say(f"  {load_average()} at the start")
    (folder / "page.lua").write_text(PAGE_LUA)
    (folder / "booking.lua").write_text(BOOKING_LUA)
    (folder / "conditional.lua").write_text(CONDITIONAL_LUA)
    say()
    say("Setting up")
    timed("migrate and load_initial_content", benchsite.set_up_site)
    (event, form_page), _ = timed(
        "an upcoming load-test workshop with its booking form",
        lambda: benchsite.add_workshop("load-test-workshop", "Load test workshop", capacity=50),
    )
    static_url, _ = timed("collectstatic into a temporary STATIC_ROOT", collect_static)

    urls = {
        "home page": "/",
        "news and events": NewsAndEventsIndexPage.objects.get().url,
        "workshop": event.url,
        "report": ReportPage.objects.live().order_by("pk").first().url,
        "search": f"/search/?q={SEARCH_WORD}",
    }
    references = {"robots.txt": "/robots.txt", "static file": static_url}
    requests = in_process_requests(urls, form_page.url)
    queries = {"10x": {}}
    queries["initial"], _ = timed("queries per request, initial content", lambda: count_queries(requests))

    say()
    kept, ten = None, None
    if options.skip_10x:
        say("The 10x set: left out (--skip-10x); its targets are n/a.")
    else:
        kept = kept_set(options.quick)
        ten = ten_times_set(kept, options)

    say()
    say("Over HTTP, with the initial content")
    problems = []
    phases = {"10x": None}
    phases["initial"] = uncached_throughput("initial content", urls, references, options, folder, problems)

    say()
    say(
        f"Building the large content set: {sizes['workshops']:,} workshops, {sizes['news']:,} news items, "
        f"{sizes['reports']:,} reports, {sizes['bookings']:,} bookings"
    )
    build_started = time.perf_counter()
    workshops, _ = timed(
        "pages, in bulk (workshops with agendas and booking forms, news, reports)", lambda: build_pages(sizes, rng)
    )
    statuses, _ = timed(
        "bookings and their e-mails, in bulk",
        lambda: build_bookings(workshops, sizes["bookings"], (event, form_page), rng),
    )
    timed("search index (update_index)", update_search_index)
    timed("planner statistics (ANALYZE, as autovacuum keeps them on a live site)", analyze)
    pages_in_all, _ = timed("page tree checked (treebeard find_problems)", check_tree)
    say(f"  {'built in':<62} {time.perf_counter() - build_started:6.1f} s")
    upcoming = EventPage.objects.filter(date__gte=timezone.localdate()).count()
    in_titles = Page.objects.live().filter(title__icontains=SEARCH_WORD).count()
    matches = Page.objects.live().search(SEARCH_WORD).count()
    say(
        f"  {pages_in_all:,} pages; {upcoming:,} upcoming events; bookings: "
        + ", ".join(f"{count:,} {status}" for status, count in statuses.most_common())
    )
    say(
        f"  search: /search/?q={SEARCH_WORD}: {matches:,} live pages match ({in_titles:,} with '{SEARCH_WORD}' "
        "in the title; the rest in a summary, an agenda, a tag or an audience)"
    )
    queries["large"], _ = timed(
        "queries per request, large content set", lambda: count_queries(requests, show=options.show_queries)
    )
    times, _ = timed(
        f"where the time goes ({TIMED_REQUESTS} requests each, in this process)",
        lambda: where_the_time_goes(requests, TIMED_REQUESTS),
    )

    say()
    say("Over HTTP, with the large set (other work on the machine shares its CPUs)")
    phases["large"] = uncached_throughput("large set", urls, references, options, folder, problems, alone=True)
    cached = cached_pages(
        "large set, the page cache as deployed (PAGE_CACHE_SECONDS unset: "
        + ("on, shared in Redis)" if redis_client else "off, as on a site without REDIS_URL)"),
        urls,
        references,
        options,
        folder,
        problems,
        booking=(event, form_page.url),
    )

    if ten is not None:
        say()
        say("Over HTTP, with the 10x set")
        copy_url, _ = timed(
            "a copy of the kept set for this run (the count of queries books into it)",
            lambda: kept.make_copy(folder),
        )
        try:
            use_database(copy_url)
            ten_urls = {
                **ten["urls"],
                "search": f"/search/?q={SEARCH_WORD}",
                f"search, {RARE_WORD}": f"/search/?q={RARE_WORD}",
                f"search, {COMMON_WORD}": f"/search/?q={COMMON_WORD}",
            }
            queries["10x"], _ = timed(
                "queries per request, 10x set", lambda: count_queries(in_process_requests(ten_urls, ten["form"]))
            )
            phases["10x"] = uncached_throughput("10x set", ten_urls, references, options, folder, problems)
        finally:
            connections.close_all()
            kept.drop_copy()

    summary(list(urls), phases, cached, queries, times, ten, options, redis_client is not None)
    say(f"  In all: {time.perf_counter() - started:.0f} s; {load_average()} at the end.")
    for problem in problems:
        say(f"  broken: {problem}")
    check(not problems, "broken responses or lost bookings (above)")
    return 0


if __name__ == "__main__":
    benchsite.run_benchmark(main, "  Interrupted: gunicorn stopped, the database dropped.")
