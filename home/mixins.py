from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel


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

    def full_url_for(self, request=None):
        """
        The page's full address as the visitor reached it (the host they used),
        falling back to the Site's own hostname where there is no request.
        """
        if request is None:
            return self.full_url
        return request.build_absolute_uri(self.get_url(request))

    @property
    def meta_description(self):
        return self.search_description or self.listing_text
