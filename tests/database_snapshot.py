"""
A copy of the whole test database, taken once and put back in milliseconds.

Tests that must commit (the browser tests, whose live server reads the
database from another thread; concurrent bookings; backups) cannot roll back:
pytest-django empties every table after each of them. Building the site again
from the initial content took a second or more per test; putting a snapshot
back takes a few milliseconds. Each test still starts from exactly the same
rows, including what the migrations made (the groups, their permissions, the
moderation workflow).

Written here rather than taken from a library: Django's serialized_rollback
copies the database as migrations left it, before the initial content is
loaded, and reloads it object by object; this copies the loaded site with the
database's own bulk operations.
"""

import sqlite3

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import transaction


class DatabaseSnapshot:
    """Every row of every table of `connection`'s database at one moment."""

    def __init__(self, connection):
        self.connection = connection
        if connection.vendor == "sqlite":
            self._copy = self._take_sqlite()
        elif connection.vendor == "postgresql":
            self._copy = self._take_postgresql()
        else:
            raise RuntimeError(f"The site runs on SQLite or PostgreSQL; tests cannot snapshot {connection.vendor}")

    def restore(self):
        """Put every table back as it was when the snapshot was taken, and forget what was cached since."""
        if self.connection.vendor == "sqlite":
            self._restore_sqlite()
        else:
            self._restore_postgresql()
        # Content types and the site's root paths are cached in this process
        # and in the cache: both may name rows that are gone.
        ContentType.objects.clear_cache()
        cache.clear()

    # SQLite: its online backup copies the database file, schema and all
    # (including Wagtail's full-text search table), page by page.

    def _take_sqlite(self):
        self.connection.ensure_connection()
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        self.connection.connection.backup(copy)
        return copy

    def _restore_sqlite(self):
        self.connection.ensure_connection()
        self._copy.backup(self.connection.connection)

    # PostgreSQL: each table's rows in COPY's own format, written back in one
    # transaction (Django's foreign keys are checked at its end), then the
    # id sequences moved past the restored ids.

    def _tables(self):
        return sorted(self.connection.introspection.django_table_names(only_existing=True, include_views=False))

    def _take_postgresql(self):
        copies = {}
        with self.connection.cursor() as cursor:
            for table in self._tables():
                with cursor.cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                    copies[table] = b"".join(bytes(chunk) for chunk in copy)
        return copies

    def _restore_postgresql(self):
        tables = ", ".join(f'"{table}"' for table in self._tables())
        models = apps.get_models(include_auto_created=True)
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
            for table, rows in self._copy.items():
                with cursor.cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(rows)
            for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
