"""
What both benchmarks share: a throwaway database, the site set up in it
(migrations and initial content), a workshop with a booking form, and a line
about the machine.

The database is never the developer's own. By default it is a SQLite file in
a temporary folder; with BENCH_DATABASE_URL (postgresql://user@host:port/name)
a new database, named after the URL's with the benchmark and process id
appended, is created on that PostgreSQL server and dropped afterwards.
DATABASE_URL is deliberately ignored, so that a benchmark can never write
into the database it names.
"""

import contextlib
import io
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPOSITORY = Path(__file__).resolve().parent.parent
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

SETTINGS = "collaborative_site.settings.test"


class BenchError(Exception):
    """A benchmark saw something wrong (a lost booking, memory growing with rows): it stops, exit status 1."""


def say(text=""):
    """Print a line of figures at once, so a long benchmark shows its progress."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run_benchmark(main, interrupted="  Interrupted: the throwaway database is dropped."):
    """
    Run a benchmark's main() as a command: exit 1 with the reason when it saw
    something wrong (BenchError), 130 when interrupted (its own clean-up has
    run by then).
    """
    try:
        sys.exit(main())
    except BenchError as failure:
        say(f"  FAILED: {failure}")
        sys.exit(1)
    except KeyboardInterrupt:
        say(interrupted)
        sys.exit(130)


def check(condition, message):
    if not condition:
        raise BenchError(message)


@contextlib.contextmanager
def throwaway_database(benchmark):
    """
    Point DATABASE_URL at a database made for this run, and remove it
    afterwards. Yields a short description of it. Django must be set up
    inside the block (the settings read DATABASE_URL when imported).
    """
    server_url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not server_url:
        with tempfile.TemporaryDirectory(prefix=f"collaborative-bench-{benchmark}-") as folder:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
            try:
                yield "SQLite, a temporary file (WAL, BEGIN IMMEDIATE, as the site's settings)"
            finally:
                _close_django_connections()
        return

    import psycopg
    from psycopg import sql

    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"BENCH_DATABASE_URL must be a postgresql:// URL, not {server_url!r}")
    prefix = parts.path.strip("/") or "bench"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", prefix):
        raise SystemExit(f"BENCH_DATABASE_URL's database name must be lower case letters, digits and _: {prefix!r}")
    name = f"{prefix}_{benchmark}_{os.getpid()}"[:63]
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))

    def run(statement):
        with psycopg.connect(maintenance_url, autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchone() if cursor.description else None

    version = run("SHOW server_version")[0]
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield f"PostgreSQL {version} at {parts.hostname}:{parts.port or 5432}, database {name} (dropped afterwards)"
    finally:
        _close_django_connections()
        run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _close_django_connections():
    """Close Django's connections, and remove the uploads folders the test settings made for this run."""
    if "django.db" in sys.modules:
        from django.conf import settings
        from django.db import connections

        connections.close_all()
        for folder, prefix in (
            (settings.MEDIA_ROOT, "collaborative-test-media-"),
            (settings.PRIVATE_MEDIA_ROOT, "collaborative-test-private-media-"),
        ):
            folder = Path(folder)
            if folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith(prefix):
                shutil.rmtree(folder, ignore_errors=True)


def set_up_django(**settings_from_environment):
    """
    Django with the test settings (quiet e-mail, local cache, 'testserver'
    allowed), and any of the site's settings that are read from the
    environment, such as BOOKING_MIN_FILL_SECONDS, given here.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    for name, value in settings_from_environment.items():
        os.environ[name] = str(value)
    import django

    django.setup()


def production_environment(folder):
    """
    The production settings as a server on this machine's loopback runs them:
    a fresh secret key, plain http (no HTTPS redirect), static files and
    uploads in the run's temporary folder, e-mail kept in memory and sent
    in the request that queues it (TASKS_BACKEND=immediate: a benchmark
    that runs the production's worker processes sets "database" and starts
    them with background_workers()), and the booking form's minimum fill
    time off, so that a benchmark's bookers may send it at once. Add the
    database, Redis and anything the benchmark itself varies.
    """
    return {
        "DJANGO_SETTINGS_MODULE": "collaborative_site.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The servers listen on ports each benchmark picks; nothing follows
        # the links in the e-mails they send.
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_MEDIA_ROOT": str(folder / "private-media"),
        # No mail server here: e-mails are "sent" into each worker's memory.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "immediate",
        "BOOKING_MIN_FILL_SECONDS": "0",
        # The servers' log is read when something fails: warnings and errors are what matter then.
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def background_workers(environment, folder, count, restart_after=None):
    """
    `count` worker processes as production runs them (`manage.py db_worker`),
    with this environment; stopped as systemd stops them (SIGTERM: each
    finishes the task in hand) when the block ends, killed if they linger.
    With restart_after (seconds), a worker that exits (db_worker stops on a
    database error it cannot ride out) is started again that long after, as
    the deployment's systemd unit does (Restart=always, RestartSec=5). Yields
    BackgroundWorkers: the processes, and how many times one was restarted.
    """
    workers = BackgroundWorkers(environment, folder)
    stop = threading.Event()
    supervisor = threading.Thread(target=workers.restart_exited, args=(restart_after, stop), daemon=True)
    try:
        for number in range(1, count + 1):
            workers.start(number)
        if restart_after is not None:
            supervisor.start()
        yield workers
    finally:
        stop.set()
        if supervisor.is_alive():
            supervisor.join()
        workers.stop()


class BackgroundWorkers:
    """The running `manage.py db_worker` processes, each logging to worker-<number>.log in the folder."""

    def __init__(self, environment, folder):
        self.environment = {**environment, "TASKS_BACKEND": "database"}
        self.folder = folder
        self.processes = {}
        self.restarts = 0

    def start(self, number):
        # Appended to: a restarted worker's log follows what its predecessor wrote before it stopped.
        with (self.folder / f"worker-{number}.log").open("ab") as log:
            self.processes[number] = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2"],
                cwd=REPOSITORY,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def restart_exited(self, restart_after, stop):
        exited_at = {}
        while not stop.wait(0.2):
            for number, process in list(self.processes.items()):
                if process.poll() is None:
                    continue
                exited_at.setdefault(number, time.monotonic())
                if time.monotonic() - exited_at[number] >= restart_after:
                    del exited_at[number]
                    self.start(number)
                    self.restarts += 1

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def set_up_site():
    """Migrate the empty database and load the site's initial content, as a new installation does."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_initial_content", stdout=io.StringIO())


def add_workshop(slug, title, capacity):
    """An upcoming online workshop, published, with a published booking form under it."""
    from django.utils import timezone

    from events.models import AttendanceMode, BookingFormPage, EventPage, NewsAndEventsIndexPage

    event = EventPage(
        slug=slug,
        title=title,
        summary="A workshop for strategic leaders.",
        date=timezone.localdate() + timedelta(weeks=3),
        start_time=clock(10, 30),
        attendance_mode=AttendanceMode.ONLINE,
        capacity=capacity,
    )
    NewsAndEventsIndexPage.objects.get().add_child(instance=event)
    event.save_revision().publish()
    form_page = BookingFormPage(title="Book a place", slug="book")
    event.add_child(instance=form_page)
    form_page.save_revision().publish()
    form_page.refresh_from_db()
    return event, form_page


def machine():
    """nproc, the CPU model and the Python, for the report."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()}"


def versions():
    import django
    import openpyxl
    import wagtail

    return f"Django {django.get_version()}, Wagtail {wagtail.__version__}, openpyxl {openpyxl.__version__}"
