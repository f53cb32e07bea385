"""
The schedule (collaborative_site/crontab): everything the site must do on
time, in the one file operators install. Each job is a real command, and when
the schedule runs, pages scheduled in the admin go live and come down.
"""

import io
import shlex
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.utils import timezone

from tests.events.factories import add_news

pytestmark = pytest.mark.django_db

CRONTAB = Path(__file__).resolve().parents[2] / "collaborative_site" / "crontab"


def scheduled_jobs():
    """(minute field, command, arguments) for each job in the crontab."""
    jobs = []
    for line in CRONTAB.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" in line.split()[0]:
            continue
        fields = line.split(None, 5)
        command_line = fields[5]
        words = shlex.split(command_line.split("manage.py", 1)[1].replace("\\%", "%"))
        jobs.append((fields[0], words[0], words[1:]))
    return jobs


def test_every_job_on_the_schedule_is_a_command_of_the_site():
    commands = [command for minute, command, arguments in scheduled_jobs()]
    assert set(commands) <= set(get_commands()), set(commands) - set(get_commands())
    assert {
        "publish_scheduled",
        "retry_booking_emails",
        "send_booking_reminders",
        "send_workshop_follow_ups",
        "purge_bookings",
    } <= set(commands)


def test_scheduled_pages_go_live_and_come_down_within_minutes_of_their_time(client, initial_content, clock):
    from events.models import NewsAndEventsIndexPage

    index = NewsAndEventsIndexPage.objects.get()
    (minute,) = [minute for minute, command, arguments in scheduled_jobs() if command == "publish_scheduled"]
    assert minute == "*/5", "a page scheduled for 9am must not wait long past it"

    # An editor schedules one news item to go live in an hour, and another, live now, to expire then.
    coming = add_news(index, "coming-soon", timezone.localdate(), title="Coming soon", live=False)
    coming.go_live_at = timezone.now() + timedelta(hours=1)
    coming.save_revision(approved_go_live_at=coming.go_live_at)
    going = add_news(index, "going-soon", timezone.localdate(), title="Going soon")
    going.expire_at = timezone.now() + timedelta(hours=1)
    going.save_revision().publish()
    assert client.get("/news-and-events/coming-soon/").status_code == 404
    assert client.get("/news-and-events/going-soon/").status_code == 200

    clock.shift(timedelta(hours=1, minutes=5))
    # Their time has come, but nothing happens until the schedule runs.
    assert client.get("/news-and-events/coming-soon/").status_code == 404
    assert client.get("/news-and-events/going-soon/").status_code == 200
    for _minute, command, arguments in scheduled_jobs():
        if command == "publish_scheduled":
            call_command(command, *arguments, stdout=io.StringIO())

    assert client.get("/news-and-events/coming-soon/").status_code == 200
    assert client.get("/news-and-events/going-soon/").status_code == 404


def test_the_worker_records_are_pruned_as_the_schedule_says(initial_content, queued_in_the_database, clock):
    from django_tasks_db.models import DBTaskResult

    from search.tasks import count_search_hit
    from tests.conftest import run_worker

    count_search_hit.enqueue("old")
    run_worker()
    clock.shift(timedelta(days=15))
    count_search_hit.enqueue("new")
    run_worker()
    (arguments,) = [arguments for _minute, command, arguments in scheduled_jobs() if command == "prune_db_task_results"]

    call_command("prune_db_task_results", *arguments, stdout=io.StringIO())

    assert [result.args_kwargs["args"] for result in DBTaskResult.objects.all()] == [["new"]]
