"""
Writes the initial content without ever undoing an editor's work.

A page the loader wrote carries revisions with no user. Once an editor saves
a revision of it (a draft or a published change), the page is the editor's:
the loader leaves it alone from then on. Pages still as the loader left them
are brought up to date when the source text changes, and left untouched (no
new revision) when it has not, so running the loader twice changes nothing.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from modelcluster.fields import ParentalManyToManyField
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.fields import StreamField
from wagtail.models import Collection, Locale, Page, Site

from home.site_address import point_site_at_public_address

CREATED, UPDATED, UNCHANGED, KEPT = "created", "updated", "unchanged", "kept (edited since)"


@dataclass
class ContentLoader:
    stdout: object = None
    # Demonstration content (an example upcoming workshop to try booking
    # with) is only for local development: `make run` asks for it.
    demo: bool = False
    outcomes: dict = field(default_factory=dict)

    def report(self, page, outcome):
        self.outcomes[page.url_path] = outcome
        if self.stdout is not None:
            self.stdout.write(f"  {outcome:<22} {page.title}")

    # The site's root -------------------------------------------------------

    def ensure_home_page(self, model, site_name, **fields):
        """
        The home page, as the root of the default site. On a new database this
        replaces Wagtail's "Welcome to your new Wagtail site!" placeholder.
        """
        home = model.objects.first()
        if home is None:
            root = self._tree_root()
            # Wagtail's placeholder holds the slug "home" and is the default
            # site's root; the site would be deleted with it, so it is moved
            # to the tree's root first.
            self._point_default_site_at(root, site_name)
            self._remove_welcome_page(root)
            home = model(slug="home", **fields)
            root.add_child(instance=home)
            self._publish(home)
            self._point_default_site_at(home, site_name)
            self.report(home, CREATED)
        else:
            self._point_default_site_at(home, site_name)
            self.update_page(home, **fields)
        return home

    @staticmethod
    def _tree_root():
        """
        The root of Wagtail's page tree. Wagtail's migrations create it, but a
        flushed database (manage.py flush) has none, nor a default language.
        """
        root = Page.get_first_root_node()
        if root is None:
            Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
            root = Page.add_root(instance=Page(title="Root", slug="root"))
        # Nor the root collection that documents and images are filed under.
        if Collection.get_first_root_node() is None:
            Collection.add_root(name="Root")
        return root

    def _point_default_site_at(self, home, site_name):
        """The default Site: rooted at the home page, and at the public address settings.SITE_URL names."""
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(root_page=home, is_default_site=True, site_name=site_name)
            point_site_at_public_address(site)
            site.save()
            return
        moved = point_site_at_public_address(site)
        if moved or site.root_page_id != home.pk or not site.site_name:
            site.root_page = home
            site.site_name = site.site_name or site_name
            site.save()

    def _remove_welcome_page(self, root):
        root.get_children().filter(
            content_type__app_label="wagtailcore", content_type__model="page", numchild=0
        ).exclude(sites_rooted_here__isnull=False).delete()

    # Snippets --------------------------------------------------------------

    @staticmethod
    def ensure_object(model, lookup, **defaults):
        """
        A snippet such as a venue, found by its name and created if missing.
        Snippets keep no revisions to tell an editor's change from ours, so
        an existing one is never touched.
        """
        instance, _ = model.objects.get_or_create(**lookup, defaults=defaults)
        return instance

    # Pages -----------------------------------------------------------------

    def ensure_page(self, parent, model, slug, **fields):
        """The page at parent/slug, created and published if it does not exist."""
        existing = parent.get_children().filter(slug=slug).first()
        if existing is None:
            page = model(slug=slug, **fields)
            parent.add_child(instance=page)
            self._publish(page)
            self.report(page, CREATED)
            return page
        page = existing.specific
        self.update_page(page, **fields)
        return page

    def update_page(self, page, **fields):
        if self.edited_by_someone(page):
            self.report(page, KEPT)
            return page
        changed = [name for name, value in fields.items() if not self._same(page, name, value)]
        if not changed:
            self.report(page, UNCHANGED)
            return page
        for name in changed:
            setattr(page, name, fields[name])
        self._publish(page)
        self.report(page, UPDATED)
        return page

    @staticmethod
    def edited_by_someone(page):
        return page.revisions.exclude(user=None).exists()

    @staticmethod
    def _publish(page):
        page.save_revision(user=None).publish(user=None, log_action=False)

    @staticmethod
    def _same(page, name, value):
        model_field = page._meta.get_field(name)
        current = getattr(page, name)
        if isinstance(model_field, StreamField):
            return normalise_stream(model_field, current) == normalise_stream(model_field, value)
        if isinstance(model_field, models.ForeignKey):
            return getattr(page, model_field.attname) == (value.pk if value is not None else None)
        if isinstance(model_field, ParentalManyToManyField):
            return {item.pk for item in current.all()} == {item.pk for item in value}
        if model_field.one_to_many:  # an inline list such as related pages
            return [item.page_id for item in current.all()] == [item.page_id for item in value]
        return current == value


def normalise_stream(stream_field, value):
    """
    A StreamField's content as plain data, for comparison: every block passed
    through its own to_python and get_prep_value (so that defaults are filled
    in the same way on both sides), without the random ids Wagtail gives
    blocks and list items.
    """
    block = stream_field.stream_block
    raw = list(value.raw_data) if hasattr(value, "raw_data") else value
    return [(child.block_type, _without_ids(child.block.get_prep_value(child.value))) for child in block.to_python(raw)]


def _without_ids(data):
    if isinstance(data, dict):
        return {key: _without_ids(item) for key, item in data.items() if key != "id"}
    if isinstance(data, list):
        return [_without_ids(item) for item in data]
    return data
