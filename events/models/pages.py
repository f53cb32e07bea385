import uuid
from datetime import datetime, time

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from home import page_cache
from home.blocks import BaseStreamBlock
from home.filter_choices import remembered_choices, topics_of, years_with
from home.indexes import NullsLastIndex
from home.metadata import collaborative, schema_images
from home.mixins import IntroductionMixin, ListingMixin, PassThroughRoutingMixin
from home.pagination import paginate, with_page_number
from home.restrictions import ViewRestrictionsByPathMixin, is_public, private_q

from ..blocks import AgendaBlock
from ..booking.event import BookableEvent
from ..calendar import LONDON, calendar_response
from ..formatting import format_event_datetime, format_short_date
from ..forms import SHOW_CHOICES, DateAndTimeInput, EventPageForm, ListingFilterForm, TimeOfDayInput
from .bookings import Booking, BookingStatus, booking_count
from .choices import AttendanceMode, EventStatus, EventType, PlaceKind
from .venues import AudienceRole, Contact, Venue

# The orders listings show, shared by the index and the home page's tags,
# each an index's order (Meta.indexes), so that a page of a listing is read
# from the index and stops at its LIMIT, however many pages there are.
SOONEST_FIRST = ("date", "start_time")
LATEST_FIRST = ("-date", "-start_time")
NEWEST_NEWS_FIRST = (models.F("date").desc(nulls_last=True), "-first_published_at")
# What cards never show: the long text and StreamFields, left unread.
NOT_ON_EVENT_CARDS = ("aims", "body", "agenda", "joining_instructions", "status_message")
NOT_ON_NEWS_CARDS = ("body",)

# The page cache scope of every listing that shows workshops' places left: a
# booking or cancellation refreshes them (and the workshop's own pages) and
# nothing else (events/apps.py, home/page_cache.py).
WORKSHOP_PLACES = page_cache.register_scope("workshop-places")
# The scope of what cites a workshop's figures (a report's "Workshop
# figures" block): places booked, attendance marked, organisations, feedback
# received move it on (events/apps.py, events/booking/attendance.py).
WORKSHOP_FIGURES = page_cache.register_scope("workshop-figures")


class NewsAndEventsIndexPage(
    ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, IntroductionMixin, Page
):
    """The News and events section: upcoming and past workshops, and news."""

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["events.EventPage", "events.NewsPage"]
    max_count = 1
    page_description = "The News and events section. Workshops and news items are added under it."

    class Meta:
        verbose_name = "news and events index"

    PER_PAGE = 10
    OVERVIEW_LENGTH = 5
    # Publishing forgets a remembered count at once; this bounds an unused one's stay.
    COUNT_SECONDS = 60 * 60

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        today = timezone.localdate()
        if not request.GET:
            # The bare address, the one most visitors see, is the same for
            # all of them: its form and lists are read only when the template
            # renders them, not when it shows its remembered copy
            # ({% remembered_part %}, which they tell what they depend on).
            context["part_name"] = "overview"
            context["filter_form"] = SimpleLazyObject(lambda: self.filter_form(request))
            context["upcoming_events"] = SimpleLazyObject(
                lambda: list(self.upcoming_events(today).for_cards()[: self.PER_PAGE])
            )
            context["past_events"] = SimpleLazyObject(
                lambda: list(self.past_events(today).for_cards()[: self.OVERVIEW_LENGTH])
            )
            context["latest_news"] = SimpleLazyObject(
                lambda: list(self.news().defer(*NOT_ON_NEWS_CARDS)[: self.OVERVIEW_LENGTH])
            )
            return context
        form = self.filter_form(request)
        filters = form.filters()
        # The form shown is made again where it is rendered, inside the
        # remembered part: its year and topic choices tell the part what
        # they depend on (a workshop in a new year, a news item's new topic).
        context["filter_form"] = SimpleLazyObject(lambda: self.filter_form(request))
        show = filters.get("show")
        # Only the filtered lists have pages; the overview at the bare address
        # has none, so every filtered view (and its page number) keeps the
        # bare address as its canonical one (metadata_tags.canonical_url).
        if show:
            year, topic = filters.get("year"), filters.get("topic")
            context["show"] = dict(SHOW_CHOICES)[show]
            # Counting thousands of workshops is most of a filtered page's
            # time: the count is remembered until one is published or a new
            # day begins (what filtered_items says it depends on).
            count = page_cache.remembered(
                f"listing-count:{self.pk}:{show}:{year or ''}:{topic or ''}",
                lambda: self.filtered_items(show, today, year=year, topic=topic).count(),
                self.COUNT_SECONDS,
                scopes=(page_cache.page_type_scope(NewsPage if show == "news" else EventPage),),
            )
            numbers = paginate(request, (), self.PER_PAGE, count=count)
            context["title_filter"] = with_page_number(form.describe(context["show"]), numbers)
            context["is_news"] = show == "news"
            # The page of items is read only when the template renders it,
            # inside a part remembered for this query: only when it is all
            # valid and has nothing else in it (bad values are shown as they
            # were typed, and the pagination links keep every parameter), so
            # that the parts a listing can have are bounded.
            if form.is_valid() and self._is_plain_query(request.GET, numbers.number):
                context["part_name"] = f"filtered:{urlencode(list(request.GET.lists()), doseq=True)}"
            context["items"] = SimpleLazyObject(
                lambda: paginate(
                    request, self.filtered_items(show, today, year=year, topic=topic), self.PER_PAGE, count=count
                )
            )
        else:
            context["upcoming_events"] = self.upcoming_events(today).for_cards()[: self.PER_PAGE]
            context["past_events"] = self.past_events(today).for_cards()[: self.OVERVIEW_LENGTH]
            context["latest_news"] = self.news().defer(*NOT_ON_NEWS_CARDS)[: self.OVERVIEW_LENGTH]
        return context

    def filter_form(self, request):
        return ListingFilterForm(request.GET, years=self.years(), topics=self.topics())

    @staticmethod
    def _is_plain_query(query, page_number):
        """Whether a filtered view's query holds the filters and the page number once each, and nothing else."""
        return (
            set(query) <= {"show", "year", "topic", "page"}
            and all(len(values) == 1 for _, values in query.lists())
            and query.get("page", str(page_number)) == str(page_number)
        )

    def serve_calendar(self, request):
        """A calendar of upcoming events to subscribe to, at calendar.ics: calendar apps fetch it now and then."""
        events = self.upcoming_events(timezone.localdate()).exclude(date_shows_month_only=True)
        return calendar_response(events, request, filename=None)

    def filtered_items(self, show, today, year=None, topic=None):
        if show == "news":
            items = self.news().defer(*NOT_ON_NEWS_CARDS)
            if topic:
                # A subquery rather than a join: no duplicate rows, so no
                # DISTINCT over the whole list before its LIMIT.
                items = items.filter(pk__in=NewsPageTag.objects.filter(tag__slug=topic).values("content_object"))
        else:
            items = self.upcoming_events(today) if show == "upcoming" else self.past_events(today)
            items = items.for_cards()
        if year:
            items = items.filter(date__year=year)
        return items

    def years(self):
        """Every year with an event or news item, newest first, for the year filter."""
        return remembered_choices(
            "years",
            self,
            (EventPage, NewsPage),
            lambda: years_with(
                self,
                self.events().order_by(*LATEST_FIRST).values("date"),
                self.news().order_by(NEWEST_NEWS_FIRST[0]).values("date"),
            ),
        )

    def topics(self):
        """The news items' topics, by name, for the topic filter."""
        return remembered_choices("topics", self, (NewsPage,), lambda: topics_of(self.news()))

    def events(self):
        page_cache.shows(EventPage)
        return EventPage.objects.live().descendant_of(self).exclude(private_q()).select_related("venue")

    def upcoming_events(self, today):
        page_cache.changes_tomorrow()
        return self.events().filter(date__gte=today).order_by(*SOONEST_FIRST)

    def past_events(self, today):
        page_cache.changes_tomorrow()
        return self.events().filter(date__lt=today).order_by(*LATEST_FIRST)

    def news(self):
        page_cache.shows(NewsPage)
        return NewsPage.objects.live().descendant_of(self).exclude(private_q()).order_by(*NEWEST_NEWS_FIRST)


def schema_moment(moment):
    """A moment as schema.org's dates give it: London time, to the second."""
    return timezone.localtime(moment, LONDON).replace(microsecond=0).isoformat()


SCHEMA_EVENT_STATUS = {
    EventStatus.SCHEDULED: "EventScheduled",
    EventStatus.CANCELLED: "EventCancelled",
    EventStatus.POSTPONED: "EventPostponed",
    EventStatus.MOVED_ONLINE: "EventMovedOnline",
}
SCHEMA_ATTENDANCE_MODE = {
    AttendanceMode.IN_PERSON: "OfflineEventAttendanceMode",
    AttendanceMode.ONLINE: "OnlineEventAttendanceMode",
    AttendanceMode.HYBRID: "MixedEventAttendanceMode",
}


# The Collaborative's workshops begin at 10:30am (its 2020 schedule and every timed event in its texts).
USUAL_START = time(10, 30)


def last_used_booking_contact():
    """A new event's booking contact: the one on the event added most recently, usually the same person."""
    return (
        EventPage.objects.exclude(booking_contact=None)
        .order_by("-pk")
        .values_list("booking_contact_id", flat=True)
        .first()
    )


class EventPageQuerySet(PageQuerySet):
    def for_cards(self):
        """What an event card shows (the venue, the places left) in the same query, and nothing it does not."""
        return self.select_related("venue").with_booking_counts().defer(*NOT_ON_EVENT_CARDS)

    def with_booking_counts(self):
        """Each event's confirmed and waiting-list counts, in the same query as the events."""
        page_cache.depends_on(WORKSHOP_PLACES)
        return self.annotate(
            confirmed_bookings=booking_count(BookingStatus.CONFIRMED),
            waiting_bookings=booking_count(BookingStatus.WAITING),
            confirmed_online_bookings=booking_count(BookingStatus.CONFIRMED, PlaceKind.ONLINE),
        )


class EventPage(ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, BookableEvent, Page):
    """A workshop, videoconference or forum: when and where, what for, who for, and its agenda."""

    event_type = models.CharField(
        max_length=20,
        choices=EventType.choices,
        default=EventType.WORKSHOP,
        help_text="What visitors will see it called: a workshop, a videoconference or a forum.",
    )
    date = models.DateField(help_text="The day of the event.")
    date_shows_month_only = models.BooleanField(
        "only the month is known",
        default=False,
        help_text="For a past event whose day was not recorded: the site shows 'February 2018' and no day.",
    )
    start_time = models.TimeField(
        null=True,
        blank=True,
        default=USUAL_START,
        help_text=(
            "Workshops usually start at 10:30am. Clear it if the time is not known: the page then shows the date alone."
        ),
    )
    end_time = models.TimeField(null=True, blank=True, help_text="Leave blank if not known.")
    attendance_mode = models.CharField(
        max_length=20,
        choices=AttendanceMode.choices,
        default=AttendanceMode.IN_PERSON,
        help_text="In person needs a venue; online needs joining instructions, which only people booked receive.",
    )
    venue = models.ForeignKey(
        Venue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        help_text="Where it is held. Needed for an upcoming event held in person.",
    )
    summary = models.TextField(max_length=600, help_text="One or two sentences: what the event is about.")
    aims = RichTextField(
        blank=True,
        features=["bold", "italic", "ul", "ol", "link"],
        help_text="What the event sets out to do. Optional.",
    )
    body = StreamField(BaseStreamBlock(), blank=True, help_text="Anything more visitors should know. Optional.")
    agenda = StreamField(AgendaBlock(), blank=True, help_text="The programme, in parts of the day. Optional.")
    audience = ParentalManyToManyField(
        AudienceRole, blank=True, related_name="events", help_text="The roles the event is for."
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=50,
        validators=[MinValueValidator(1, "An event needs at least 1 place. Leave blank for no limit.")],
        help_text=(
            "How many places can be booked: the quarterly workshops are limited to 50. For an event in person and "
            "online, the places in the room. Leave blank if no limit was set or none is known: bookings are then "
            "not limited, and the page shows no number of places."
        ),
    )
    online_capacity = models.PositiveIntegerField(
        "online places",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "Online places need at least 1. Leave blank for no limit.")],
        help_text=(
            "Only for an event in person and online: how many can join online. Leave blank for no limit "
            "(the room limit does not apply online)."
        ),
    )
    places_per_organisation = models.PositiveIntegerField(
        "at most this many places per organisation",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, "Allow each organisation at least 1 place, or leave blank for no limit.")],
        help_text=(
            "Optional, so that more organisations can come. Counts the limited places (in person, and online when "
            "online places are limited). Someone booking beyond their organisation's share goes on the waiting "
            "list, and gets a place when one is free and their organisation is under its share."
        ),
    )
    booking_contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text="Who visitors can ask about the event and booking. A new event starts with the last one used.",
    )
    booking_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="When booking opens. Blank: open as soon as the page is published."
    )
    booking_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="When booking closes. Blank: when the event starts."
    )
    status = models.CharField(
        max_length=20,
        choices=EventStatus.choices,
        default=EventStatus.SCHEDULED,
        help_text="Anything but 'Going ahead as planned' shows a warning at the top of the page.",
    )
    status_message = models.TextField(
        blank=True,
        help_text=(
            "What visitors and the people booked should know about the change, e.g. why, or how to join online. "
            "Shown on the page and in the e-mail to the people booked."
        ),
    )
    joining_instructions = models.TextField(
        blank=True,
        max_length=2000,
        help_text=(
            "For an online event: the link, meeting ID and passcode. Sent only to people with a confirmed place, "
            "in their confirmation and reminder e-mails. Never shown on the site."
        ),
    )
    originally_planned_venue = models.ForeignKey(
        Venue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Only for an event moved online: where it was to be held.",
    )
    recording_url = models.URLField(
        "recording link",
        max_length=500,
        blank=True,
        help_text="Optional, after the workshop: where its recording can be watched, e.g. a YouTube or Vimeo link.",
    )
    recording_has_captions = models.BooleanField(
        "the recording has captions",
        default=False,
        help_text="Tick if the recording has captions (subtitles): the link says so, as people who need them ask.",
    )
    objects = PageManager.from_queryset(EventPageQuerySet)()

    # Calendar apps recognise an event by its UID, whatever its title or
    # address become, and take a higher SEQUENCE as a change to apply.
    calendar_uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)

    content_panels = Page.content_panels + [
        FieldPanel("event_type"),
        MultiFieldPanel(
            [
                FieldPanel("date"),
                FieldRowPanel(
                    [FieldPanel("start_time", widget=TimeOfDayInput), FieldPanel("end_time", widget=TimeOfDayInput)]
                ),
                FieldPanel("date_shows_month_only"),
            ],
            heading="Date and time",
        ),
        MultiFieldPanel(
            [FieldPanel("attendance_mode"), FieldPanel("venue"), FieldPanel("joining_instructions")],
            heading="Where",
        ),
        FieldPanel("summary"),
        FieldPanel("aims"),
        FieldPanel("audience", widget=forms.CheckboxSelectMultiple),
        FieldPanel("agenda", heading="Agenda"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("online_capacity")]),
                FieldPanel("places_per_organisation"),
                FieldPanel("booking_contact"),
                FieldRowPanel(
                    [
                        FieldPanel("booking_opens_at", widget=DateAndTimeInput),
                        FieldPanel("booking_closes_at", widget=DateAndTimeInput),
                    ]
                ),
            ],
            heading="Booking",
        ),
        MultiFieldPanel(
            [FieldPanel("status"), FieldPanel("status_message"), FieldPanel("originally_planned_venue")],
            heading="Changes and cancellations",
            help_text=(
                "Publishing a new date, time, venue, way of attending, joining instructions or status e-mails "
                "everyone booked or on the waiting list at once, with the new details and an updated calendar "
                "invitation. The status message is the e-mail's own words."
            ),
        ),
        MultiFieldPanel(
            [
                InlinePanel("materials", label="Presentation or document"),
                FieldPanel("recording_url"),
                FieldPanel("recording_has_captions"),
            ],
            heading="From the workshop",
            help_text=(
                "After the workshop: its presentations and documents, and its recording. The page shows them under "
                "'From the workshop' from the day after, each document with its type and size. The follow-up e-mail, "
                "sent the day after the workshop, lists them for everyone who had a place: add them before then, "
                "or ask a Booking administrator to hold the follow-up back until you have. A document in a private "
                "collection is shown only to people who may open it, and is left out of the e-mail."
            ),
        ),
    ]

    base_form_class = EventPageForm

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("aims"),
        index.SearchField("body"),
        index.SearchField("agenda"),
        index.FilterField("date"),
        index.RelatedFields("venue", [index.SearchField("name"), index.SearchField("town_or_city")]),
        index.RelatedFields("audience", [index.SearchField("name")]),
    ]

    parent_page_types = ["events.NewsAndEventsIndexPage"]
    subpage_types = ["events.BookingFormPage", "events.FeedbackFormPage"]
    page_description = "A workshop, videoconference or forum, with its date, venue, agenda and booking details."
    # A copy is a new event: calendars must not take it for the original.
    exclude_fields_in_copy = ["calendar_uid", "calendar_sequence"]

    class Meta:
        verbose_name = "event"
        # The listings' order (SOONEST_FIRST, and LATEST_FIRST read backwards), the year filter's range.
        indexes = [models.Index(fields=["date", "start_time"], name="event_date_start_time")]

    def __init__(self, *args, **kwargs):
        # Filled in here rather than as the field's default so that the
        # migrations never import this module. As with a default, only an
        # event made without a contact of its own gets one: rows read from the
        # database come as positional values and keep theirs.
        if not args and "booking_contact" not in kwargs and "booking_contact_id" not in kwargs:
            kwargs["booking_contact_id"] = last_used_booking_contact()
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = {}
        if self.end_time and not self.start_time:
            errors["start_time"] = "Enter a start time, or leave the end time blank too."
        elif self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = "The end time must be after the start time."
        in_person = self.attendance_mode in (AttendanceMode.IN_PERSON, AttendanceMode.HYBRID)
        # A past event may have no venue on record; an upcoming one must say where to go.
        if in_person and not self.venue_id and self.date and not self.is_past():
            errors["venue"] = "Choose a venue: an event held in person needs one. Or set it to 'Online'."
        if self.date_shows_month_only and (self.start_time or self.end_time):
            errors["date_shows_month_only"] = "An event whose day is not known cannot have a time: clear the times."
        if self.booking_opens_at and self.booking_closes_at and self.booking_closes_at <= self.booking_opens_at:
            errors["booking_closes_at"] = "Booking must close after it opens."
        if self.online_capacity and self.attendance_mode != AttendanceMode.HYBRID:
            errors["online_capacity"] = (
                "Online places are only for an event in person and online: for an event held one way, "
                "set the places above and leave this blank."
            )
        dropped = self.kinds_with_bookings_not_offered()
        if dropped:
            errors["attendance_mode"] = dropped
        if self.originally_planned_venue_id and self.status != EventStatus.MOVED_ONLINE:
            errors["originally_planned_venue"] = "Only an event that has moved online has an original venue."
        if self.recording_has_captions and not self.recording_url:
            errors["recording_has_captions"] = (
                "Add the recording link, or untick this: only a recording can have captions."
            )
        if errors:
            raise ValidationError(errors)

    def kinds_with_bookings_not_offered(self):
        """
        Why the way of attending cannot change as asked, when people hold
        places (or wait for them) of a kind it would no longer offer: they
        would be left with no way to attend. "" when it can.
        """
        if not self.pk:
            return ""
        offered = self.place_kinds
        stranded = Booking.objects.filter(event_id=self.pk).active().exclude(attends__in=offered).count()
        if not stranded:
            return ""
        people = "1 person has" if stranded == 1 else f"{stranded} people have"
        if PlaceKind.ONLINE in offered:
            what = "in-person places (or are waiting for one)"
            instead = (
                "To hold it online only, keep the way of attending as it is and set the status to "
                "'Moved online', which tells them."
            )
        else:
            what = "online places (or are waiting for one)"
            instead = "A Booking administrator can cancel those bookings first (each person is e-mailed)."
        return f"{people} booked {what}, which this way of attending would leave without a way to attend. {instead}"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        self.count_bookings()
        context["audience"] = list(self.audience.all())
        # Reports name the workshop they came from (reports.ReportPage.workshop).
        page_cache.shows("reports.ReportPage")
        # Only their titles are shown: the report's own body is left unread.
        context["reports"] = list(self.reports.live().exclude(private_q()).defer("body").order_by("-publication_date"))
        now = timezone.now()
        booking_page = None
        if not self.is_past(now):
            booking_page = context["booking_page"] = self.booking_page()
            context["booking_closed_reason"] = self.booking_closed_reason(now)
        else:
            # Shown once the day is over (is_past tells the page cache it changes at midnight).
            context["materials"] = self.materials_for(request)
        context["structured_data"] = self.structured_data(request, booking_page, now)
        return context

    def materials_for(self, request):
        """
        The presentations and documents from the workshop, in the editor's
        order, with their documents and collections in one query; but for one
        in a private collection that the visitor may not open, which
        Wagtail's document view refuses too (as a report's documents).
        Visitors who bring nothing personal share what the page cache keeps:
        they may open the same documents, and a change to a document, a
        collection or its privacy clears every cached page.
        """
        from home.documents import may_open_document  # it imports Wagtail's forms, which need the models loaded

        return [
            material
            for material in self.materials.select_related("document__collection")
            if may_open_document(material.document, request)
        ]

    def serve_calendar(self, request):
        """This event as a file any calendar app can add, at calendar.ics under the event's address."""
        if self.date_shows_month_only:
            raise Http404("An event whose day is not known cannot go in a calendar.")
        return calendar_response([self], request, filename=f"{self.slug}.ics")

    def with_content_json(self, content):
        # The calendar identity belongs to the event, not to a revision:
        # publishing an older draft must never take the sequence backwards.
        obj = super().with_content_json(content)
        obj.calendar_uid = self.calendar_uid
        obj.calendar_sequence = self.calendar_sequence
        return obj

    @property
    def when(self):
        return format_event_datetime(self.date, self.start_time, self.end_time, self.date_shows_month_only)

    def notes_on_approval(self):
        from ..booking.moderation import notes_on_approval

        return notes_on_approval(self)

    @property
    def is_going_ahead(self):
        """Not cancelled nor postponed: its page offers its places and a calendar entry only then."""
        return self.status not in (EventStatus.CANCELLED, EventStatus.POSTPONED)

    @property
    def is_online(self):
        return self.attendance_mode == AttendanceMode.ONLINE

    @property
    def location_label(self):
        """Where, in a word: the venue's town or city, or "Online"."""
        if self.is_online:
            return "Online"
        if not self.venue:
            return "Venue not recorded"
        if self.attendance_mode == AttendanceMode.HYBRID:
            return f"{self.venue.town_or_city} and online"
        return self.venue.town_or_city

    def get_admin_display_title(self):
        """
        The title with the date, "Annual workshop (12 March 2026)", in the
        admin's page lists, the page chooser and the dashboard: a workshop
        run every year is told apart, past from upcoming, at a glance. The
        date is the page's own field, so the lists ask no more queries.
        """
        return f"{super().get_admin_display_title()} ({format_short_date(self.date, self.date_shows_month_only)})"

    def is_past(self, now=None):
        """Whether the event's day is over in London, now or at the moment `now`."""
        page_cache.changes_tomorrow()
        return self.date < timezone.localdate(now)

    def structured_data(self, request, booking_page, now=None):
        """
        schema.org Event, for search engines' event listings, claiming only
        what is known: an event whose venue or day was not recorded leaves
        them out, and so does not qualify for Google's event results.
        `booking_page` is its live booking form while it is to come, if any.
        The fact each property comes from: tests/events/test_structured_data.py.
        """
        data = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": self.title,
            "description": self.summary,
            "url": self.get_full_url(request),
            "startDate": f"{self.date:%Y-%m}" if self.date_shows_month_only else self._schema_moment(self.start_time),
            "eventStatus": f"https://schema.org/{SCHEMA_EVENT_STATUS[self.status]}",
            "image": schema_images(self, request),
            "organizer": collaborative(self, request),
        }
        if not self.date_shows_month_only:
            # Without an end time it ends the same day: the date alone says no more than that.
            data["endDate"] = self._schema_moment(self.end_time)
        attendance_mode, locations = self._schema_attendance(request, booking_page)
        if attendance_mode:
            data["eventAttendanceMode"] = f"https://schema.org/{SCHEMA_ATTENDANCE_MODE[attendance_mode]}"
        if locations:
            data["location"] = locations[0] if len(locations) == 1 else locations
        performers = self.schema_performers()
        if performers:
            data["performer"] = performers
        offer = self._schema_offer(request, booking_page, now or timezone.now())
        if offer:
            data["offers"] = offer
        return data

    def _schema_attendance(self, request, booking_page):
        """
        How it is attended and where, as far as known. Online, the place to
        join is the booking form: the joining link itself only goes to
        people booked. An event held in person at a venue not recorded
        names neither the mode nor a place.
        """
        mode = AttendanceMode.ONLINE if self.status == EventStatus.MOVED_ONLINE else self.attendance_mode
        locations = []
        if mode != AttendanceMode.ONLINE and self.venue:
            locations.append(self._schema_place(self.venue))
        if mode != AttendanceMode.IN_PERSON:
            online = {"@type": "VirtualLocation"}
            if booking_page is not None:
                online["url"] = booking_page.get_full_url(request)
            elif locations:
                # Held both ways, with no booking form to point to (its day
                # is over): its own page, where its venue and what it left
                # (its materials) are, since a virtual location needs an
                # address. Online alone, it stays without one, as before.
                online["url"] = self.get_full_url(request)
            locations.append(online)
        if mode == AttendanceMode.IN_PERSON and not locations:
            return None, []
        return mode, locations

    @staticmethod
    def _schema_place(venue):
        return {
            "@type": "Place",
            "name": venue.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": ", ".join(line for line in (venue.address_line_1, venue.address_line_2) if line),
                "addressLocality": venue.town_or_city,
                "postalCode": venue.postcode,
                "addressCountry": "GB",
            },
        }

    def schema_performers(self):
        """
        Who presents, from the agenda, each once: a person (with their role
        and organisation when known), or an organisation presenting. Sessions
        still to be confirmed are left out.
        """
        performers = []
        for part in self.agenda:
            for session in part.value["sessions"]:
                if session["to_be_confirmed"]:
                    continue
                for speaker in session["speakers"]:
                    if speaker["name"]:
                        performer = {"@type": "Person", "name": speaker["name"]}
                        if speaker["role"]:
                            performer["jobTitle"] = speaker["role"]
                        if speaker["organisation"]:
                            performer["affiliation"] = {"@type": "Organization", "name": speaker["organisation"]}
                    else:
                        performer = {"@type": "Organization", "name": speaker["organisation"]}
                    if performer not in performers:
                        performers.append(performer)
        return performers

    def _schema_offer(self, request, booking_page, now):
        """
        A free place through the booking form, while booking is open or yet
        to open: none once it has closed, nor for an event booked by asking
        its contact (no address to book at).
        """
        if booking_page is None:
            return None
        opens_later = self.booking_opens_at is not None and now < self.booking_opens_at
        if self.booking_closed_reason(self.booking_opens_at if opens_later else now):
            return None
        offer = {
            "@type": "Offer",
            "url": booking_page.get_full_url(request),
            # The booking form takes no payment.
            "price": 0,
            "priceCurrency": "GBP",
            "availability": "https://schema.org/SoldOut" if self.is_full else "https://schema.org/InStock",
        }
        if self.booking_opens_at:
            offer["validFrom"] = schema_moment(self.booking_opens_at)
        return offer

    def _schema_moment(self, moment):
        if moment is None:
            return self.date.isoformat()
        return datetime.combine(self.date, moment, tzinfo=LONDON).isoformat()


class EventMaterial(Orderable):
    """A presentation or other document from a workshop, with who presented it."""

    event = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="materials")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The slides or document, as a PDF or office file. Its title is the link's text.",
    )
    presented_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional. Who presented it, e.g. Public Health England, or Dr Jacqui Dyer.",
    )

    panels = [FieldPanel("document"), FieldPanel("presented_by")]

    class Meta(Orderable.Meta):
        verbose_name = "presentation or document"


class BookersTold(models.Model):
    """
    What the people booked at an event were last told of its date, time,
    place, way of attending and status: publishing a change to any of them
    tells them again (events/booking/changes.py). A row of its own, not
    the page's fields, so that saving a page (from whatever copy of it)
    never writes over what they were told.
    """

    event = models.OneToOneField(EventPage, on_delete=models.CASCADE, primary_key=True, related_name="bookers_told")
    arrangements = models.JSONField(default=dict)
    told_at = models.DateTimeField(null=True, help_text="When the people booked were last e-mailed about a change.")

    class Meta:
        verbose_name = "what bookers were told"

    def __str__(self):
        return f"What the people booked at event {self.event_id} were told"


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey("events.NewsPage", on_delete=models.CASCADE, related_name="tagged_items")


class NewsPage(ViewRestrictionsByPathMixin, PassThroughRoutingMixin, ListingMixin, Page):
    """A news item: what happened, what is coming, or a new report."""

    date = models.DateField(
        "news date",
        null=True,
        blank=True,
        default=timezone.localdate,
        help_text="The date the news is from. Leave blank only if it is not known: no date is then shown.",
    )
    summary = models.TextField(max_length=600, help_text="One or two sentences: the news in brief.")
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional. Shown at the top of the item.",
    )
    body = StreamField(BaseStreamBlock(), blank=True, help_text="The news itself, after the summary.")
    tags = ClusterTaggableManager(
        through=NewsPageTag, blank=True, help_text="Topics, e.g. wellbeing, workforce planning."
    )

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("tags"),
        InlinePanel("related_pages", heading="Related pages", label="Related page"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]

    parent_page_types = ["events.NewsAndEventsIndexPage"]
    subpage_types = []
    page_description = "A news item, such as a workshop report being published."

    class Meta:
        verbose_name = "news item"
        # The listings' order (NEWEST_NEWS_FIRST), the year filter's range.
        indexes = [NullsLastIndex(models.F("date").desc(nulls_last=True), name="news_date_newest_first")]

    open_graph_type = "article"

    @property
    def sharing_image(self):
        return self.listing_image or self.image

    def structured_data(self, request=None):
        """schema.org NewsArticle: the Collaborative's news, dated by its news date when it has one."""
        the_collaborative = collaborative(self, request)
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.title,
            "description": self.summary,
            "url": self.get_full_url(request),
            "image": schema_images(self, request),
            "author": the_collaborative,
            "publisher": the_collaborative,
        }
        # Undated where its editor did not know the date (as the page and the
        # feed are): its first publication could make a years-old item new.
        if self.date:
            data["datePublished"] = self.date.isoformat()
        if self.last_published_at:
            data["dateModified"] = schema_moment(self.last_published_at)
        return data

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        links = list(self.related_pages.select_related("page"))
        # Shown or not yet (a draft, a private page), each linked page's type:
        # publishing one refreshes this page.
        page_cache.shows(*{link.page.specific_class for link in links} - {None})
        # Private pages are not named until the visitor is let in.
        context["related_pages"] = [link.page for link in links if link.page.live and is_public(link.page)]
        # Reports that list this news item among their related pages (reports.ReportRelatedPage).
        page_cache.shows("reports.ReportPage")
        related_ids = {page.pk for page in context["related_pages"]}
        context["reports"] = [
            link.report
            for link in self.report_links.filter(report__live=True).select_related("report")
            if link.report_id not in related_ids and is_public(link.report)
        ]
        context["tags"] = list(self.tags.all())
        context["structured_data"] = self.structured_data(request)
        return context


class NewsPageRelatedPage(Orderable):
    news_page = ParentalKey(NewsPage, on_delete=models.CASCADE, related_name="related_pages")
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", help_text="A page this news is about."
    )

    panels = [FieldPanel("page")]
