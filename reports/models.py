"""
Reports: the Collaborative's published reports, read on screen first, with
their documents, the workshop each came from, and the NHS review dates.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from home import page_cache
from home.blocks import BaseStreamBlock
from home.filter_choices import remembered_choices, topics_of, years_with
from home.indexes import NullsLastIndex
from home.metadata import canonical_address, collaborative, schema_images
from home.mixins import IntroductionMixin, ListingMixin, PassThroughRoutingMixin
from home.pagination import paginate, with_page_number
from home.restrictions import ViewRestrictionsByPathMixin, is_public, private_q

from .blocks import WorkshopFiguresBlock
from .forms import ReportFilterForm

# The listings' order, the index's (ReportPage.Meta.indexes).
NEWEST_FIRST = (models.F("publication_date").desc(nulls_last=True), "-first_published_at")
# What report cards never show: the report itself.
NOT_ON_REPORT_CARDS = ("body",)


class RecommendationsBlock(blocks.StructBlock):
    """The report's recommendations as a numbered list, each with who it is for."""

    heading = blocks.CharBlock(default="Recommendations", max_length=150)
    recommendations = blocks.ListBlock(
        blocks.StructBlock(
            [
                ("text", blocks.TextBlock(max_length=1000, help_text="The recommendation, in one or two sentences.")),
                (
                    "for_whom",
                    blocks.CharBlock(
                        required=False, max_length=150, help_text="Optional. Who should act, e.g. HR directors."
                    ),
                ),
            ],
            label="Recommendation",
        ),
        min_num=1,
    )

    class Meta:
        icon = "list-ol"
        template = "reports/blocks/recommendations_block.html"
        description = "A numbered list of the report's recommendations, under a section heading."


class ReportBodyBlock(BaseStreamBlock):
    recommendations = RecommendationsBlock()
    workshop_figures = WorkshopFiguresBlock()


class ReportIndexPage(ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, IntroductionMixin, Page):
    """The Reports section: every published report, newest first, filtered by year and topic."""

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["reports.ReportPage"]
    max_count = 1
    page_description = "The Reports section. Reports are added under it."

    PER_PAGE = 10

    class Meta:
        verbose_name = "reports index"

    def reports(self):
        """The live, public reports in this section, newest first."""
        page_cache.shows(ReportPage)
        return ReportPage.objects.live().exclude(private_q()).descendant_of(self).order_by(*NEWEST_FIRST)

    def years(self):
        return remembered_choices(
            "years",
            self,
            (ReportPage,),
            lambda: years_with(self, self.reports().order_by(NEWEST_FIRST[0]).values("publication_date")),
        )

    def topics(self):
        return remembered_choices("topics", self, (ReportPage,), lambda: topics_of(self.reports()))

    @staticmethod
    def filtered(reports, year=None, topic=None):
        if year:
            reports = reports.filter(publication_date__year=year)
        if topic:
            # A subquery rather than a join: no duplicate rows to remove with DISTINCT before the LIMIT.
            reports = reports.filter(pk__in=ReportPageTag.objects.filter(tag__slug=topic).values("content_object"))
        return reports

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = ReportFilterForm(request.GET, years=self.years(), topics=self.topics())
        filters = form.filters()
        counted = self.filtered(self.reports(), filters.get("year"), filters.get("topic"))
        # The page shown is read without the section's tree filter (every
        # report is in this section: parent_page_types, max_count): with it,
        # PostgreSQL cannot tell that every report matches, expects a few,
        # and sorts them all rather than reading ten from the date index.
        # Counting is the other way round: the tree filter is a range of the
        # path index, where counting without it reads every page.
        shown = ReportPage.objects.live().exclude(private_q()).order_by(*NEWEST_FIRST)
        # What a card shows, in the same query, and not the report itself.
        shown = self.filtered(shown, filters.get("year"), filters.get("topic"))
        shown = shown.select_related("cover_image").defer(*NOT_ON_REPORT_CARDS)
        context["filter_form"] = form
        context["filtered"] = any(filters.values())
        context["reports"] = paginate(request, shown, self.PER_PAGE, count=counted.count())
        context["canonical_url"] = canonical_address(self, request, context["reports"].number)
        if context["filtered"] or context["reports"].number > 1:
            context["title_filter"] = with_page_number(form.describe("Reports"), context["reports"])
        return context


class ReportPageTag(TaggedItemBase):
    content_object = ParentalKey("reports.ReportPage", on_delete=models.CASCADE, related_name="tagged_items")


class ReportPage(ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, Page):
    """One report: the report itself as a web page, its documents, and where it came from."""

    publication_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the report was published. Leave blank only if it is not known: no date is then shown.",
    )
    summary = models.TextField(max_length=800, help_text="Two or three sentences: what the report is about and for.")
    authors = models.CharField(
        "authors or contributing organisations",
        max_length=300,
        blank=True,
        help_text="Optional. As they should be credited, e.g. 'HR directors of the Collaborative's member trusts'.",
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional. The report's cover, shown at the top and in listings.",
    )
    body = StreamField(
        ReportBodyBlock(),
        blank=True,
        help_text=(
            "The report itself, to read on screen. Each section heading (H2) becomes an entry in the "
            "contents list at the top."
        ),
    )
    workshop = models.ForeignKey(
        "events.EventPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text="The workshop the report came from. Its page links here once the report is published.",
    )
    tags = ClusterTaggableManager(
        through=ReportPageTag, blank=True, help_text="Topics, e.g. wellbeing, workforce planning."
    )
    last_reviewed = models.DateField(null=True, blank=True, help_text="When the content was last checked.")
    next_review_due = models.DateField(null=True, blank=True, help_text="When it should next be checked.")

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("publication_date"), FieldPanel("summary"), FieldPanel("authors"), FieldPanel("cover_image")],
            heading="About the report",
        ),
        FieldPanel("body"),
        InlinePanel(
            "documents",
            heading="Documents",
            label="Document",
            help_text="The report's files to download, such as the full report as a PDF. Their type and size are "
            "shown for you, and a PDF's number of pages.",
        ),
        MultiFieldPanel(
            [PageChooserPanel("workshop", "events.EventPage"), FieldPanel("tags")],
            heading="Workshop and topics",
        ),
        InlinePanel("related_pages", heading="Related reports and pages", label="Related page"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("last_reviewed"), FieldPanel("next_review_due")])],
            heading="Review dates",
        ),
        InlinePanel(
            "changes",
            heading="Change history",
            label="Change",
            help_text="A dated note for each change readers should know about. The page lists them newest first.",
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("authors"),
        index.RelatedFields("documents", [index.RelatedFields("document", [index.SearchField("title")])]),
        index.FilterField("publication_date"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]

    parent_page_types = ["reports.ReportIndexPage"]
    subpage_types = []
    page_description = "A report, to read on screen, with its documents to download."
    open_graph_type = "article"

    class Meta:
        verbose_name = "report"
        # The listings' order (NEWEST_FIRST), the year filter's range.
        indexes = [NullsLastIndex(models.F("publication_date").desc(nulls_last=True), name="report_newest_first")]

    def clean(self):
        super().clean()
        errors = {}
        if self.last_reviewed and self.next_review_due and self.next_review_due <= self.last_reviewed:
            errors["next_review_due"] = "The next review must come after the last one."
        if not self.workshop_id and self.cites_its_own_workshop():
            errors["workshop"] = (
                "A 'Workshop figures' block in the report cites the workshop the report came from: choose that "
                "workshop here, or choose a workshop in the block."
            )
        if errors:
            raise ValidationError(errors)

    def cites_its_own_workshop(self):
        """Whether a "Workshop figures" block leaves its workshop blank, to cite the report's."""
        return any(block.block_type == "workshop_figures" and block.value["workshop"] is None for block in self.body)

    @property
    def listing_text(self):
        return self.listing_summary or self.summary

    @cached_property
    def contents(self):
        """
        The report's sections, for the contents list: each section heading
        (H2) and each list of recommendations, with the anchor its heading
        carries on the page.
        """
        entries, used = [], set()
        for block in self.body:
            if block.block_type == "heading" and block.value["level"] == "2":
                words = block.value["text"]
            elif block.block_type == "recommendations":
                words = block.value["heading"]
            else:
                continue
            anchor = base = slugify(words) or "section"
            number = 2
            while anchor in used:
                anchor, number = f"{base}-{number}", number + 1
            used.add(anchor)
            entries.append({"anchor": anchor, "text": words, "block_id": block.id})
        return entries

    @property
    def body_blocks(self):
        """Each block of the body with the anchor its heading carries (None if it has none)."""
        anchors = {entry["block_id"]: entry["anchor"] for entry in self.contents}
        return [(block, anchors.get(block.id)) for block in self.body]

    @property
    def public_workshop(self):
        """The workshop this report came from, if it is live and not private: else it is not named."""
        if self.workshop_id:
            # Publishing a workshop (a new title or date) refreshes what names
            # it: said on every read, as each remembered part that reads it
            # must know (the structured data's, then the page's).
            page_cache.shows("events.EventPage")
        return self._public_workshop

    @cached_property
    def _public_workshop(self):
        if self.workshop_id and self.workshop.live and is_public(self.workshop):
            return self.workshop
        return None

    @property
    def sharing_image(self):
        return self.listing_image or self.cover_image

    def structured_data(self, request=None):
        """
        schema.org Report. Dated only by its publication date: the day the
        page went live is not when the report was published.
        """
        the_collaborative = collaborative(self, request)
        data = {
            "@context": "https://schema.org",
            "@type": "Report",
            "name": self.title,
            "headline": self.title,
            "description": self.summary,
            "url": self.get_full_url(request),
            "image": schema_images(self, request),
            "publisher": the_collaborative,
            "inLanguage": "en-GB",
        }
        if self.publication_date:
            data["datePublished"] = self.publication_date.isoformat()
        if self.last_reviewed:
            data["lastReviewed"] = self.last_reviewed.isoformat()
        if self.authors == the_collaborative["name"]:
            data["author"] = the_collaborative
        elif self.authors:
            data["author"] = {"@type": "Organization", "name": self.authors}
        if self.public_workshop:
            data["about"] = {"@type": "Event", "name": self.workshop.title, "url": self.workshop.get_full_url(request)}
        tags = [tag.name for tag in self.tag_list]
        if tags:
            data["keywords"] = ", ".join(tags)
        return data

    @cached_property
    def tag_list(self):
        return list(self.tags.all())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # What the page links to and lists is read only when the template
        # renders it: for a visitor who brings nothing personal, the
        # report's facts, documents, links and changes, and its structured
        # data, are parts remembered until what they show changes
        # ({% remembered_part %}, which each look-up tells what it depends
        # on). A signed-in person, or one who typed a private collection's
        # password (in their session), may open documents others may not,
        # and a preview is a draft: theirs are always read.
        if not getattr(request, "is_preview", False) and page_cache.is_anonymous_visitor(request):
            context["part_names"] = {"head": "structured-data", "main": "report"}
        context["related"] = SimpleLazyObject(lambda: self.related_for(request))
        context["documents"] = SimpleLazyObject(lambda: self.documents_for(request))
        context["changes"] = SimpleLazyObject(
            lambda: sorted(self.changes.all(), key=lambda change: change.date, reverse=True)
        )
        context["tags"] = SimpleLazyObject(lambda: self.tag_list)
        context["workshop"] = SimpleLazyObject(lambda: self.public_workshop)
        # A callable, which the template calls when it renders the part: json_ld needs the dict itself.
        context["structured_data"] = lambda: self.structured_data(request)
        return context

    def related_for(self, request):
        """The related reports and the other related pages that the visitor may see, in the editor's order."""
        # Every related page in one query per page type.
        if getattr(request, "is_preview", False):
            # A preview's links may not be saved yet: they are on the page itself.
            links = list(self.related_pages.all())
            by_pk = {page.pk: page for page in Page.objects.filter(pk__in=[link.page_id for link in links]).specific()}
            related = [
                by_pk[link.page_id]
                for link in links
                if link.page_id in by_pk and by_pk[link.page_id].live and is_public(by_pk[link.page_id])
            ]
        else:
            # Every linked page, shown or not yet (a draft, a private page):
            # publishing one of its type refreshes this page in the page cache.
            linked = list(
                Page.objects.filter(report_links__report=self).order_by("report_links__sort_order").specific()
            )
            page_cache.shows(*{type(page) for page in linked})
            related = [page for page in linked if page.live and is_public(page)]
        return {
            "reports": [page for page in related if isinstance(page, ReportPage)],
            "pages": [page for page in related if not isinstance(page, ReportPage)],
        }

    def documents_for(self, request):
        """
        The report's documents, but for one in a private collection that the
        visitor may not open (Wagtail's document view refuses them too).
        """
        from home.documents import may_open_document  # it imports Wagtail's forms, which need the models loaded

        return [
            link.document
            for link in self.documents.select_related("document__collection")
            if may_open_document(link.document, request)
        ]


class ReportDocument(Orderable):
    page = ParentalKey(ReportPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Upload office or PDF files only. The document's title is the link's text.",
    )

    panels = [FieldPanel("document")]


class ReportRelatedPage(Orderable):
    report = ParentalKey(ReportPage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="report_links",
        help_text="Another report, or a page about this one such as its news item.",
    )

    panels = [FieldPanel("page")]


class ReportChange(Orderable):
    report = ParentalKey(ReportPage, on_delete=models.CASCADE, related_name="changes")
    date = models.DateField()
    note = models.CharField(max_length=300, help_text="What changed, e.g. 'Updated the contact details'.")

    panels = [FieldRowPanel([FieldPanel("date"), FieldPanel("note")])]
