"""
Admin menu items that open a section of the site (News and events,
Reports) in the page explorer: the direct way in, without walking the page
tree from Pages. Each section's app registers its own, in its wagtail_hooks.py.
"""

from django.urls import reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem


class SectionMenuItem(MenuItem):
    """Opens the page explorer at the section's index page; shown to the people who can edit pages there."""

    def __init__(self, label, index_page_model, **kwargs):
        super().__init__(label, url="", **kwargs)
        self.index_page_model = index_page_model

    def index_page(self, request):
        # Asked twice for each admin page (is_shown, then render_component): looked up once.
        found = request.__dict__.setdefault("_section_index_pages", {})
        if self.name not in found:
            found[self.name] = self.index_page_model.objects.first()
        return found[self.name]

    def is_shown(self, request):
        index_page = self.index_page(request)
        return index_page is not None and index_page.permissions_for_user(request.user).can_edit()

    def render_component(self, request):
        return LinkMenuItem(
            self.name,
            self.label,
            reverse("wagtailadmin_explore", args=[self.index_page(request).pk]),
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )
