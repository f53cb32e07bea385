"""Local development: debugging on, e-mail printed to the console."""

import contextlib

from .base import *  # noqa: F403
from .base import env_list

DEBUG = True

# Only for this machine: never used by the production settings.
SECRET_KEY = os.environ.get(  # noqa: F405
    "DJANGO_SECRET_KEY", "django-insecure-local-development-key-not-for-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

EMAIL_BACKEND = os.environ.get(  # noqa: F405
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

with contextlib.suppress(ImportError):
    from .local import *  # noqa: F403
