"""
Uploads the server cannot store. When the disk is full or read-only (or the
bucket refuses the file), Wagtail would answer the editor with a server
error, and a local disk would keep a truncated file with no image or
document row.

The upload forms (Wagtail's form bases, WAGTAILDOCS_DOCUMENT_FORM_BASE and
WAGTAILIMAGES_IMAGE_FORM_BASE) therefore write the file to storage while
they are validated, once everything else about the upload is right. A
failure becomes an error on the file field, which every upload screen
already shows: the add page, the multiple uploader (its JSON
"error_message") and the chooser's upload tab. The storage classes
(collaborative_site/storage.py) remove the partly written file, and the
operator gets an error in the log.
"""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.uploadedfile import UploadedFile
from wagtail.images.forms import BaseImageForm

from .image_descriptions import DescriptionHelpMixin

logger = logging.getLogger(__name__)

STORAGE_FAILED = (
    "This file could not be saved: the website's file storage is full or cannot be written to. "
    "Nothing has been saved. Please tell the website's operator, and try again later."
)
# What a storage raises when it cannot write: the disk (full, read-only, no
# permission), or S3 (unreachable, or refusing the object).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


class StoreFileWhenValidMixin:
    """For a ModelForm with a `file` field: write a new upload while validating, and refuse it if that fails."""

    def _post_clean(self):
        super()._post_clean()
        file = self.cleaned_data.get("file")
        if self.errors or not isinstance(file, UploadedFile):
            return
        field_file = self.instance.file
        try:
            # What the model's save would do; the saved file is then not written again.
            field_file.save(file.name, file, save=False)
        except STORAGE_ERRORS as error:
            logger.error(
                "Upload of %r refused: %s could not store it (%s: %s). Check the free space and permissions "
                "of the media storage.",
                file.name,
                describe_storage(field_file.storage),
                error.__class__.__name__,
                error,
            )
            self.add_error("file", STORAGE_FAILED)


def describe_storage(storage):
    location = getattr(storage, "location", None) or getattr(storage, "bucket_name", None)
    return f"{storage.__class__.__name__} ({location})" if location else storage.__class__.__name__


class ImageForm(StoreFileWhenValidMixin, DescriptionHelpMixin, BaseImageForm):
    """
    Wagtail's image form, refusing plainly an image the storage cannot hold,
    and saying what the Description is for (home/image_descriptions.py).
    """
