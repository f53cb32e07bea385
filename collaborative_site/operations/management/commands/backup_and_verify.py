"""
Back up the site's database and prove that the backup restores.

The dump is restored into a separate, fresh database (PostgreSQL) or opened
as a copy (SQLite), and the two are compared (collaborative_site.operations:
backup.py dumps and restores, compare.py compares). The live database is
only ever read: its figures are read inside the same snapshot the dump is
taken from, so bookings made while the command runs cannot make a good
backup look bad.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from collaborative_site.operations.backup import BACKUPS, create_private_file
from collaborative_site.operations.compare import Tables, compare_figures, read_figures


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
