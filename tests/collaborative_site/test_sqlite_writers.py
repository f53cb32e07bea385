"""
On SQLite, concurrent writers queue for the write lock instead of failing.

Ten threads each read a count and write the next number, as a booking will:
with the site's settings (IMMEDIATE transactions and a busy timeout) every
one succeeds, in turn; with SQLite's default (DEFERRED) the same run fails
with "database is locked", which shows the test can tell the difference.
Runs in a fresh process, on a database file, as the dev server does.
"""

import json
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

WRITERS = """
import json, os, sys, threading, time

os.environ["DJANGO_SETTINGS_MODULE"] = "collaborative_site.settings.dev"
os.environ["DATABASE_URL"] = "sqlite:///" + sys.argv[1]
import django

django.setup()
from django.db import connection, connections, transaction

connections.settings["default"]["OPTIONS"]["transaction_mode"] = sys.argv[2]
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE place (number integer)")
connection.close()
errors = []
start = threading.Barrier(10)

def take_next_place():
    start.wait()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM place")
            (taken,) = cursor.fetchone()
            time.sleep(0.02)
            cursor.execute("INSERT INTO place VALUES (%s)", [taken + 1])
    except Exception as error:
        errors.append(str(error))
    finally:
        connection.close()

threads = [threading.Thread(target=take_next_place) for _ in range(10)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT number FROM place ORDER BY number")
    numbers = [row[0] for row in cursor.fetchall()]
print(json.dumps({"errors": errors, "numbers": numbers}))
"""


def run_writers(tmp_path, transaction_mode):
    result = subprocess.run(
        [sys.executable, "-c", WRITERS, str(tmp_path / "writers.sqlite3"), transaction_mode],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_concurrent_writers_wait_their_turn(tmp_path):
    outcome = run_writers(tmp_path, "IMMEDIATE")
    assert outcome == {"errors": [], "numbers": list(range(1, 11))}


def test_control_without_immediate_transactions_writers_fail(tmp_path):
    outcome = run_writers(tmp_path, "DEFERRED")
    assert any("database is locked" in error for error in outcome["errors"]), outcome
