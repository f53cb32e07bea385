"""
Moves document files out of the public media (MEDIA_ROOT, or the media
bucket) into the "documents" storage (PRIVATE_MEDIA_ROOT, or the private
bucket), and removes the built-in model's rows, now copied to
home.CustomDocument. Every file under documents/ is moved, including ones no
document points to (left by failed uploads), so nothing private stays
public. A file is deleted from the media only once it is in the documents
storage whole, so an interrupted run can be run again: the move starts
where it stopped. A different file of the same name already in the
documents storage is kept; the moved one then takes a new name.

Runs with `manage.py migrate` (make run, and each release).
"""

import importlib
import logging
import posixpath

from django.core.files.storage import storages
from django.db import migrations

logger = logging.getLogger(__name__)
FOLDER = "documents"
previous = importlib.import_module("home.migrations.0002_documents_in_their_own_storage")


def files_under(storage, folder):
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [posixpath.join(folder, name) for name in files]
    for directory in directories:
        names += files_under(storage, posixpath.join(folder, directory))
    return names


def same_contents(first, second, name):
    if first.size(name) != second.size(name):
        return False
    with first.open(name, "rb") as one, second.open(name, "rb") as other:
        return all(chunk == other.read(len(chunk)) for chunk in one.chunks())


def move_files(source, target, names, rows):
    """
    Move each named file from one storage to the other; return how many moved.
    A file already in the target whole (an interrupted run) is only removed
    from the source; a different file of the same name there makes the moved
    one take a new name, which its rows follow.
    """
    moved = 0
    for name in sorted(set(names)):
        if not source.exists(name):
            continue
        if not (target.exists(name) and same_contents(source, target, name)):
            with source.open(name, "rb") as file:
                saved = target.save(name, file)
            if saved != name:
                rows.filter(file=name).update(file=saved)
        source.delete(name)
        moved += 1
    return moved


def forwards(apps, schema_editor):
    old_rows = apps.get_model("wagtaildocs", "Document").objects.using(schema_editor.connection.alias)
    # The rows 0002 copied: theirs are the files still in the media.
    rows = (
        apps.get_model("home", "CustomDocument")
        .objects.using(schema_editor.connection.alias)
        .filter(pk__in=list(old_rows.values_list("pk", flat=True)))
    )
    media, documents = storages["default"], storages["documents"]
    names = [*rows.values_list("file", flat=True), *files_under(media, FOLDER)]
    moved = move_files(media, documents, names, rows)
    if moved:
        logger.info("Moved %s document files from the public media to the documents storage.", moved)
    old_rows.all().delete()


def backwards(apps, schema_editor):
    previous.copy_rows(
        schema_editor, "home_customdocument", "wagtaildocs_document", apps.get_model("wagtaildocs", "Document")
    )
    rows = apps.get_model("wagtaildocs", "Document").objects.using(schema_editor.connection.alias)
    media, documents = storages["default"], storages["documents"]
    move_files(documents, media, files_under(documents, FOLDER), rows)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_documents_in_their_own_storage"),
        ("reports", "0002_documents_in_their_own_storage"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
