import logging
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """
    Whitenoise's hashed, compressed static files, leaving source-map comments
    as they are: wagtail-nhsuk-frontend's stylesheet names a .map file it does
    not ship, and rewriting that comment would stop collectstatic. A missing
    source map only matters to someone debugging the CSS in a browser.
    """

    patterns = tuple(
        (
            file_glob,
            tuple(
                pattern
                for pattern in file_patterns
                if "sourceMappingURL" not in (pattern[0] if isinstance(pattern, tuple) else pattern)
            ),
        )
        for file_glob, file_patterns in CompressedManifestStaticFilesStorage.patterns
    )


class CleanUpFailedWritesMixin:
    """
    Leaves nothing behind when a file cannot be written whole: a disk that
    fills up, or turns read-only, part way through an upload would otherwise
    keep a truncated file that no image or document row points to. The
    error still reaches the caller, which tells the editor
    (home/uploads.py).

    S3 needs none of this: an object that fails to upload is never created.
    """

    def _save(self, name, content):
        path = self.path(name)
        # Storage.save() has just chosen a free name, so a file there now is
        # one this call created (a rare race for the same name aside, where
        # Django writes under another name and the leftover is not removed).
        existed = os.path.lexists(path)
        try:
            return super()._save(name, content)
        except BaseException:
            if not existed and os.path.lexists(path):
                try:
                    os.remove(path)
                except OSError:
                    logger.exception("Could not remove the partly written file %s", path)
                else:
                    logger.warning("Removed the partly written file %s", path)
            raise


class MediaStorage(CleanUpFailedWritesMixin, FileSystemStorage):
    """Public uploads (images) in MEDIA_ROOT, which a web server serves at MEDIA_URL."""


class NoPublicAddressMixin:
    """
    Documents have no address of their own: they are only ever sent by
    Wagtail's document view (WAGTAILDOCS_SERVE_METHOD = "serve_view"), which
    checks the view restrictions of the document's collection. Wagtail reads
    a missing URL as "serve it yourself", and any other code that asks for
    one fails loudly instead of publishing a link to the file.
    """

    def url(self, name, *args, **kwargs):
        # The exception Django's own Storage.url raises for a storage without
        # addresses, and the one Wagtail's document view catches to mean
        # "send the file yourself" (wagtail/documents/views/serve.py).
        raise NotImplementedError("Documents are served only through /documents/, never from their storage.")


class DocumentStorage(NoPublicAddressMixin, CleanUpFailedWritesMixin, FileSystemStorage):
    """Documents on local disk, in PRIVATE_MEDIA_ROOT: outside MEDIA_ROOT, so no web server serves them."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)


class PrivateS3Storage(NoPublicAddressMixin, S3Storage):
    """Documents in a private S3 bucket (or a private prefix of the media bucket): never publicly readable."""
