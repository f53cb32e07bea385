from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GROUP_NAME = "Booking administrators"
# Booking administrators open the contact snippets to set e-mail addresses;
# they need not add or delete contacts, which editors keep.
PERMISSIONS = ["view_contact", "change_contact", "change_contact_email"]


def grant(apps, schema_editor):
    """
    A booking contact's e-mail address receives every booker's details: only
    Booking administrators (and superusers) may set it from now on.
    """
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="events", codename__in=PERMISSIONS)
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="events", codename="change_contact_email").delete()
    permissions = Permission.objects.filter(content_type__app_label="events", codename__in=PERMISSIONS)
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_help_text_for_every_field_an_editor_fills"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="contact",
            options={
                "ordering": ["name"],
                "permissions": [("change_contact_email", "Can set a booking contact's e-mail address")],
            },
        ),
        migrations.AlterField(
            model_name="contact",
            name="email",
            field=models.EmailField(
                blank=True,
                help_text=(
                    "Booking notices, with each booker's details, go to this address, and bookers' replies come "
                    "back to it. Leave blank if not known: pages then point to the contact page."
                ),
                max_length=254,
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
