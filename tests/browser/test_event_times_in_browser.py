"""
An Editor types a workshop's times as people write them ("3:30pm"), in
Chromium, and the workshop keeps the time meant. Wagtail's own time picker
read "3:30pm" as 03:30 when the box was left, and its date and time picker
did the same to "1/3/2030 3:30pm": nothing in the browser may rewrite them.
"""

from datetime import datetime, time

import pytest
from django.utils import timezone

from events.models import EventPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_types_times_as_people_write_them(site, log_in):
    workshop = EventPage.objects.filter(date__isnull=False).order_by("-date").first()
    editor = log_in("Editors")
    editor.goto(site + f"/admin/pages/{workshop.pk}/edit/")
    typed = {"#id_start_time": "10am", "#id_end_time": "3:30pm", "#id_booking_closes_at": "1/3/2030 3:30pm"}
    for selector, text in typed.items():
        box = editor.locator(selector)
        box.fill(text)
        box.press("Tab")
    editor.locator("#id_summary").click()
    assert {selector: editor.locator(selector).input_value() for selector in typed} == typed

    editor.get_by_role("button", name="Save draft").click()
    editor.locator(".messages").get_by_text("has been updated").wait_for()
    editor.close()

    draft = EventPage.objects.get(pk=workshop.pk).get_latest_revision_as_object()
    assert (draft.start_time, draft.end_time) == (time(10, 0), time(15, 30))
    assert timezone.localtime(draft.booking_closes_at).replace(tzinfo=None) == datetime(2030, 3, 1, 15, 30)
