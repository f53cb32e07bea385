"""
Documents are kept where no web server serves them (PRIVATE_MEDIA_ROOT, the
"documents" storage) and leave only through Wagtail's document view, which
checks the collection's view restrictions. The attack: fetching a private
document's file straight from /media/, as the development server and a web
server in front of MEDIA_ROOT would serve it.
"""

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import clear_url_caches
from wagtail.documents import get_document_model
from wagtail.documents.models import Document as WagtailDocument
from wagtail.models import Collection, CollectionViewRestriction, GroupCollectionPermission

from tests.reports.factories import make_document, pdf_bytes

pytestmark = pytest.mark.django_db

copy_documents = importlib.import_module("home.migrations.0002_documents_in_their_own_storage")
move_document_files = importlib.import_module("home.migrations.0003_move_document_files")


@pytest.fixture
def development_urls(settings):
    """The site's URLs as the development server has them (DEBUG): /media/ served from MEDIA_ROOT."""
    import collaborative_site.urls

    settings.DEBUG = True
    importlib.reload(collaborative_site.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(collaborative_site.urls)
    clear_url_caches()


@pytest.fixture
def private_collection():
    collection = Collection.get_first_root_node().add_child(name="Steering group papers")
    CollectionViewRestriction.objects.create(collection=collection, restriction_type=CollectionViewRestriction.LOGIN)
    return collection


def is_inside(path, folder):
    return Path(folder).resolve() in Path(path).resolve().parents


def test_a_documents_file_is_stored_outside_the_public_media():
    document = make_document("Minutes", "minutes.pdf", pdf_bytes(1))

    assert is_inside(document.file.path, django_settings.PRIVATE_MEDIA_ROOT)
    assert not is_inside(document.file.path, django_settings.MEDIA_ROOT)
    assert not default_storage.exists(document.file.name)


def test_a_document_has_no_address_of_its_own_only_the_document_view():
    document = make_document("Minutes", "minutes.pdf", pdf_bytes(1))

    assert document.url == f"/documents/{document.pk}/{document.filename}"
    with pytest.raises(NotImplementedError):
        document.file.url  # noqa: B018 (reading it is the test)


@pytest.mark.parametrize("private", [True, False], ids=["private collection", "public collection"])
def test_a_documents_file_cannot_be_fetched_from_media_in_development(
    client, development_urls, private, private_collection
):
    collection = private_collection if private else Collection.get_first_root_node()
    document = make_document("Minutes", "minutes.pdf", pdf_bytes(1), collection=collection)
    default_storage.save("original_images/photo.png", ContentFile(b"an image"))

    # The development server does serve the media (an image), but no document is there.
    assert client.get("/media/original_images/photo.png").status_code == 200
    assert client.get(f"/media/{document.file.name}").status_code == 404
    assert client.get(f"/media/documents/{Path(document.file.name).name}").status_code == 404


def test_the_document_view_refuses_a_visitor_a_private_document_and_serves_a_public_one(client, private_collection):
    content = pdf_bytes(1)
    private = make_document("Minutes", "minutes.pdf", content, collection=private_collection)
    public = make_document("Annual report", "annual.pdf", content)

    refused = client.get(private.url)
    served = client.get(public.url)

    assert refused.status_code == 302 and "/_util/login/" in refused["Location"]
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == content


def test_editors_keep_their_document_permissions_on_the_new_model(client, log_in):
    log_in("Editors")

    assert client.get("/admin/documents/add/").status_code == 200
    assert client.get("/admin/documents/multiple/add/").status_code == 200


def historical_apps():
    loader = MigrationLoader(connection)
    return loader.project_state(("home", "0003_move_document_files")).apps


def test_documents_in_the_old_layout_move_out_of_the_public_media():
    """
    A site from before documents had their own storage (make run on an old
    checkout, or production): Wagtail's own document rows, with their files
    in MEDIA_ROOT/documents, and a leftover file no row points to.
    """
    collection = Collection.get_first_root_node().add_child(name="Papers")
    old_content, other_content = pdf_bytes(1), pdf_bytes(2)
    old = WagtailDocument(title="Old minutes", collection=collection)
    old.file.save("old-layout.pdf", ContentFile(old_content), save=False)
    old._set_document_file_metadata()
    old.save()
    # A new-style document already holds the file's name (as after going back and forth between releases).
    same_name = make_document("Agenda", "old-layout.pdf", other_content, pk=old.pk + 100)
    old.tags.add("board")
    leftover = default_storage.save("documents/old-layout-truncated.pdf", ContentFile(b"%PDF-1.7 part"))
    editors = Group.objects.get(name="Editors")
    GroupCollectionPermission.objects.filter(group=editors).delete()
    GroupCollectionPermission.objects.create(
        group=editors,
        collection=collection,
        permission=Permission.objects.get(content_type__app_label="wagtaildocs", codename="change_document"),
    )
    assert default_storage.exists(old.file.name)

    apps, editor = historical_apps(), SimpleNamespace(connection=connection)
    copy_documents.forwards(apps, editor)
    move_document_files.forwards(apps, editor)
    # Running it again (an interrupted deploy) changes nothing.
    copy_documents.forwards(apps, editor)
    move_document_files.forwards(apps, editor)

    moved = get_document_model().objects.get(pk=old.pk)
    assert (moved.title, moved.file_hash) == ("Old minutes", old.file_hash)
    with moved.file.open("rb") as file:
        assert file.read() == old_content
    with get_document_model().objects.get(pk=same_name.pk).file.open("rb") as file:
        assert file.read() == other_content
    assert [tag.name for tag in moved.tags.all()] == ["board"]
    assert not WagtailDocument.objects.exists()
    assert not default_storage.exists(old.file.name)
    assert not default_storage.exists(leftover)
    assert storages["documents"].exists(leftover)
    assert is_inside(moved.file.path, django_settings.PRIVATE_MEDIA_ROOT)
    assert GroupCollectionPermission.objects.filter(
        group=editors, collection=collection, permission__codename="change_customdocument"
    ).exists()
    # New documents are numbered after the moved ones.
    assert make_document("New", "new.pdf", old_content).pk > same_name.pk


def test_moving_documents_back_restores_the_old_layout():
    document = make_document("Minutes", "minutes.pdf", pdf_bytes(1))
    apps, editor = historical_apps(), SimpleNamespace(connection=connection)

    move_document_files.backwards(apps, editor)
    copy_documents.backwards(apps, editor)

    old = WagtailDocument.objects.get(pk=document.pk)
    assert default_storage.exists(old.file.name)
    assert not storages["documents"].exists(old.file.name)
