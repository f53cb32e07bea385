from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, HelpPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.documents.models import AbstractDocument
from wagtail.documents.models import Document as WagtailDocument
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import BaseStreamBlock
from .mixins import IntroductionMixin, ListingMixin, PassThroughRoutingMixin
from .page_cache import remembered
from .restrictions import ViewRestrictionsByPathMixin


class HomePage(ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, IntroductionMixin, Page):
    """
    The front page: who the Collaborative is, then its next workshops, latest
    news and latest reports.
    """

    hero_heading = models.CharField(
        max_length=120,
        default=settings.WAGTAIL_SITE_NAME,
        help_text="The large heading at the top of the home page: usually the Collaborative's full name.",
    )
    # Overrides IntroductionMixin's optional field: the hero is not complete without it.
    introduction = models.TextField(
        max_length=600,
        help_text="One or two sentences under the heading that say what the Collaborative is for.",
    )
    body = StreamField(
        BaseStreamBlock(),
        blank=True,
        help_text="Optional content between the introduction and the listings, such as a notice.",
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("hero_heading"), FieldPanel("introduction")], heading="Hero"),
        FieldPanel("body"),
        HelpPanel(
            content=(
                "<p>The upcoming workshops, latest news and latest reports below the hero are "
                "filled in automatically from the pages in those sections.</p>"
            ),
            heading="Listings",
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.StandardPage", "events.NewsAndEventsIndexPage", "reports.ReportIndexPage"]
    max_count = 1
    page_description = "The site's front page. There is only one."

    class Meta:
        verbose_name = "home page"


class StandardPage(ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, IntroductionMixin, Page):
    """A general content page: About the Collaborative, privacy notice, contact and the like."""

    body = StreamField(
        BaseStreamBlock(),
        help_text="The page's content, built from headings, paragraphs and NHS.UK components.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction", help_text="A lead paragraph shown in larger text under the title. Optional."),
        FieldPanel("body"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]
    page_description = "A general page of text, such as About the Collaborative, a privacy notice or contact details."

    class Meta:
        verbose_name = "standard page"


@register_setting(icon="site")
class SiteSettings(ClusterableModel, BaseSiteSetting):
    """Facts about the Collaborative that appear on every page: its name, contact details, footer links."""

    # Read with the settings, in the same query: pages link to the one and show the other.
    select_related = ["contact_page", "default_sharing_image"]

    @classmethod
    def for_site(cls, site):
        """
        The settings every page reads, remembered until the next change to
        everything (saving them is one: home/page_cache.py) rather than read
        on every request.
        """
        if site is None:
            return super().for_site(site)
        return remembered(f"site-settings:{site.pk}", lambda: super(SiteSettings, cls).for_site(site), 60 * 60)

    organisation_name = models.CharField(
        max_length=120,
        default=settings.WAGTAIL_SITE_NAME,
        help_text="Shown in the header of every page and at the end of every browser tab title.",
    )
    default_meta_description = models.TextField(
        blank=True,
        max_length=300,
        help_text=("What search engines show for a page that has no description or summary of its own."),
    )
    default_sharing_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "The picture shown when a page without a listing image of its own is shared on social media, and "
            "shown by search engines beside workshops, news and reports. Choose one at least 1,200 pixels wide, "
            "with nothing important near its edges: it is cropped to different shapes. Until one is chosen, the "
            "NHS logo is used."
        ),
    )
    contact_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The page visitors are sent to when they need to get in touch.",
    )
    contact_name = models.CharField(
        max_length=120, blank=True, help_text="The person who answers enquiries, e.g. Joanna Daci."
    )
    contact_role = models.CharField(
        max_length=120, blank=True, help_text="Their role, e.g. Programme Operations Manager."
    )
    contact_email = models.EmailField(
        blank=True, help_text="The e-mail address for enquiries and bookings. Leave blank if unknown."
    )
    contact_phone = models.CharField(
        max_length=40, blank=True, help_text="A phone number for enquiries, e.g. 020 7946 0000. Optional."
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("default_meta_description"),
                FieldPanel("default_sharing_image"),
            ],
            heading="The Collaborative",
        ),
        MultiFieldPanel(
            [
                FieldPanel("contact_page"),
                FieldPanel("contact_name"),
                FieldPanel("contact_role"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
            ],
            heading="Contact details",
        ),
        InlinePanel(
            "footer_links",
            heading="Footer links",
            label="Footer link",
            help_text="Links at the foot of every page: privacy notice, accessibility statement, contact.",
        ),
    ]

    class Meta:
        verbose_name = "site settings"


class FooterLink(Orderable):
    settings = ParentalKey(SiteSettings, on_delete=models.CASCADE, related_name="footer_links")
    label = models.CharField(max_length=80, blank=True, help_text="Leave blank to use the page's title.")
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A page on this site.",
    )
    link_url = models.URLField(blank=True, help_text="Or an address on another site.")

    panels = [FieldPanel("label"), FieldPanel("link_page"), FieldPanel("link_url")]

    def clean(self):
        super().clean()
        if self.link_page and self.link_url:
            raise ValidationError("Choose a page or enter an address, not both.")
        if not self.link_page and not self.link_url:
            raise ValidationError({"link_page": "Choose a page, or enter an address below."})
        if self.link_url and not self.label:
            raise ValidationError({"label": "Give a link to another site a label."})

    @property
    def text(self):
        return self.label or (self.link_page.title if self.link_page else self.link_url)

    def get_url(self, request=None):
        if self.link_page:
            return self.link_page.get_url(request)
        return self.link_url

    def __str__(self):
        return self.text


class PageCacheClear(models.Model):
    """
    A clearing of the page cache that could not be made in the cache when a
    change asked for it (the cache was unreachable): kept here, where every
    app server sees it, so that nothing cached before the change is served
    until a request that reaches the cache again clears it
    (home/page_cache.py). Normally there are none.
    """

    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "page cache clearing owed"
        verbose_name_plural = "page cache clearings owed"

    def __str__(self):
        return f"Page cache clearing owed since {self.requested_at:%Y-%m-%d %H:%M:%S}"


def document_storage():
    """The "documents" storage (settings.STORAGES): read when used, so each environment's settings apply."""
    return storages["documents"]


class CustomDocument(AbstractDocument):
    """
    Wagtail's document, kept in a storage of its own, outside the public media
    (WAGTAILDOCS_DOCUMENT_MODEL). A document in a private collection must only
    leave through Wagtail's document view, which checks the collection's
    restrictions; files under MEDIA_ROOT (or in a bucket a CDN serves) can be
    fetched by anyone who knows their name.

    Wagtail has no setting for the document storage, and changing the storage
    of its own model's file field would need a migration inside Wagtail. A
    custom document model is the mechanism Wagtail documents and its
    maintainers advise for this; the rows, permissions, tags and references
    of the built-in model were moved over by home/migrations/0002 and 0003,
    which also move the files.
    """

    file = models.FileField(upload_to="documents", storage=document_storage, verbose_name="file")

    admin_form_fields = WagtailDocument.admin_form_fields

    class Meta(AbstractDocument.Meta):
        permissions = [("choose_document", "Can choose document")]
