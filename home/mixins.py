from django.db import models
from django.http import Http404
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page


class ListingMixin(models.Model):
    """
    How a page presents itself away from its own URL: in listings, in search
    results, on social media and to search engines.

    The meta description is Wagtail's own `search_description` field, shown
    here under a plain name rather than duplicated; `meta_description` falls
    back to the listing summary so that an editor who writes one gets both.
    """

    listing_summary = models.TextField(
        blank=True,
        max_length=300,
        help_text=(
            "One or two sentences shown under the title wherever this page is listed "
            "(home page, search results). Leave blank to use the page's introduction or summary."
        ),
    )
    listing_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown beside the title in listings and when the page is shared. Optional.",
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title"),
                FieldPanel(
                    "search_description",
                    heading="Meta description",
                    help_text=(
                        "What search engines show under the link, in about 150 characters. "
                        "Leave blank to use the listing summary."
                    ),
                ),
            ],
            heading="For search engines",
        ),
        MultiFieldPanel(
            [FieldPanel("listing_summary"), FieldPanel("listing_image")],
            heading="In listings and when shared",
        ),
        MultiFieldPanel([FieldPanel("show_in_menus")], heading="For site menus"),
    ]

    class Meta:
        abstract = True

    @property
    def listing_text(self):
        """The summary to show in a listing: the editor's summary, else the introduction."""
        return self.listing_summary or getattr(self, "introduction", "") or getattr(self, "summary", "")

    @property
    def sharing_image(self):
        """
        The page's own picture for social media and search engines: its
        listing image (news items and reports fall back on the picture they
        show). Without one, the site's default is shown (home/metadata.py).
        """
        return self.listing_image

    @property
    def meta_description(self):
        return self.search_description or self.listing_text


class IntroductionMixin(models.Model):
    """
    A short optional paragraph under the page's title, also the listing text
    when the editor writes no summary (ListingMixin.listing_text). A page whose
    introduction says something more particular gives its own help text in
    its FieldPanel.
    """

    introduction = models.TextField(
        blank=True, max_length=600, help_text="A sentence under the title that says what visitors find here."
    )

    class Meta:
        abstract = True


class PassThroughRoutingMixin:
    """
    Finds the page a URL names without loading every page on the way as its
    own type. Wagtail's routing loads each ancestor's specific instance (a
    query each) only to ask it to route on, and for this site's page types
    that is always the same routing; the page finally served is still loaded
    as its own type. Saves a query per level on every deep page.
    """

    def route(self, request, path_components):
        if len(path_components) < 2:
            return Page.route(self, request, path_components)
        try:
            child = self.get_children().get(slug=path_components[0])
        except Page.DoesNotExist as error:
            raise Http404 from error
        child._cached_parent_obj = self
        child_class = child.specific_class
        if child_class is not None and child_class.route is PassThroughRoutingMixin.route:
            return PassThroughRoutingMixin.route(child, request, path_components[1:])
        # A page type that routes in its own way is asked as itself.
        return child.specific.route(request, path_components[1:])
