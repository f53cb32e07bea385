"""
A report's blocks beyond every page's (home/blocks.py): the workshop's
figures, cited from the same source as the admin's "What the Collaborative
achieves" (events/booking/figures.py), so that the report and the figures
never disagree.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail import blocks
from wagtail.blocks import StructBlockValidationError

from events.booking.figures import Figures, OrganisationReached, figures_of_workshop, plural
from events.models import WORKSHOP_FIGURES, EventPage
from home import page_cache
from home.restrictions import is_public

ATTENDANCE = "attendance"
ORGANISATIONS = "organisations"
RATINGS = "ratings"
FIGURE_CHOICES = [
    (ATTENDANCE, "Attendance: places booked, people who attended, and no-shows"),
    (ORGANISATIONS, "Organisations: how many had places, and how many are member trusts"),
    (RATINGS, "Ratings: the average feedback, overall and for usefulness"),
]
EVERY_FIGURE = [value for value, _label in FIGURE_CHOICES]


# On a public page, an average of one or two people's ratings is their
# ratings: it is shown once this many have answered.
FEWEST_RATINGS_SHOWN = 5


def figures_in_words(figures, chosen):
    """
    The chosen figures in sentences, e.g. "42 people attended, 3 of them
    without booking ahead. 48 places were booked." "People from 17
    organisations had places: 12 member trusts and 5 other organisations."
    "Rated 4.3 out of 5 overall and 4.1 out of 5 for usefulness in their
    role, by the 30 people who gave feedback."
    """
    sentences = []
    if ATTENDANCE in chosen:
        booked = f"{plural(figures.booked, 'place was', 'places were')} booked."
        if figures.attended or figures.no_shows_counted:
            attended = f"{plural(figures.attended, 'person', 'people')} attended"
            if figures.walk_ins:
                attended += f", {figures.walk_ins:,} of them without booking ahead"
            sentences += [f"{attended}.", booked[0].upper() + booked[1:]]
        else:
            sentences += [booked[0].upper() + booked[1:], "Attendance was not recorded."]
    if ORGANISATIONS in chosen and figures.organisation_count:
        sentences.append(
            f"People from {plural(figures.organisation_count, 'organisation')} had places: "
            f"{plural(figures.member_organisations, 'member trust')} and "
            f"{plural(figures.other_organisations, 'other organisation')}."
        )
    if RATINGS in chosen:
        if 0 < figures.feedback_responses < FEWEST_RATINGS_SHOWN:
            sentences.append(
                f"{plural(figures.feedback_responses, 'person has', 'people have')} given feedback: ratings are "
                f"shown once {FEWEST_RATINGS_SHOWN} have."
            )
        elif figures.feedback_responses:
            sentences.append(
                f"Rated {figures.average_overall_rating} out of 5 overall and {figures.average_usefulness_rating} "
                f"out of 5 for usefulness in their role, by the "
                f"{plural(figures.feedback_responses, 'person', 'people')} who gave feedback."
            )
        else:
            sentences.append("No feedback has been given yet.")
    return " ".join(sentences)


def figures_table(figures, chosen):
    """[(what is counted, the number in words)] for the chosen figures."""
    rows = []
    if ATTENDANCE in chosen:
        rows += [
            ("Places offered", figures.places_offered_in_words),
            ("Places booked", f"{figures.booked:,}"),
            ("Came without booking", f"{figures.walk_ins:,}"),
            ("Attended", f"{figures.attended:,}" if figures.attended or figures.no_shows_counted else "Not recorded"),
            ("Booked and did not attend", figures.no_shows_in_words),
        ]
    if ORGANISATIONS in chosen:
        rows += [
            ("Organisations", f"{figures.organisation_count:,}"),
            ("Member trusts", f"{figures.member_organisations:,}"),
            ("Other organisations", f"{figures.other_organisations:,}"),
        ]
    if RATINGS in chosen:
        rows.append(("Feedback responses", f"{figures.feedback_responses:,}"))
        if figures.feedback_responses >= FEWEST_RATINGS_SHOWN:
            rows += [
                ("Overall rating", f"{figures.average_overall_rating} out of 5"),
                ("Useful for their role", f"{figures.average_usefulness_rating} out of 5"),
            ]
    return rows


def example_figures():
    """Made-up figures, for the block's preview in the admin's block chooser."""
    return Figures(
        workshops=1,
        places_offered=50,
        booked=48,
        walk_ins=3,
        attended=42,
        no_shows=9,
        workshops_with_no_shows_counted=1,
        organisations={
            f"example {number}": OrganisationReached(f"Example {number}", is_member=number < 12) for number in range(17)
        },
        feedback_responses=30,
        overall_ratings_total=129,
        usefulness_ratings_total=123,
    )


class WorkshopFiguresBlock(blocks.StructBlock):
    """
    A workshop's figures (attendance, organisations, ratings) in a sentence
    and a small table, read from the bookings and the feedback each time
    they change: the report never disagrees with them. The workshop is the
    one chosen, or the report's own; a report that cites the report's own
    workshop must have one (ReportPage.clean).
    """

    workshop = blocks.PageChooserBlock(
        page_type="events.EventPage",
        required=False,
        help_text=(
            "Optional. Leave blank to cite the workshop this report came from (chosen under 'Workshop and topics')."
        ),
    )
    figures = blocks.MultipleChoiceBlock(
        choices=FIGURE_CHOICES,
        default=EVERY_FIGURE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Which figures to cite: at least one. They come from the bookings and the feedback, and stay up to date."
        ),
    )

    class Meta:
        icon = "group"
        label = "Workshop figures"
        template = "reports/blocks/workshop_figures_block.html"
        description = (
            "The workshop's attendance, the organisations that came and its feedback rating, in a sentence and a "
            "small table, always as the bookings and feedback have them."
        )
        preview_value = {"workshop": None, "figures": EVERY_FIGURE}

    def clean(self, value):
        value = super().clean(value)
        if not value.get("figures"):
            raise StructBlockValidationError(
                block_errors={"figures": ValidationError("Choose at least one figure to cite.")}
            )
        return value

    def get_preview_context(self, value, parent_context=None):
        context = super().get_preview_context(value, parent_context)
        context["example_figures"] = example_figures()
        return context

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        chosen = [name for name in EVERY_FIGURE if name in (value.get("figures") or [])]
        request = context.get("request")
        figures, workshop = context.get("example_figures"), None
        hidden = False
        if figures is None:
            workshop = self.workshop_cited(value, context.get("page"))
            # A workshop visitors cannot see (a draft, a private page) has no
            # public figures either: the report cites nothing until it does.
            hidden = workshop is not None and not (workshop.live and is_public(workshop))
            if workshop is not None:
                page_cache.shows(EventPage)
            if workshop is not None and not hidden:
                figures = self.read_figures(workshop)
        context.update(
            {
                "figures": figures,
                "workshop_hidden": hidden,
                "workshop_named": workshop if workshop is not None and not hidden else None,
                "sentence": figures_in_words(figures, chosen) if figures is not None else "",
                "rows": figures_table(figures, chosen) if figures is not None else [],
                "is_example": "example_figures" in context,
                "is_preview": bool(getattr(request, "is_preview", False)),
            }
        )
        return context

    @staticmethod
    def workshop_cited(value, page):
        """The workshop chosen in the block, or else the report's own; None if neither is there."""
        workshop = value.get("workshop")
        if workshop is None and page is not None and getattr(page, "workshop_id", None):
            workshop = page.workshop
        return workshop

    @staticmethod
    def read_figures(workshop):
        """
        The workshop's figures, telling the page cache what they depend on:
        bookings, attendance and feedback (WORKSHOP_FIGURES), the workshop's
        own fields (its places, its title), and the day after it, from which
        no-shows are counted.
        """
        page_cache.depends_on(WORKSHOP_FIGURES)
        page_cache.shows(EventPage)
        page_cache.changes_at(
            timezone.make_aware(datetime.combine(workshop.date + timedelta(days=1), time.min))
            if workshop.date >= timezone.localdate()
            else None
        )
        return figures_of_workshop(workshop)
