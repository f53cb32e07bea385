from urllib.parse import parse_qsl, urlencode

from django.db import migrations

ACTION = "events.export_bookings"


def forget_search_terms(apps, schema_editor):
    """
    Export records made before exports stopped logging what was searched for
    (often a person's name or e-mail address, kept in the audit log long after
    their booking is erased): keep that there was a search, not for what.
    """
    for model_name in ("PageLogEntry", "ModelLogEntry"):
        LogEntry = apps.get_model("wagtailcore", model_name)
        for entry in LogEntry.objects.filter(action=ACTION).iterator():
            data = entry.data or {}
            filters = parse_qsl(data.get("filters", ""), keep_blank_values=True)
            kept = [(name, value) for name, value in filters if name != "q"]
            if len(kept) == len(filters):
                continue
            data["filters"] = urlencode(kept)
            data["searched"] = any(value for name, value in filters if name == "q")
            LogEntry.objects.filter(pk=entry.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_one_identity_per_mailbox"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(forget_search_terms, migrations.RunPython.noop)]
