"""
Comparing two copies of the site's database, the live one and a restored
backup, with plain SQL over DB-API connections, so the comparison never
depends on the restored copy being usable by the site.
"""

import contextlib
import hashlib
import json
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

FINGERPRINT_SHOWN = 12
MISSING = "missing"


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
    # Every status a booking can have, so that one with no bookings shows as 0.
    booking_statuses: tuple = ()

    @classmethod
    def from_models(cls):
        # By name, not by import: operations depend on no content app's code.
        booking = apps.get_model("events", "Booking")._meta
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
            booking_statuses=tuple(value for value, _label in booking.get_field("status").choices),
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
    statuses = list(tables.booking_statuses) + sorted(set(per_status or ()) - set(tables.booking_statuses))
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
