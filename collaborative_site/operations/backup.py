"""
Dumping the site's database and restoring the dump, one class per database
engine: pg_dump and pg_restore into a separate, fresh database on
PostgreSQL, a copy of the file on SQLite. The live database is only ever
read, inside one snapshot that the dump and the live figures share.
"""

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import CommandError

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


def create_private_file(path):
    """Create the backup file, readable by its owner alone (it holds bookers' personal details); never overwrite."""
    if not path.parent.is_dir():
        raise CommandError(f"The folder {path.parent} does not exist.")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise CommandError(f"{path} already exists: choose another --output.") from None
