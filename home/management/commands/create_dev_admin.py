import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a superuser for local development (DEBUG only) and print how to log in. "
        "Leaves an existing account as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where to log in.")

    def handle(self, *args, url, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_dev_admin only runs with DEBUG on (the dev settings). "
                "On a real server, use: manage.py createsuperuser"
            )
        username = os.environ.get("DEV_ADMIN_USERNAME", "admin")
        password = os.environ.get("DEV_ADMIN_PASSWORD", "changeme")
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user_model.objects.create_superuser(username, f"{username}@localhost", password)
            self.stdout.write(f"Created the local admin account. Log in at {url} as {username} / {password}")
        else:
            self.stdout.write(f"Log in at {url} as {username} (password {password}, unless you have changed it)")
