"""
Moves document files out of the public media (MEDIA_ROOT, or the media
bucket) into the "documents" storage (PRIVATE_MEDIA_ROOT, or the private
bucket), and removes the built-in model's rows, now copied to
home.CustomDocument. Every file under documents/ is moved, including ones no
document points to (left by failed uploads), so nothing private stays
public. A file is deleted from the media only once it is in the documents
storage whole, so an interrupted run can be run again: the move starts
where it stopped.

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


class DocumentsInBothPlaces(RuntimeError):
    pass


def files_under(storage, folder):
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [posixpath.join(folder, name) for name in files]
    for directory in directories:
        names += files_under(storage, posixpath.join(folder, directory))
    return names


def move_files(source, target, names):
    """Move each named file from one storage to the other under the same name; return how many moved."""
    moved = 0
    for name in sorted(set(names)):
        if not source.exists(name):
            continue
        if target.exists(name):
            if target.size(name) != source.size(name):
                raise DocumentsInBothPlaces(
                    f"{name} is in both storages with different contents: keep the right one in the documents "
                    "storage, delete the other, and run migrate again."
                )
        else:
            with source.open(name, "rb") as file:
                saved = target.save(name, file)
            if saved != name:
                target.delete(saved)
                raise DocumentsInBothPlaces(f"{name} could not be stored under its own name (got {saved}).")
        source.delete(name)
        moved += 1
    return moved


def forwards(apps, schema_editor):
    database = schema_editor.connection.alias
    names = apps.get_model("home", "CustomDocument").objects.using(database).values_list("file", flat=True)
    media, documents = storages["default"], storages["documents"]
    moved = move_files(media, documents, [*names, *files_under(media, FOLDER)])
    if moved:
        logger.info("Moved %s document files from the public media to the documents storage.", moved)
    apps.get_model("wagtaildocs", "Document").objects.using(database).all().delete()


def backwards(apps, schema_editor):
    previous.copy_rows(
        schema_editor, "home_customdocument", "wagtaildocs_document", apps.get_model("wagtaildocs", "Document")
    )
    media, documents = storages["default"], storages["documents"]
    move_files(documents, media, files_under(documents, FOLDER))


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_documents_in_their_own_storage"),
        ("reports", "0002_documents_in_their_own_storage"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
