import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

# One local account per role, to try the site as each of the people who use it.
ROLE_ACCOUNTS = [
    ("editor", "Editors", "writes and edits pages, submits them for approval"),
    ("moderator", "Moderators", "approves and publishes"),
    ("bookings", "Booking administrators", "sees, exports, cancels and promotes bookings"),
]


class Command(BaseCommand):
    help = (
        "Create a superuser and one account per role (editor, moderator, bookings) for local development "
        "(DEBUG only), and print how to log in. Leaves existing accounts as they are."
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

        self.stdout.write("To try each role, log in as:")
        for role_username, group_name, what in ROLE_ACCOUNTS:
            group = Group.objects.filter(name=group_name).first()
            if group is None:
                continue
            account, created = user_model.objects.get_or_create(
                username=role_username, defaults={"email": f"{role_username}@localhost"}
            )
            if created:
                account.set_password(password)
                account.save()
                account.groups.add(group)
            self.stdout.write(f"  {role_username} / {password}  ({group_name}: {what})")
