"""Settings for the test suite: fast, isolated, and independent of the environment."""

import atexit
import shutil
import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Fast hashing: the suite creates users, and the strong default would cost
# seconds per test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# This process's memory is shared by everything that changes its test
# database: each test process (each xdist worker) has a database of its own
# that no other process changes, and live_server runs in threads of the same
# process. So every change clears the cache it reads, as Redis gives the site.
# tests/home/test_page_cache.py sets it false to test the site without Redis.
SHARED_CACHE = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests change content and read pages back inside one transaction that never
# commits, so the page cache (cleared on commit) would serve them stale
# pages. tests/home/test_page_cache.py turns it on and commits.
PAGE_CACHE_SECONDS = 0
# Background tasks run at once, so a test sees their work (e-mails in
# mail.outbox) whatever TASKS_BACKEND the environment has; tests of the
# database backend and its worker set TASKS themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Uploads made by tests go to throwaway folders, never into media/ or
# private-media/; they go when the run ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="collaborative-test-media-"))  # noqa: F405
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="collaborative-test-private-media-"))  # noqa: F405
atexit.register(shutil.rmtree, PRIVATE_MEDIA_ROOT, ignore_errors=True)

# No collectstatic before the suite: serve from the apps' folders.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True

# The test client's host: the Site record the tests load points here.
SITE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
WHITENOISE_USE_FINDERS = True

# On SQLite, a test database in a file rather than in memory: an in-memory
# database shared between threads locks whole tables and fails at once
# instead of waiting, unlike the file the site really runs on, so the
# concurrent-booking tests would measure the wrong thing.
_database = DATABASES["default"]  # noqa: F405
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database_dir = Path(tempfile.mkdtemp(prefix="collaborative-test-db-"))  # noqa: F405
    _database["TEST"] = {"NAME": str(_database_dir / "test.sqlite3")}
    atexit.register(shutil.rmtree, _database_dir, ignore_errors=True)
