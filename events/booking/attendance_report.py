"""
Who came to an online workshop, read from the attendance report that the
videoconference service gives the organiser, as an administrator uploads it:
the people in it, to mark online bookers as attended by e-mail address.

Neither service offers one stable file, so the reader looks for the
participants' table by its column headings instead of by its position:

Microsoft Teams ("Attendance" tab of the meeting, "Download"): UTF-16 with a
byte-order mark, tab-separated, in numbered sections:

    1. Summary                Meeting title, Attended participants, Start time, ...
    2. Participants           Name | First Join | Last Leave | In-Meeting Duration |
                              Email | Participant ID (UPN) | Role
    3. In-Meeting Activities  Name | Join Time | Leave Time | Duration | Email | Role

Headings vary in case ("First join", "In-meeting activities") and, in
older reports, read "Full Name | Join time | Leave time | In-meeting
Duration | Email | Role | Participant ID (UPN)". "Email" is blank for some
people (guests, some accounts); "Participant ID (UPN)" is the address they
signed in with, used when Email is blank. The oldest reports have one table,
"Full Name | User Action | Timestamp" (Joined/Left rows), without e-mail
addresses: they cannot be read here.

Zoom (Reports, Usage, a meeting's Participants, Export): UTF-8, comma-separated,
one row per join, so someone who dropped out and came back is listed twice:

    Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent

With "Export with meeting data" ticked, a meeting summary comes first (its
"User Email" is the host's), then a blank row (",,,,,," or empty):

    Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants

The usage report exported with participant details has one table whose rows
begin with the meeting and its host (Topic, Meeting ID, User Name, User Email,
Department, ...) and go on with the participant (Name (Original Name), User
Email, Join Time, Leave Time, ...): the participant's "User Email" is the one
after their name.

Files re-saved by Excel may be cp1252 or UTF-8 with a byte-order mark, and
separated by semicolons where the decimal separator is a comma. The
separator taken is the one (tab, semicolon, comma) that splits a line into
the headings below: csv.Sniffer is misled by the commas in Teams' dates and
by the summary lines before the table.

Column headings read (case and spacing ignored):

- name: Name (Original Name), User Name (Original Name), Full Name, Name,
  Participant Name, Participant, Attendee Name, Display Name, User Name
- e-mail: Email, E-mail, Email Address, E-mail Address, User Email,
  Participant Email, Attendee Email; Participant ID (UPN) or UPN when it is
  blank
- joined: First Join, Join Time, Joined, Joined At, Join
- left: Last Leave, Leave Time, Left, Left At, Leave

Zoom's webinar attendee report ("Host Details", "Panelist Details", "Attendee
Details" tables, with an "Attended" Yes/No column) is not read as such:
only its first table, the host's, would be.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from ..models.bookings import normalise_email

# Room for thousands of participants (Teams, in UTF-16, takes about 1 kB a
# person over its two tables): a bigger file is the wrong file, and is not
# worth decoding.
MAX_REPORT_BYTES = 5 * 1024 * 1024

NAME_HEADINGS = (
    # Most specific first: Zoom's usage report also has the host's "User Name".
    "name (original name)",
    "user name (original name)",
    "full name",
    "name",
    "participant name",
    "participant",
    "attendee name",
    "display name",
    "user name",
)
EMAIL_HEADINGS = (
    "email",
    "e-mail",
    "email address",
    "e-mail address",
    "user email",
    "participant email",
    "attendee email",
)
SIGN_IN_HEADINGS = ("participant id (upn)", "upn")
JOINED_HEADINGS = ("first join", "join time", "joined", "joined at", "join")
LEFT_HEADINGS = ("last leave", "leave time", "left", "left at", "leave")
# Headings of a table about the meeting rather than the people in it: Zoom's
# meeting summary names the host and the host's address.
MEETING_HEADINGS = ("meeting id", "topic", "webinar id", "meeting title")
# Tab first: Teams' dates hold commas ("7/20/23, 4:30:36 PM"), and a comma
# file rarely holds a tab or a semicolon in its headings.
DELIMITERS = ("\t", ";", ",")
# Headings of the sections a table ends at: Teams numbers them ("3. In-Meeting
# Activities"), Zoom's webinar report names them ("Panelist Details").
SECTION_HEADING = re.compile(r"\d+\.\s.*|.*\bdetails", re.IGNORECASE)
# Teams (en-US and en-GB), Zoom (month first, or day first) and ISO dates.
# Only used to order one person's joins, which fall on the same day: a date
# read month-first that was written day-first still orders the same.
MOMENT_FORMATS = (
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%Y, %I:%M:%S %p",
    "%d/%m/%Y, %H:%M:%S",
    "%d/%m/%y, %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y %I:%M:%S %p",
)
EXCEL_SIGNATURES = (
    b"PK\x03\x04",  # .xlsx (a zip archive)
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # .xls
)

NOT_A_REPORT = (
    "We could not find a list of participants with e-mail addresses in this file. "
    "Upload the attendance report as Microsoft Teams or Zoom exports it (a .csv file)."
)
NOT_CSV = (
    "This file is not a CSV file. Upload the attendance report as Microsoft Teams or Zoom exports it (a .csv file)."
)


class AttendanceReportError(ValueError):
    """An attendance report that cannot be read; the message is for the administrator who uploaded it."""


@dataclass
class ReportedAttendee:
    """
    One person in an attendance report, as the report writes them. joined
    and left are the report's own text (its format depends on the service
    and the organiser's language): the earliest join and the latest leave
    when the person is listed more than once. email is "" when the report
    has no address for them.
    """

    name: str
    email: str
    joined: str
    left: str


@dataclass
class _Columns:
    name: int
    email: int | None
    sign_in: int | None
    joined: int | None
    left: int | None


def read_attendance_report(data: bytes) -> list[ReportedAttendee]:
    """
    The people in an attendance report (the uploaded file's bytes), in the
    order the report first lists them: one per e-mail address (compared as
    normalise_email compares them), and one per name among those without one.
    Raises AttendanceReportError when the file is not a report this can read.
    """
    text = _decode(_checked(data))
    for delimiter in DELIMITERS:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            attendees = _read_participants_table(rows)
        except csv.Error as error:
            # Python's own limit on a field's size (131,072 characters) is
            # the guard against a runaway quoted field; it is left as it is
            # because csv.field_size_limit() is one setting for the whole process.
            raise AttendanceReportError(NOT_CSV) from error
        if attendees is not None:
            return attendees
    raise AttendanceReportError(NOT_A_REPORT)


def _checked(data):
    if not data or not data.strip():
        raise AttendanceReportError(
            "This file is empty. Download the attendance report again from Microsoft Teams or Zoom and upload it."
        )
    if len(data) > MAX_REPORT_BYTES:
        raise AttendanceReportError(
            f"This file is larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB, far more than an attendance "
            "report. Check that you chose the attendance report (a .csv file)."
        )
    if data.startswith(EXCEL_SIGNATURES):
        raise AttendanceReportError(
            "This is an Excel file: download the report as CSV (a .csv file), or open it in Excel and "
            'save it as "CSV UTF-8 (Comma delimited)", then upload that file.'
        )
    if data.startswith(b"%PDF-"):
        raise AttendanceReportError(
            "This is a PDF file: download the attendance report as CSV (a .csv file) and upload that file."
        )
    return data


def _decode(data):
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel on Windows saves CSV in the ANSI code page; cp1252 leaves
            # a few bytes undefined, which must not lose the whole file.
            text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise AttendanceReportError(
            "This file is empty. Download the attendance report again from Microsoft Teams or Zoom and upload it."
        )
    # No text format these services write holds a NUL: this is a binary file
    # (or UTF-16 without its byte-order mark, which they do not write either).
    if "\x00" in text:
        raise AttendanceReportError(NOT_CSV)
    return text


def _heading(cell):
    return " ".join(cell.replace("\ufeff", "").split()).casefold()


def _first_present(headings, wanted):
    for label in wanted:
        if label in headings:
            return headings.index(label)
    return None


def _participant_columns(row):
    """Where the name, address and times are, if the row heads a table of people with e-mail addresses."""
    headings = [_heading(cell) for cell in row]
    name = _first_present(headings, NAME_HEADINGS)
    email_columns = [index for index, heading in enumerate(headings) if heading in EMAIL_HEADINGS]
    sign_in = _first_present(headings, SIGN_IN_HEADINGS)
    joined = _first_present(headings, JOINED_HEADINGS)
    if name is None or not (email_columns or sign_in is not None):
        return None
    if joined is None and any(heading in MEETING_HEADINGS for heading in headings):
        return None
    # In Zoom's usage report the host's address comes before the
    # participant's name, and the participant's after it.
    email = next((index for index in email_columns if index > name), email_columns[0] if email_columns else None)
    return _Columns(
        name=name,
        email=email,
        sign_in=sign_in,
        joined=joined,
        left=_first_present(headings, LEFT_HEADINGS),
    )


def _ends_table(cells):
    if not any(cells):
        return True
    heading_only = cells[0] and not any(cells[1:])
    return bool(heading_only and SECTION_HEADING.fullmatch(cells[0]))


def _cell(cells, index):
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _address(cells, columns):
    email = _cell(cells, columns.email)
    if email:
        return email
    sign_in = _cell(cells, columns.sign_in)
    # A guest's UPN is the host organisation's alias for them
    # (jo_nhs.net#EXT#@...), not an address they booked with.
    if "@" in sign_in and "#ext#" not in sign_in.casefold():
        return sign_in
    return ""


def _read_participants_table(rows):
    """The people in the first table of people with addresses, or None if the rows have none."""
    for row in rows:
        columns = _participant_columns(row)
        if columns is not None:
            break
    else:
        return None

    attendees = {}
    for row in rows:
        cells = [cell.strip() for cell in row]
        if _ends_table(cells) or _participant_columns(cells) is not None:
            break
        name = _cell(cells, columns.name)
        email = _address(cells, columns)
        if not (name or email):
            continue
        # Without an address the name is all there is to tell people apart by.
        key = ("email", normalise_email(email)) if email else ("name", name)
        reported = ReportedAttendee(
            name=name, email=email, joined=_cell(cells, columns.joined), left=_cell(cells, columns.left)
        )
        if key in attendees:
            _merge(attendees[key], reported)
        else:
            attendees[key] = reported
    return list(attendees.values())


def _moment(text):
    for moment_format in MOMENT_FORMATS:
        try:
            return datetime.strptime(text, moment_format)
        except ValueError:
            continue
    return None


def _merge(attendee, again):
    """Fold a further row for the same person into the first: earliest join, latest leave."""
    attendee.name = attendee.name or again.name
    attendee.email = attendee.email or again.email
    if again.joined:
        earlier, current = _moment(again.joined), _moment(attendee.joined)
        if not attendee.joined or (earlier and current and earlier < current):
            attendee.joined = again.joined
    if again.left:
        later, current = _moment(again.left), _moment(attendee.left)
        # Rows come in the order people joined, so without readable times the
        # last row's leave is the latest.
        if not (later and current) or later > current:
            attendee.left = again.left
