"""
An image's Description is its alt text: what a screen reader reads aloud to
people who cannot see the image, and what shows where the image does not
load (Wagtail uses the title when there is none). The image forms, on the
multiple upload page and on an image's edit page, say so, and warn (without
stopping the save: a decorative image may rightly have none) when the
description is missing or is just the file name. (The multiple upload page
already warns of a missing description in Wagtail's own words, above each
uploaded image's form: that form does not say it twice.)
"""

import os
import re

from django.template.loader import render_to_string
from django.utils.html import format_html

DESCRIPTION_HELP = (
    "Read aloud to people who cannot see the image, and shown if it does not load. Describe what the image shows, "
    'for example "Two nurses talking on a hospital ward". Leave out "image of".'
)
IMAGE_EXTENSION = re.compile(r"\.(jpe?g|png|gif|webp|heic|tiff?|bmp|svg)$", re.IGNORECASE)
# The names cameras and phones give their pictures: IMG_2041, DSC01234, PXL_20240101_1234, photo-1.
CAMERA_NAME = re.compile(r"(img|dsc[nf]?|pxl|photo|image|pic|picture|screenshot|whatsapp image)\W*[\d_ -]+")
# What storage adds to a file name already taken: IMG_2041_AbC1dE2.jpg.
STORAGE_SUFFIX = re.compile(r"_[a-zA-Z0-9]{7}$")


def _key(name):
    """A name without its extension, case, spaces or separators: "IMG_2041.jpg" and "img 2041" are alike."""
    return re.sub(r"[\W_]", "", IMAGE_EXTENSION.sub("", name.strip()).lower())


def is_file_name(description, file_name="", title=""):
    """Whether a description says no more than a file name: the image's own, its title, or a camera's."""
    key = _key(description)
    stem = os.path.splitext(os.path.basename(file_name))[0]
    names = {_key(stem), _key(STORAGE_SUFFIX.sub("", stem))}
    # A title still the uploaded file's name ("IMG_2041"), not a title an editor wrote.
    if title and " " not in title.strip():
        names.add(_key(title))
    return (
        key in names - {""}
        or bool(IMAGE_EXTENSION.search(description.strip()))
        or bool(CAMERA_NAME.fullmatch(description.strip().lower()))
    )


def description_warning(description, file_name, title, missing=True):
    """
    What to tell an editor about a description that leaves people who cannot
    see the image without one; missing=False leaves out an empty one.
    """
    if not description.strip():
        if not missing:
            return None
        return (
            f'This image has no description: people who cannot see it will hear its title, "{title}", instead. '
            "Add one unless the image is only decoration."
        )
    if is_file_name(description, file_name, title):
        return "This description is the image's file name: say what the image shows instead."
    return None


class DescriptionHelpMixin:
    """For Wagtail's image form: the Description's help text, and a warning under it when it needs one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("description")
        if field is None:
            return
        field.help_text = DESCRIPTION_HELP
        warning = self._description_warning()
        if warning:
            block = render_to_string(
                "wagtailadmin/shared/help_block.html",
                {"status": "warning", "children": format_html("<p>{}</p>", warning)},
            )
            field.help_text = format_html("{}{}", DESCRIPTION_HELP, block)

    def _description_warning(self):
        if self.is_bound:
            description = self.data.get(self.add_prefix("description"), "")
            title = self.data.get(self.add_prefix("title"), self.instance.title)
        elif self.instance.pk:
            description, title = self.instance.description, self.instance.title
        else:
            # A new image's empty form: nothing has been left out yet.
            return None
        # The multiple upload's form, the one without the file, is under Wagtail's own warning.
        missing = "file" in self.fields
        return description_warning(description or "", self.instance.file.name or "", title or "", missing)
