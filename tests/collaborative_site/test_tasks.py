"""
Wagtail's own background work (search index, reference index) goes through
the site's task framework: in production, queued in the database for the
worker rather than done inside the editor's request.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events.models import NewsAndEventsIndexPage
from tests.conftest import run_worker
from tests.events.factories import add_event

pytestmark = pytest.mark.django_db


def test_wagtails_own_indexing_runs_on_the_worker(initial_content, queued_in_the_database):
    index = NewsAndEventsIndexPage.objects.get()
    event = add_event(index, "summer-workshop", timezone.localdate() + timedelta(days=40))

    event.save_revision().publish()

    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert {"modelsearch.tasks.insert_or_update_object_task", "wagtail.tasks.update_reference_index_task"} <= paths
    run_worker()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
