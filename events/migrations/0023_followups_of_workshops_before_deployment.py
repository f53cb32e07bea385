from django.db import migrations
from django.utils import timezone


def mark_past_workshops_followed_up(apps, schema_editor):
    """
    The workshops held before follow-ups began are marked as followed up,
    so the first morning's run does not send "Thank you for coming" to the
    last fortnight's attendees, up to two weeks late. An administrator's
    Send now still sends any of them.
    """
    EventPage = apps.get_model("events", "EventPage")
    FollowUp = apps.get_model("events", "FollowUp")
    now = timezone.now()
    already = FollowUp.objects.values("event_id")
    past = EventPage.objects.filter(date__lt=timezone.localdate()).exclude(pk__in=already)
    FollowUp.objects.bulk_create(
        [FollowUp(event_id=event_id, recorded_at=now) for event_id in past.values_list("pk", flat=True)]
    )


class Migration(migrations.Migration):
    dependencies = [("events", "0022_feedback_given_by_hash")]

    operations = [migrations.RunPython(mark_past_workshops_followed_up, migrations.RunPython.noop)]
