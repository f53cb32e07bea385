from django.contrib.auth.management import create_permissions
from django.db import migrations

# Who reads a workshop's feedback (its summary in the admin) and who exports
# it. Editors build feedback forms but do not read the answers, as they do not
# see bookings: a response may carry a name, and the free text may say more.
GRANTS = {
    "Booking administrators": ["view_feedbackresponse", "export_feedbackresponse"],
    "Moderators": ["view_feedbackresponse"],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the groups need them now.
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="events", codename__in=GRANTS[group.name])
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="events", codename__in=GRANTS[group.name])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0020_after_the_workshop"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
