"""
Back up the site's database and prove that the backup restores.

The dump is restored into a separate, fresh database (PostgreSQL) or opened
as a copy (SQLite), and the two are compared with plain SQL over DB-API
connections, so the comparison never depends on the restored copy being
usable by the site. The live database is only ever read: its figures are
read inside the same snapshot the dump is taken from, so bookings made while
the command runs cannot make a good backup look bad.
"""

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from events.models import Booking, BookingStatus

# PostgreSQL truncates longer identifiers.
POSTGRES_NAME_LIMIT = 63
# libpq settings Django may hold in OPTIONS, and the variables pg_dump reads them from.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
FINGERPRINT_SHOWN = 12
MISSING = "missing"


# Comparing ---------------------------------------------------------------------


@dataclass
class Check:
    """One figure, read from the live database and from the restored copy."""

    label: str
    live: object
    restored: object
    detail: str = ""
    # For a summary figure whose parts can differ while the totals agree.
    differs: bool = False

    @property
    def matches(self):
        return self.live == self.restored and self.live != MISSING and not self.differs

    def describe(self):
        verdict = "match" if self.matches else "DIFFERENT"
        if self.matches and isinstance(self.live, Fingerprint):
            return f"{self.label}: {shown(self.live)} in both ... {verdict}"
        line = f"{self.label}: {shown(self.live)} in the site, {shown(self.restored)} restored ... {verdict}"
        return f"{line} ({self.detail})" if self.detail else line


def shown(value):
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Fingerprint):
        return f"SHA-256 {value[:FINGERPRINT_SHOWN]}…"
    return str(value)


class Fingerprint(str):
    """A SHA-256 over rows, in hexadecimal."""


@dataclass
class Tables:
    """The tables compared, named as the models name them (never guessed)."""

    page: str
    booking: str
    booking_columns: tuple
    document: str
    image: str
    revision: str
    user: str

    @classmethod
    def from_models(cls):
        booking = Booking._meta
        return cls(
            page=Page._meta.db_table,
            booking=booking.db_table,
            booking_columns=tuple(
                booking.get_field(name).column for name in ("id", "event", "page", "status", "email")
            ),
            document=get_document_model()._meta.db_table,
            image=get_image_model()._meta.db_table,
            revision=Revision._meta.db_table,
            user=get_user_model()._meta.db_table,
        )


def quote(name):
    """An identifier quoted for SQL, in the form PostgreSQL and SQLite both accept."""
    return '"' + name.replace('"', '""') + '"'


def read_figures(connection, tables, vendor):
    """
    Every figure compared, read from one DB-API connection: an ordered dict
    of label to value. A figure that cannot be read (a table missing from a
    restored copy) is MISSING rather than an error, so the report shows it.
    """
    figures = {}

    def scalar(sql):
        with contextlib.closing(connection.cursor()) as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def fingerprint(sql):
        # Rows ordered by id, one JSON line each: the same rows give the same
        # hash on any copy read through the same database engine.
        digest = hashlib.sha256()
        with contextlib.closing(connection.cursor()) as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(1000):
                for row in rows:
                    digest.update(json.dumps(list(row), default=str).encode())
                    digest.update(b"\n")
        return Fingerprint(digest.hexdigest())

    def figure(label, read, *args):
        try:
            figures[label] = read(*args)
        except Exception:  # noqa: BLE001 - any failure to read is a difference to report, not a crash
            figures[label] = MISSING

    page = quote(tables.page)
    figure("Pages", scalar, f"SELECT COUNT(*) FROM {page}")  # noqa: S608 - names from the models, quoted
    figure("Live pages", scalar, f"SELECT COUNT(*) FROM {page} WHERE live")  # noqa: S608
    figure(
        "Pages' id, path, title, live and latest revision",
        fingerprint,
        f"SELECT id, path, title, live, latest_revision_id FROM {page} ORDER BY id",  # noqa: S608
    )

    booking = quote(tables.booking)
    id_column, event_column, page_column, status_column, email_column = map(quote, tables.booking_columns)
    try:
        with contextlib.closing(connection.cursor()) as cursor:
            cursor.execute(f"SELECT {status_column}, COUNT(*) FROM {booking} GROUP BY {status_column}")  # noqa: S608
            per_status = dict(cursor.fetchall())
    except Exception:  # noqa: BLE001 - as in figure()
        per_status = None
    statuses = list(BookingStatus.values) + sorted(set(per_status or ()) - set(BookingStatus.values))
    for status in statuses:
        figures[f"Bookings ({status})"] = MISSING if per_status is None else per_status.get(status, 0)
    figure(
        "Bookings' id, workshop, form, status and e-mail",
        fingerprint,
        f"SELECT {id_column}, {event_column}, {page_column}, {status_column}, {email_column} "  # noqa: S608
        f"FROM {booking} ORDER BY {id_column}",
    )

    for label, table in (
        ("Documents", tables.document),
        ("Images", tables.image),
        ("Page revisions", tables.revision),
        ("Users", tables.user),
    ):
        figure(label, scalar, f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608

    # Every table, so that a table the restore lost (or emptied) is noticed too.
    row_counts = {}
    for table in table_names(connection, vendor):
        try:
            row_counts[table] = scalar(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        except Exception:  # noqa: BLE001 - as in figure()
            row_counts[table] = MISSING
    figures["Rows in each table"] = row_counts
    return figures


def table_names(connection, vendor):
    if vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    else:
        sql = "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    with contextlib.closing(connection.cursor()) as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def compare_figures(live, restored):
    """The checks, in the order read, from two read_figures() results."""
    checks = []
    for label in dict.fromkeys([*live, *restored]):
        live_value, restored_value = live.get(label, MISSING), restored.get(label, MISSING)
        if isinstance(live_value, dict) or isinstance(restored_value, dict):
            checks.extend(compare_tables(live_value, restored_value))
        else:
            checks.append(Check(label, live_value, restored_value))
    return checks


def compare_tables(live, restored):
    live = live if isinstance(live, dict) else {}
    restored = restored if isinstance(restored, dict) else {}
    differing = [
        table
        for table in sorted(set(live) | set(restored))
        if live.get(table, MISSING) != restored.get(table, MISSING) or live.get(table) == MISSING
    ]
    detail = ""
    if differing:
        shown_tables = ", ".join(
            f"{table} {shown(live.get(table, MISSING))}/{shown(restored.get(table, MISSING))}"
            for table in differing[:5]
        )
        more = f" and {len(differing) - 5} more" if len(differing) > 5 else ""
        detail = f"differ: {shown_tables}{more}"

    def total(counts):
        return sum(value for value in counts.values() if isinstance(value, int))

    return [
        Check("Tables", len(live), len(restored)),
        Check("Rows in all tables", total(live), total(restored), detail=detail, differs=bool(differing)),
    ]


def compare_databases(live_connection, restored_connection, vendor, tables=None):
    """Compare two databases of the site, given a DB-API connection to each; returns the checks."""
    tables = tables or Tables.from_models()
    return compare_figures(
        read_figures(live_connection, tables, vendor), read_figures(restored_connection, tables, vendor)
    )


# PostgreSQL --------------------------------------------------------------------


def find_postgres_program(name):
    """pg_dump or pg_restore: from PATH, else the newest in Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path):
        match = re.search(r"/postgresql/(\d+)(?:\.(\d+))?/", path)
        return tuple(int(part or 0) for part in match.groups()) if match else (0, 0)

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if candidates:
        return candidates[-1]
    raise CommandError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin. Install PostgreSQL's client programs "
        "(on Debian: apt-get install postgresql-client) in a version at least that of the server."
    )


class PostgresBackup:
    extension = "dump"

    def __init__(self, settings_dict):
        self.name = settings_dict["NAME"]
        self.connect_args = {
            key: str(value)
            for key, value in {
                "host": settings_dict.get("HOST"),
                "port": settings_dict.get("PORT"),
                "user": settings_dict.get("USER"),
                "password": settings_dict.get("PASSWORD"),
                **{option: settings_dict.get("OPTIONS", {}).get(option) for option in LIBPQ_OPTIONS},
            }.items()
            if value not in (None, "")
        }
        suffix = f"_restore_check_{os.getpid()}"
        self.restored_name = self.name[: POSTGRES_NAME_LIMIT - len(suffix)] + suffix
        self.snapshot_id = None
        self.created = False

    def environment(self):
        """Connection details for pg_dump and pg_restore, never on their command line (where `ps` shows them)."""
        variables = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", **LIBPQ_OPTIONS}
        return {**os.environ, **{variables[key]: value for key, value in self.connect_args.items()}}

    def connect(self, dbname, **options):
        import psycopg

        try:
            return psycopg.connect(dbname=dbname, **self.connect_args, **options)
        except psycopg.Error as error:
            raise CommandError(f"Could not connect to the PostgreSQL database {dbname}: {error}") from error

    @contextlib.contextmanager
    def snapshot(self):
        """
        A read-only connection to the live database in one repeatable-read
        transaction whose snapshot pg_dump shares (--snapshot): the dump and
        the live figures see exactly the same data.
        """
        from psycopg import IsolationLevel

        connection = self.connect(self.name)
        try:
            connection.isolation_level = IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            self.snapshot_id = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            yield connection
        finally:
            # Ends the read-only transaction: nothing was written.
            connection.close()

    def dump(self, live_connection, path):
        run_program(
            [
                find_postgres_program("pg_dump"),
                "--format=custom",
                f"--snapshot={self.snapshot_id}",
                f"--file={path}",
                f"--dbname={self.name}",
            ],
            self.environment(),
            "pg_dump could not back up the database",
        )

    def restore(self, path):
        """Restore the dump into a new database on the same server; returns a connection to it."""
        from psycopg import errors, sql

        with self.connect("postgres", autocommit=True) as maintenance:
            try:
                # template0: a database with nothing in it, as pg_restore expects.
                maintenance.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(self.restored_name))
                )
            except errors.DuplicateDatabase:
                raise CommandError(
                    f"A database named {self.restored_name} already exists, left by an earlier check. "
                    "Drop it, then run this again."
                ) from None
            except errors.InsufficientPrivilege:
                raise CommandError(
                    "The database user may not create databases, so the backup cannot be restored to check it. "
                    "Grant it CREATEDB, or run this command as a user who has it."
                ) from None
        self.created = True
        run_program(
            [find_postgres_program("pg_restore"), "--no-owner", f"--dbname={self.restored_name}", str(path)],
            self.environment(),
            "pg_restore could not restore the backup",
        )
        return self.connect(self.restored_name, autocommit=True)

    def discard(self):
        if not self.created:
            return
        from psycopg import sql

        with self.connect("postgres", autocommit=True) as maintenance:
            maintenance.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.restored_name))
            )

    def describe_restored(self):
        if not self.created:
            return ""
        return f"the PostgreSQL database {self.restored_name}"


def run_program(command, environment, failure):
    try:
        # A list of arguments, no shell; the programs' paths were found above.
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as error:
        raise CommandError(f"{failure}: {error}") from error
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-5:] or [f"exit status {result.returncode}"]
        raise CommandError(f"{failure}:\n  " + "\n  ".join(message))


# SQLite ------------------------------------------------------------------------


class SqliteBackup:
    extension = "sqlite3"

    def __init__(self, settings_dict):
        self.name = Path(settings_dict["NAME"]).resolve()

    @contextlib.contextmanager
    def snapshot(self):
        """
        A read-only connection to the live file, in one read transaction that
        both the copy and the live figures are taken in.
        """
        if not self.name.exists():
            raise CommandError(f"There is no database file at {self.name}.")
        connection = sqlite3.connect(f"{self.name.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            connection.execute("BEGIN")
            connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the read snapshot starts here
            yield connection
        finally:
            connection.close()

    def dump(self, live_connection, path):
        copy = sqlite3.connect(path, isolation_level=None)
        try:
            live_connection.backup(copy)
            # One self-contained file, without the -wal and -shm files WAL mode needs.
            copy.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as error:
            raise CommandError(f"Could not copy the SQLite database: {error}") from error
        finally:
            copy.close()

    def restore(self, path):
        # The copy is complete as it stands: opening it is the restore.
        return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)

    def discard(self):
        pass

    def describe_restored(self):
        return ""


BACKUPS = {"postgresql": PostgresBackup, "sqlite": SqliteBackup}


# The command -------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Back up the site's database (pg_dump --format=custom on PostgreSQL, a copy of the file on SQLite), "
        "restore the backup into a separate database, and compare the two: pages, bookings, documents, images, "
        "revisions, users and every table's rows. Fails if anything differs. Only reads the live database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="Where to write the backup (default: backup-YYYYmmdd-HHMMSS.dump, or .sqlite3, in the current "
            "folder). It must not exist yet.",
        )
        parser.add_argument(
            "--keep-restored",
            action="store_true",
            help="Keep the restored database to look at (PostgreSQL: <name>_restore_check_<pid>) instead of "
            "dropping it.",
        )

    def handle(self, *args, output=None, keep_restored=False, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor not in BACKUPS:
            raise CommandError(
                f"Backing up a {connection.vendor} database is not supported: only PostgreSQL and SQLite."
            )
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            raise CommandError("The database is held in memory: there is no file to back up.")
        backup = BACKUPS[connection.vendor](connection.settings_dict)
        tables = Tables.from_models()
        path = Path(output or f"backup-{timezone.localtime():%Y%m%d-%H%M%S}.{backup.extension}").resolve()
        create_private_file(path)

        started = time.monotonic()
        try:
            with backup.snapshot() as live:
                backup.dump(live, path)
                live_figures = read_figures(live, tables, connection.vendor)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Backed up {connection.display_name} database {connection.settings_dict['NAME']} "
            f"to {path} ({path.stat().st_size / 1_000_000:,.1f} MB) in {time.monotonic() - started:.1f} s."
        )

        started = time.monotonic()
        try:
            restored = backup.restore(path)
            try:
                restored_figures = read_figures(restored, tables, connection.vendor)
            finally:
                restored.close()
        finally:
            if keep_restored:
                if backup.describe_restored():
                    self.stdout.write(f"The restored copy is kept: {backup.describe_restored()}.")
            else:
                backup.discard()
        self.stdout.write(f"Restored it and read it back in {time.monotonic() - started:.1f} s.")
        self.stdout.write("")

        checks = compare_figures(live_figures, restored_figures)
        for check in checks:
            style = self.style.SUCCESS if check.matches else self.style.ERROR
            self.stdout.write(style(check.describe()))

        different = [check.label for check in checks if not check.matches]
        if different:
            raise CommandError(
                f"The restored backup differs from the site in {len(different)} of {len(checks)} checks "
                f"({', '.join(different)}). Do not rely on {path}."
            )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"The backup restores: all {len(checks)} checks match. Kept at {path}."))


def create_private_file(path):
    """Create the backup file, readable by its owner alone (it holds bookers' personal details); never overwrite."""
    if not path.parent.is_dir():
        raise CommandError(f"The folder {path.parent} does not exist.")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise CommandError(f"{path} already exists: choose another --output.") from None
