"""
backup_and_verify: a backup of the site's database is restored into a
separate database and compared with the site, and any difference fails.

The end-to-end tests commit (pg_dump reads from its own connection), so
they are transactional and load the initial content themselves; they run on
whichever database the suite uses. The comparison itself is tested on small
SQLite databases built here, which differ in one way at a time.
"""

import contextlib
import io
import sqlite3
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from wagtail.models import Page

from collaborative_site.operations import backup as backup_module
from collaborative_site.operations.backup import PostgresBackup, SqliteBackup, find_postgres_program
from collaborative_site.operations.compare import Tables, compare_databases
from events.models import Booking, BookingStatus
from tests.events.factories import add_booking_form, add_event, make_booking


def run_backup(*args):
    output = io.StringIO()
    try:
        call_command("backup_and_verify", *args, stdout=output)
    except CommandError as error:
        return output.getvalue(), error
    return output.getvalue(), None


def site_with_two_bookings():
    """A workshop with one person booked and one waiting, on the initial content."""
    from events.models import NewsAndEventsIndexPage

    event = add_event(
        NewsAndEventsIndexPage.objects.get(), "backup-workshop", timezone.localdate() + timedelta(days=30)
    )
    form_page = add_booking_form(event)
    make_booking(form_page, BookingStatus.CONFIRMED, name="Ada", email="ada@example.nhs.uk")
    make_booking(form_page, BookingStatus.WAITING, name="Bo", email="bo@example.nhs.uk")


def restored_database_exists():
    """Whether this process's check left its restored database on the PostgreSQL server."""
    name = PostgresBackup(connection.settings_dict).restored_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


# The command, end to end ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_the_site_restores_with_every_figure_matching(committed_content, tmp_path):
    site_with_two_bookings()
    pages = Page.objects.count()
    backup = tmp_path / "site.backup"

    output, error = run_backup("--output", str(backup))

    assert error is None, output
    lines = output.splitlines()
    assert f"Pages: {pages} in the site, {pages} restored ... match" in lines
    assert "Bookings (confirmed): 1 in the site, 1 restored ... match" in lines
    assert "Bookings (waiting): 1 in the site, 1 restored ... match" in lines
    assert "Bookings (cancelled): 0 in the site, 0 restored ... match" in lines
    for label in ("Pages' id, path, title", "Bookings' id, workshop", "Documents:", "Images:", "Page revisions:"):
        (line,) = [line for line in lines if line.startswith(label)]
        assert line.endswith("... match")
    assert "DIFFERENT" not in output
    assert lines[-1] == f"The backup restores: all 13 checks match. Kept at {backup}."
    assert backup.stat().st_size > 0
    assert backup.stat().st_mode & 0o777 == 0o600, "bookers' personal details: readable by the owner alone"
    if connection.vendor == "postgresql":
        assert backup.read_bytes().startswith(b"PGDMP"), "pg_dump's custom format"
        assert not restored_database_exists(), "the restored database is dropped"
    else:
        with contextlib.closing(sqlite3.connect(backup)) as copy:
            assert copy.execute("SELECT COUNT(*) FROM wagtailcore_page").fetchone() == (pages,)


@pytest.mark.django_db(transaction=True)
def test_a_restored_copy_that_differs_from_the_site_fails(committed_content, tmp_path, monkeypatch):
    """The restore loses the waiting booking: the report says which figures differ, and the command fails."""
    site_with_two_bookings()
    lose_a_booking = f"DELETE FROM {Booking._meta.db_table} WHERE status = 'waiting'"  # noqa: S608

    def restore_losing_a_booking(restore):
        def restore_then_change(self, path):
            restored = restore(self, path)
            if isinstance(self, SqliteBackup):
                with contextlib.closing(sqlite3.connect(path)) as writable:
                    writable.execute(lose_a_booking)
                    writable.commit()
            else:
                restored.execute(lose_a_booking)
            return restored

        return restore_then_change

    for backup_class in (PostgresBackup, SqliteBackup):
        monkeypatch.setattr(backup_class, "restore", restore_losing_a_booking(backup_class.restore))

    output, error = run_backup("--output", str(tmp_path / "site.backup"))

    assert error is not None
    assert str(error).startswith("The restored backup differs from the site in 3 of 13 checks (Bookings (waiting), ")
    lines = output.splitlines()
    assert "Bookings (waiting): 1 in the site, 0 restored ... DIFFERENT" in lines
    assert "Bookings (confirmed): 1 in the site, 1 restored ... match" in lines
    (rows,) = [line for line in lines if line.startswith("Rows in all tables")]
    assert rows.endswith("... DIFFERENT (differ: events_booking 2/1)")
    if connection.vendor == "postgresql":
        assert not restored_database_exists(), "the restored database is dropped even when the check fails"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_keep_restored_leaves_the_restored_database_to_look_at(committed_content, tmp_path):
    output, error = run_backup("--output", str(tmp_path / "site.dump"), "--keep-restored")

    assert error is None, output
    kept = PostgresBackup(connection.settings_dict).restored_name
    try:
        assert restored_database_exists()
        assert f"The restored copy is kept: the PostgreSQL database {kept}." in output.splitlines()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{kept}" WITH (FORCE)')


@pytest.mark.django_db
def test_an_existing_backup_is_never_overwritten(tmp_path):
    existing = tmp_path / "site.backup"
    existing.write_bytes(b"last night's backup")

    output, error = run_backup("--output", str(existing))

    assert str(error) == f"{existing} already exists: choose another --output."
    assert existing.read_bytes() == b"last night's backup"


# The comparison ------------------------------------------------------------------

TABLES = Tables.from_models()


def small_site(bookings=(("confirmed", "ada@example.nhs.uk"), ("waiting", "bo@example.nhs.uk")), skip=()):
    """An SQLite database with just the tables and columns the comparison reads."""
    database = sqlite3.connect(":memory:")
    columns = {
        TABLES.page: "id INTEGER PRIMARY KEY, path TEXT, title TEXT, live BOOL, latest_revision_id INTEGER",
        TABLES.booking: ", ".join(
            f"{column} {kind}"
            for column, kind in zip(
                TABLES.booking_columns, ("INTEGER PRIMARY KEY", "INTEGER", "INTEGER", "TEXT", "TEXT"), strict=True
            )
        ),
        **{table: "id INTEGER PRIMARY KEY" for table in (TABLES.document, TABLES.image, TABLES.revision, TABLES.user)},
    }
    for table, definition in columns.items():
        if table not in skip:
            database.execute(f"CREATE TABLE {table} ({definition})")
    database.executemany(
        f"INSERT INTO {TABLES.page} VALUES (?, ?, ?, ?, ?)",  # noqa: S608
        [(1, "0001", "Root", True, None), (3, "00010001", "Home", True, 7)],
    )
    if TABLES.booking not in skip:
        database.executemany(
            f"INSERT INTO {TABLES.booking} VALUES (?, 3, 9, ?, ?)",  # noqa: S608
            [(number, status, email) for number, (status, email) in enumerate(bookings, start=1)],
        )
    return database


def differing(checks):
    return {check.label: (check.live, check.restored) for check in checks if not check.matches}


def test_identical_databases_match_on_every_check():
    checks = compare_databases(small_site(), small_site(), "sqlite")

    assert differing(checks) == {}
    assert [check.label for check in checks] == [
        "Pages",
        "Live pages",
        "Pages' id, path, title, live and latest revision",
        "Bookings (confirmed)",
        "Bookings (waiting)",
        "Bookings (cancelled)",
        "Bookings' id, workshop, form, status and e-mail",
        "Documents",
        "Images",
        "Page revisions",
        "Users",
        "Tables",
        "Rows in all tables",
    ]


def test_a_changed_booking_is_caught_even_when_every_count_agrees():
    restored = small_site(bookings=(("confirmed", "ada@example.nhs.uk"), ("waiting", "someone.else@example.nhs.uk")))

    checks = compare_databases(small_site(), restored, "sqlite")

    assert list(differing(checks)) == ["Bookings' id, workshop, form, status and e-mail"]
    (check,) = [check for check in checks if not check.matches]
    assert check.describe().endswith("restored ... DIFFERENT")
    assert "SHA-256" in check.describe()


def test_a_booking_in_another_status_is_reported_with_both_counts():
    restored = small_site(bookings=(("confirmed", "ada@example.nhs.uk"), ("confirmed", "bo@example.nhs.uk")))

    checks = compare_databases(small_site(), restored, "sqlite")

    assert list(differing(checks)) == [
        "Bookings (confirmed)",
        "Bookings (waiting)",
        "Bookings' id, workshop, form, status and e-mail",
    ]
    assert differing(checks)["Bookings (confirmed)"] == (1, 2)
    (line,) = [check.describe() for check in checks if check.label == "Bookings (waiting)"]
    assert line == "Bookings (waiting): 1 in the site, 0 restored ... DIFFERENT"


def test_a_table_missing_from_the_restore_is_reported_not_a_crash():
    checks = compare_databases(small_site(), small_site(skip=[TABLES.booking]), "sqlite")

    lines = {check.label: check.describe() for check in checks}
    assert lines["Bookings (confirmed)"] == "Bookings (confirmed): 1 in the site, missing restored ... DIFFERENT"
    assert lines["Tables"] == "Tables: 6 in the site, 5 restored ... DIFFERENT"
    assert lines["Rows in all tables"] == (
        f"Rows in all tables: 4 in the site, 2 restored ... DIFFERENT (differ: {TABLES.booking} 2/missing)"
    )
    assert lines["Pages"] == "Pages: 2 in the site, 2 restored ... match"


# Finding pg_dump -----------------------------------------------------------------


def test_pg_dump_comes_from_path_first(monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: f"/opt/bin/{name}")

    assert find_postgres_program("pg_dump") == "/opt/bin/pg_dump"


def test_otherwise_the_newest_installed_pg_dump_is_used(monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    installed = [f"/usr/lib/postgresql/{version}/bin/pg_dump" for version in ("9.6", "15", "13")]
    monkeypatch.setattr(backup_module.glob, "glob", lambda pattern: installed)

    assert find_postgres_program("pg_dump") == "/usr/lib/postgresql/15/bin/pg_dump"


def test_without_pg_dump_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup_module.glob, "glob", lambda pattern: [])

    with pytest.raises(CommandError, match=r"pg_dump was not found on PATH .*apt-get install postgresql-client"):
        find_postgres_program("pg_dump")
