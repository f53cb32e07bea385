"""
Documents get a model of their own (home.CustomDocument) whose files are kept
in the "documents" storage, outside the public media. This copies every row
of Wagtail's built-in document model into it, keeping each document's id so
that pages, rich text and report links still point at it, and moves over
what refers to a document by its model: tags, group permissions, the
reference index, the history and the search index. 0003 then moves the files
and removes the old rows, once reports point at the new model.
"""

import django.db.models.deletion
import home.models
import modelsearch.index
import taggit.managers
import wagtail.models.media
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models

OLD = ("wagtaildocs", "document")
NEW = ("home", "customdocument")
COLUMNS = ("id", "title", "file", "created_at", "uploaded_by_user_id", "file_size", "file_hash", "collection_id")
# Permission codenames: Django's own are named after the model, Wagtail's "choose" is not.
CODENAMES = {
    "add_document": "add_customdocument",
    "change_document": "change_customdocument",
    "delete_document": "delete_customdocument",
    "view_document": "view_customdocument",
    "choose_document": "choose_document",
}
# (app, model, content type field) of everything that points at a document by content type and id.
GENERIC_REFERENCES = [
    ("taggit", "TaggedItem", "content_type"),
    ("wagtailcore", "ReferenceIndex", "content_type"),
    ("wagtailcore", "ReferenceIndex", "base_content_type"),
    ("wagtailcore", "ReferenceIndex", "to_content_type"),
    ("wagtailcore", "ModelLogEntry", "content_type"),
    ("wagtailcore", "UploadedFile", "for_content_type"),
    ("wagtailsearch", "IndexEntry", "content_type"),
]


def copy_rows(schema_editor, from_table, to_table, model):
    connection = schema_editor.connection
    columns = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(to_table)} ({columns}) "  # noqa: S608 (names, not input)
            f"SELECT {columns} FROM {connection.ops.quote_name(from_table)} "
            f"WHERE id NOT IN (SELECT id FROM {connection.ops.quote_name(to_table)})"
        )
        # The copied ids were chosen by the old table's sequence: new documents must start above them.
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


def move_references(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    database = schema_editor.connection.alias

    old_type = ContentType.objects.using(database).filter(app_label=source[0], model=source[1]).first()
    if old_type is None:
        return
    new_type, _ = ContentType.objects.using(database).get_or_create(app_label=target[0], model=target[1])
    for app_label, model_name, field in GENERIC_REFERENCES:
        model = apps.get_model(app_label, model_name)
        model.objects.using(database).filter(**{field: old_type}).update(**{field: new_type})

    codenames = CODENAMES if source == OLD else {new: old for old, new in CODENAMES.items()}
    for old_permission in Permission.objects.using(database).filter(content_type=old_type, codename__in=codenames):
        new_permission, _ = Permission.objects.using(database).get_or_create(
            content_type=new_type,
            codename=codenames[old_permission.codename],
            defaults={"name": old_permission.name},
        )
        for granted in GroupCollectionPermission.objects.using(database).filter(permission=old_permission):
            GroupCollectionPermission.objects.using(database).get_or_create(
                group_id=granted.group_id, collection_id=granted.collection_id, permission=new_permission
            )
        for group in Group.objects.using(database).filter(permissions=old_permission):
            group.permissions.add(new_permission)
        for user in old_permission.user_set.using(database).all():
            user.user_permissions.add(new_permission)


def forwards(apps, schema_editor):
    copy_rows(schema_editor, "wagtaildocs_document", "home_customdocument", apps.get_model(*NEW))
    move_references(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    # The rows themselves go back in 0003's reverse; this leaves the new table empty of references.
    move_references(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('home', '0001_initial'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        ('wagtailcore', '0098_apitoken'),
        ('wagtaildocs', '0014_alter_document_file_size'),
        ('wagtailsearch', '0010_add_text_fields'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=255, verbose_name='title')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('file_size', models.PositiveBigIntegerField(editable=False, null=True)),
                ('file_hash', models.CharField(blank=True, editable=False, max_length=40)),
                ('file', models.FileField(storage=home.models.document_storage, upload_to='documents', verbose_name='file')),
                ('collection', models.ForeignKey(default=wagtail.models.media.get_root_collection_id, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtailcore.collection', verbose_name='collection')),
                ('tags', taggit.managers.TaggableManager(blank=True, help_text=None, through='taggit.TaggedItem', to='taggit.Tag', verbose_name='tags')),
                ('uploaded_by_user', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='uploaded by user')),
            ],
            options={
                'verbose_name': 'document',
                'verbose_name_plural': 'documents',
                'permissions': [('choose_document', 'Can choose document')],
                'abstract': False,
            },
            bases=(modelsearch.index.Indexed, models.Model),
        ),
        migrations.RunPython(forwards, backwards),
    ]
