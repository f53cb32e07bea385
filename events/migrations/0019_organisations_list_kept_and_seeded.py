from django.contrib.auth.management import create_permissions
from django.db import migrations

# Those who keep the venues and contacts keep the organisations list too;
# Booking administrators as well, because they meet the bookings that name
# an organisation the list lacks, or name one twice.
GROUPS = ["Editors", "Moderators", "Booking administrators"]
CODENAMES = [f"{action}_organisation" for action in ("add", "change", "delete", "view")]


def grant_and_seed(apps, schema_editor):
    """
    The groups may keep the organisations list, and a site already running
    (it has events) gets the organisations the Collaborative's texts name
    (events/initial_content.py). A new database gets them from
    load_initial_content, with the rest of the content. Booking forms list
    them at once; the admin's choosers find them by search once indexed
    (`manage.py update_index`).
    """
    from events.initial_content import load_organisations

    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="events", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)
    if apps.get_model("events", "EventPage").objects.exists():
        load_organisations(apps.get_model("events", "Organisation"))


def revoke(apps, schema_editor):
    # The organisations stay: by now they are the Collaborative's list, and bookings point at them.
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="events", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_hybrid_places_organisations_and_attendance"),
    ]

    operations = [migrations.RunPython(grant_and_seed, revoke)]
