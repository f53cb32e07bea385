"""
Booking exports, shared by the per-workshop submissions listing and the
Bookings listing across workshops.

- Safe in Excel: a text cell that begins with = + - @, a tab or a carriage
  return is prefixed with an apostrophe, so it can never run as a formula.
  (Wagtail guards its XLSX files but not its CSV files.)
- Readable whatever is stored: control characters, which the booking form
  now refuses but older bookings may hold, are left out of every cell and
  heading (one was enough for openpyxl to refuse the whole workbook).
- UTF-8 CSV with a byte-order mark, which Excel needs to read accents.
- Access and dietary needs are left out unless the exporter asks for them.
- Streamed: CSV row by row, XLSX through openpyxl's write-only workbook into
  a temporary file, so memory does not grow with the number of bookings.
- Every export is written in the audit log: who, when, what, how many rows
  (and whether the list was searched, never for what).
- Each booking's kind of place and attendance come in the same query as the
  bookings (with_attendance): attended, did not attend or not recorded,
  whether they walked in, and whom they handed their place to.
"""

import datetime
import tempfile

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse
from django.utils import timezone
from wagtail.admin.views.mixins import list_to_str
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from ..formatting import without_control_characters
from ..models import Booking, BookingFormField
from .attendance import with_attendance

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_ACTION = "events.export_bookings"
INCLUDE_NEEDS_PARAMETER = "needs"
SEARCH_PARAMETER = "q"


def neutralise(value):
    """A spreadsheet cell's text that no spreadsheet will run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def include_needs(request):
    return request.GET.get(INCLUDE_NEEDS_PARAMETER) == "include"


def log_export(user, event, data, label="Bookings: all workshops", action=EXPORT_ACTION):
    """
    Record an export in the audit log. A workshop's export goes in that
    workshop's own history; an export across workshops, which has no one
    object, is logged against bookings in general (object id 0: no booking).
    """
    if event is not None:
        log(instance=event, action=action, user=user, data=data)
        return
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Booking),
        label=label,
        object_id="0",
        action=action,
        user=user,
        timestamp=timezone.now(),
        data=data,
    )


# After the standard questions a booker answers, before the needs and the workshop's own questions.
ATTENDANCE_COLUMNS = (
    ("attends", "Attends"),
    ("attendance", "Attendance"),
    ("walk_in", "Walk-in"),
    ("handed_over_to", "Handed over to"),
)


def with_attendance_columns(columns, attendance_columns=ATTENDANCE_COLUMNS):
    """(name, heading) columns with the attendance columns after the organisation's."""
    columns = list(columns)
    at = next((i + 1 for i, (name, _) in enumerate(columns) if name == "organisation"), len(columns))
    return [*columns[:at], *attendance_columns, *columns[at:]]


def for_attendance_columns(bookings):
    """Bookings with what the attendance columns show, in the same query (once, however often asked)."""
    if "handed_over_to_name" in bookings.query.annotations:
        return bookings
    return with_attendance(bookings).annotate(handed_over_to_name=F("handed_over_to__name"))


def attendance_in_words(booking):
    """A booking's attendance for the lists and the register, a walk-in marked as one."""
    return f"{booking.attendance} (walk-in)" if booking.is_walk_in and booking.attendance else booking.attendance


def attendance_values(booking):
    """The attendance columns of one booking from for_attendance_columns."""
    return {
        "attends": booking.get_attends_display(),
        "attendance": booking.attendance,
        "walk_in": "Yes" if booking.is_walk_in else "",
        "handed_over_to": booking.handed_over_to_name or "",
    }


# Excel holds at most this many characters in a cell, and asks to repair a
# file with a longer one.
EXCEL_CELL_LIMIT = 32_767


class FormulaSafeExportMixin:
    """
    For any listing exported with Wagtail's SpreadsheetExportMixin: no cell
    or heading runs as a formula (an editor writes the headings: question
    labels, snippet fields), none holds a control character, and no Excel
    cell is longer than Excel can hold.
    """

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if not isinstance(value, str):
            return value
        value = without_control_characters(value)
        if export_format == "xlsx" and len(value) > EXCEL_CELL_LIMIT:
            value = value[: EXCEL_CELL_LIMIT - 1] + "…"
        return value

    def get_heading(self, queryset, field):
        # Wagtail writes headings as they come, even into an Excel file, where
        # one beginning with = would be a live formula.
        return neutralise(without_control_characters(super().get_heading(queryset, field)))

    def write_csv_row(self, writer, row_dict):
        # XLSX needs no such care: Wagtail stores every text cell as text.
        return writer.writerow(
            {field: neutralise(self.preprocess_field_value(field, value, "csv")) for field, value in row_dict.items()}
        )


class BookingExportMixin(FormulaSafeExportMixin):
    """
    Hardens Wagtail's SpreadsheetExportMixin (which both listings use) for
    personal data. Views say which workshop they export (export_event), or None for all.
    """

    export_permission = "events.export_booking"
    # Times as people in England read them, not in UTC.
    custom_value_preprocess = {
        datetime.datetime: {
            "csv": lambda value: timezone.localtime(value).strftime("%Y-%m-%d %H:%M"),
            "xlsx": lambda value: timezone.localtime(value).replace(tzinfo=None),
        },
        (datetime.date, datetime.time): {"xlsx": None},
        list: {"csv": list_to_str, "xlsx": list_to_str},
    }

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def write_xlsx_response(self, queryset):
        # openpyxl's write-only workbook keeps rows on disk, not in memory;
        # the finished file goes out from a temporary file for the same reason.
        output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
        self.write_xlsx(queryset, output)
        output.seek(0)
        return FileResponse(
            output,
            as_attachment=True,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=f"{self.get_filename()}.xlsx",
        )

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # Straight to the export: Wagtail's listing context (BaseListingView.get_context_data)
            # counts an unpaginated listing with len(), which would load every booking, each with
            # its own copy of the workshop page, into memory before the first byte.
            # (The Bookings menu's modeladmin view exports from dispatch() and never comes here.)
            return self.as_spreadsheet(self.get_queryset(), request.GET["export"])
        return super().get(request, *args, **kwargs)

    def to_row_dict(self, item):
        # Statuses as words, empty answers empty, and the attendance columns.
        answers = {**item.get_data(), **attendance_values(item)}
        return {field: answers.get(field) for field in self.list_export}

    def export_event(self):
        """The workshop exported, or None for an export across workshops."""
        return None

    def export_label(self):
        return "Bookings: all workshops"

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if not self.request.user.has_perm(self.export_permission):
            raise PermissionDenied
        filters = self.request.GET.copy()
        filters.pop("export", None)
        # What was searched for is often a person's name or address: the log,
        # which outlives every booking's erasure, records only that there was a search.
        searched = bool(filters.pop(SEARCH_PARAMETER, None))
        data = {
            "format": spreadsheet_format,
            "rows": queryset.count(),
            "with_needs": include_needs(self.request),
            "filters": filters.urlencode(),
            "searched": searched,
        }
        log_export(self.request.user, self.export_event(), data, label=self.export_label())
        return super().as_spreadsheet(StreamedRows(for_attendance_columns(queryset)), spreadsheet_format)


class StreamedRows:
    """A queryset read in chunks rather than all at once, still telling Wagtail its model for the headings."""

    def __init__(self, queryset):
        self.model = queryset.model
        self.queryset = queryset

    def __iter__(self):
        return self.queryset.iterator(chunk_size=1000)


def extra_question_columns(bookings):
    """
    (name, heading) of the questions editors added to the forms these
    bookings came from, for an export across workshops: a column each, in
    each form's order, one column for a question several forms ask under
    the same name (its headings joined when they differ).
    """
    page_ids = list(bookings.order_by().values_list("page_id", flat=True).distinct())
    headings = {}
    fields = BookingFormField.objects.filter(page_id__in=page_ids).order_by("page_id", "sort_order")
    for name, label in fields.values_list("clean_name", "label"):
        labels = headings.setdefault(name, [])
        if label not in labels:
            labels.append(label)
    return [(name, " / ".join(labels)) for name, labels in headings.items()]
