"""
"What the Collaborative achieves", in the admin's Reports menu: for each
workshop and each year, places offered, booked, attended and missed, the
organisations reached (member trusts and others) and the average feedback;
charts of attendance and of organisations reached by year; and the figures
to download (CSV or Excel, recorded in the audit log as bookings' exports are).

For Booking administrators and Moderators. It shows aggregates only: no
name, e-mail address or job title, and of the organisations only the
Collaborative's own member trusts by name (they are its members, listed on
every booking form, and each has a stake in what it gets from it); the
others are a count, because a small organisation's name beside a workshop
can be enough to tell who came.

The page and its export read the figures in the same few queries however
many bookings there are (events/booking/figures.py).
"""

import csv
import io

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from openpyxl import Workbook
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import AdminDateInput
from wagtail.permission_policies.pages import PagePermissionPolicy

from ..formatting import without_control_characters
from .exports import log_export, neutralise
from .figures import (
    FINANCIAL_YEAR,
    YEAR_KINDS,
    YEAR_KINDS_IN_A_SENTENCE,
    figures_by_year,
    in_total,
    member_organisations_not_reached,
    member_organisations_reached,
    workshop_figures,
    workshops_with_figures,
)

TITLE = "What the Collaborative achieves"
EXPORT_ACTION = "events.export_achievements"
EXPORT_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_see_achievements(user):
    """
    Booking administrators (who see bookings) and Moderators (who approve and
    publish pages: Wagtail's publish permission, which Editors do not have)
    account for what the Collaborative does; Editors write its pages and have
    no need of its figures. Read from permissions, not group names, so a
    role given the same permissions under another name sees it too.
    """
    return user.has_perm("events.view_booking") or PagePermissionPolicy().user_has_permission(user, "publish")


class AchievementsMenuItem(MenuItem):
    """The page's place in the admin's Reports menu, for those who may see it."""

    def is_shown(self, request):
        return may_see_achievements(request.user)


class AchievementsForm(forms.Form):
    start = forms.DateField(
        label="Workshops from",
        required=False,
        widget=AdminDateInput(),
        help_text="Optional. The first day to count. Leave blank to count from the first workshop booked on this site.",
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=AdminDateInput(),
        help_text="Optional. The last day to count. Leave blank to count up to today.",
    )
    years = forms.ChoiceField(
        label="Add up by",
        required=False,
        choices=list(YEAR_KINDS.items()),
        initial=FINANCIAL_YEAR,
        widget=forms.RadioSelect,
        help_text="The NHS's financial year runs from 1 April to 31 March.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The last day must be on or after the first.")
        return cleaned

    def choices(self, today):
        """(first day or None, last day, kind of year): as chosen, or every workshop to today by financial year."""
        chosen = self.cleaned_data if self.is_valid() else {}
        return chosen.get("start"), chosen.get("end") or today, chosen.get("years") or FINANCIAL_YEAR


def what_the_collaborative_achieves(request):
    if not may_see_achievements(request.user):
        raise PermissionDenied
    form = AchievementsForm(request.GET or None)
    first_day, last_day, year_kind = form.choices(timezone.localdate())
    workshops = workshop_figures(workshops_with_figures(first_day, last_day))
    years = figures_by_year(workshops, year_kind)

    export = request.GET.get("export")
    if export in EXPORT_FORMATS:
        return export_figures(request, export, workshops, years)

    return TemplateResponse(
        request,
        "events/admin/achievements.html",
        {
            "title": TITLE,
            "form": form,
            "first_day": first_day or (workshops[0].event.date if workshops else None),
            "last_day": last_day,
            "year_kind": YEAR_KINDS_IN_A_SENTENCE[year_kind],
            "is_financial_year": year_kind == FINANCIAL_YEAR,
            "workshops": workshops,
            "years": years,
            "total": in_total(workshops),
            "members_reached": member_organisations_reached(workshops),
            "members_not_reached": member_organisations_not_reached(workshops),
            "attendance_chart": bar_chart(
                "attendance",
                [(year.label, [year.booked, year.attended]) for year in years],
                [("Booked", "booked"), ("Attended", "attended")],
            ),
            "organisations_chart": bar_chart(
                "organisations",
                [(year.label, [year.member_organisations, year.other_organisations]) for year in years],
                [("Member trusts", "members"), ("Other organisations", "others")],
            ),
            "export_urls": export_urls(request),
        },
    )


def export_urls(request):
    """The address of each download: the page's own filters, and the format (and, for CSV, the table)."""
    urls = {}
    for name, extra in (
        ("xlsx", {"export": "xlsx"}),
        ("csv_workshops", {"export": "csv", "table": "workshops"}),
        ("csv_years", {"export": "csv", "table": "years"}),
    ):
        params = request.GET.copy()
        for key in ("export", "table"):
            params.pop(key, None)
        params.update(extra)
        urls[name] = f"?{params.urlencode()}"
    return urls


# Charts -------------------------------------------------------------------------

# Horizontal bars, a group per year: the chart grows down the page with the
# years, not across it, so it reads on a phone. Across, positions are
# percentages of the width (the text keeps its size however wide the
# screen); down, pixels.
LABEL_END = 22  # % of the width: the year, right-aligned before the bars
BAR_START = 24
BAR_AREA = 62  # % of the width the longest bar takes, leaving room for its number
BAR_HEIGHT = 18
BAR_GAP = 3
GROUP_GAP = 14


def bar_chart(name, rows, series):
    """
    What the template draws: for each row (a year's label and a value per
    series) a bar per series, the longest BAR_AREA% wide, and the
    description a screen reader reads instead of the picture.
    """
    largest = max((value for _label, values in rows for value in values), default=0) or 1
    groups, y = [], 0
    for label, values in rows:
        bars = []
        top = y
        for (series_name, modifier), value in zip(series, values, strict=True):
            width = BAR_AREA * value / largest
            bars.append(
                {
                    "series": series_name,
                    "modifier": modifier,
                    "value": value,
                    "y": y,
                    "width": f"{width:.2f}",
                    "text_x": f"{BAR_START + width + 1:.2f}",
                    "text_y": y + BAR_HEIGHT - 5,
                }
            )
            y += BAR_HEIGHT + BAR_GAP
        groups.append({"label": label, "label_y": top + (y - BAR_GAP - top) // 2 + 5, "bars": bars})
        y += GROUP_GAP - BAR_GAP
    description = "; ".join(
        f"{label}: "
        + ", ".join(f"{series_name.lower()} {value:,}" for (series_name, _), value in zip(series, values, strict=True))
        for label, values in rows
    )
    return {
        "id": f"chart-{name}",
        "series": [{"name": series_name, "modifier": modifier} for series_name, modifier in series],
        "groups": groups,
        "height": max(y - GROUP_GAP + BAR_GAP, 0),
        "label_end": LABEL_END,
        "bar_start": BAR_START,
        "bar_height": BAR_HEIGHT,
        "description": f"{description}.",
    }


# Export -------------------------------------------------------------------------

WORKSHOP_COLUMNS = [
    ("Workshop", lambda row: row.event.title),
    ("Date", lambda row: row.event.date),
    ("Places offered (limited)", lambda row: row.places_offered),
    ("Places without a limit", lambda row: row.unlimited_kinds_in_words),
]
YEAR_COLUMNS = [
    ("Year", lambda row: row.label),
    ("First day", lambda row: row.first_day),
    ("Last day", lambda row: row.last_day),
    ("Workshops", lambda row: row.workshops),
    ("Places offered (limited)", lambda row: row.places_offered),
    ("Workshops with places without a limit", lambda row: row.workshops_without_limit),
]
COMMON_COLUMNS = [
    ("Booked", lambda row: row.booked),
    ("Walk-ins", lambda row: row.walk_ins),
    ("Attended", lambda row: row.attended),
    # Blank where attendance was not taken: nobody is counted absent from a register nobody kept.
    ("No-shows", lambda row: row.no_shows if row.no_shows_counted else None),
    ("Attendance not recorded", lambda row: row.not_recorded),
    ("Organisations", lambda row: row.organisation_count),
    ("Member trusts", lambda row: row.member_organisations),
    ("Other organisations", lambda row: row.other_organisations),
    ("Feedback responses", lambda row: row.feedback_responses),
    ("Average overall rating (1 to 5)", lambda row: row.average_overall_rating),
    ("Average usefulness rating (1 to 5)", lambda row: row.average_usefulness_rating),
]
TABLES = {
    "workshops": ("Per workshop", WORKSHOP_COLUMNS + COMMON_COLUMNS),
    "years": ("Per year", YEAR_COLUMNS + COMMON_COLUMNS),
}


def cell(value):
    """A cell no spreadsheet runs as a formula (a workshop's title is an editor's text), without control characters."""
    if isinstance(value, str):
        return neutralise(without_control_characters(value, keep_line_breaks=False))
    return value


def table_rows(columns, rows):
    yield [cell(heading) for heading, _value in columns]
    for row in rows:
        yield [cell(value(row)) for _heading, value in columns]


def export_figures(request, export_format, workshops, years):
    """The figures as a file: Excel with a sheet per table, or one table (?table=workshops or years) as CSV."""
    rows_of = {"workshops": workshops, "years": years}
    filters = request.GET.copy()
    for key in ("export", "table"):
        filters.pop(key, None)
    stamp = timezone.localdate().isoformat()
    if export_format == "xlsx":
        tables = list(TABLES)
        response = HttpResponse(content_type=XLSX_TYPE)
        workbook = Workbook(write_only=True)
        for table in tables:
            sheet = workbook.create_sheet(TABLES[table][0])
            for values in table_rows(TABLES[table][1], rows_of[table]):
                sheet.append(values)
        output = io.BytesIO()
        workbook.save(output)
        response.write(output.getvalue())
        filename = f"what-the-collaborative-achieves-{stamp}.xlsx"
    else:
        table = request.GET.get("table") if request.GET.get("table") in TABLES else "workshops"
        tables = [table]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # With a byte-order mark, which Excel needs to read accents.
        response.write("\ufeff")
        writer = csv.writer(response)
        for values in table_rows(TABLES[table][1], rows_of[table]):
            writer.writerow(["" if value is None else value for value in values])
        filename = f"what-the-collaborative-achieves-{table}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    log_export(
        request.user,
        None,
        {
            "format": export_format,
            "tables": tables,
            "rows": sum(len(rows_of[table]) for table in tables),
            "filters": filters.urlencode(),
        },
        label=TITLE,
        action=EXPORT_ACTION,
    )
    return response
