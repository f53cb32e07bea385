from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Booking administrators"
PERMISSIONS = ["view_booking", "change_booking", "export_booking", "erase_booking"]


def create_group(apps, schema_editor):
    """
    The group that sees, exports, cancels and promotes bookings, and erases a
    person's details on request. Editors and moderators are not in it, so
    they never see bookers' personal data.
    """
    # Permissions are normally created after all migrations have run; this
    # group needs them now.
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    admin_access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    booking_permissions = Permission.objects.filter(content_type__app_label="events", codename__in=PERMISSIONS)
    group.permissions.add(admin_access, *booking_permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_booking"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
