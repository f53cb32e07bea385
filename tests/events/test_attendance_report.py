"""
Reading the attendance reports Microsoft Teams and Zoom give the organiser of
an online workshop, as an administrator uploads them (the file's bytes). The
reports are written out here as the services write them: Teams' in UTF-16,
tab-separated, in sections; Zoom's comma-separated, one row per join.
"""

import codecs

import pytest

from events.booking.attendance_report import (
    MAX_REPORT_BYTES,
    AttendanceReportError,
    ReportedAttendee,
    read_attendance_report,
)

NOT_A_REPORT = (
    "We could not find a list of participants with e-mail addresses in this file. "
    "Upload the attendance report as Microsoft Teams or Zoom exports it (a .csv file)."
)
NOT_CSV = (
    "This file is not a CSV file. Upload the attendance report as Microsoft Teams or Zoom exports it (a .csv file)."
)
EMPTY = "This file is empty. Download the attendance report again from Microsoft Teams or Zoom and upload it."

TEAMS_REPORT = "\r\n".join(
    [
        "1. Summary",
        "Meeting title\tSupervising newly qualified practitioners (online)",
        "Attended participants\t5",
        "Start time\t3/12/26, 9:58:02 AM",
        "End time\t3/12/26, 12:31:40 PM",
        "Meeting duration\t2h 33m 38s",
        "Average attendance time\t2h 1m 12s",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
        "Okafor, Adaeze\t3/12/26, 9:58:02 AM\t3/12/26, 12:31:40 PM\t2h 33m 38s"
        "\tAdaeze.Okafor@example.nhs.uk\tokafora@example.nhs.uk\tOrganizer",
        "Priya Raman\t3/12/26, 10:01:15 AM\t3/12/26, 12:30:02 PM\t2h 28m 47s"
        "\tpriya.raman@example.nhs.uk\tpriya.raman@example.nhs.uk\tAttendee",
        "Tom Whitfield\t3/12/26, 10:04:40 AM\t3/12/26, 11:15:09 AM\t57m 58s\t\ttom.whitfield@example.nhs.uk\tAttendee",
        "Jo Bell\t3/12/26, 10:05:12 AM\t3/12/26, 12:29:50 PM\t2h 24m 38s"
        "\t\tjo.bell_example.nhs.uk#EXT#@collaborative.onmicrosoft.com\tAttendee",
        "Sam Price (Guest)\t3/12/26, 10:07:00 AM\t3/12/26, 12:29:55 PM\t2h 22m 55s\t\t\tAttendee",
        "",
        "3. In-Meeting Activities",
        "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",
        "Okafor, Adaeze\t3/12/26, 9:58:02 AM\t3/12/26, 12:31:40 PM\t2h 33m 38s"
        "\tAdaeze.Okafor@example.nhs.uk\tOrganizer",
        "Priya Raman\t3/12/26, 10:01:15 AM\t3/12/26, 12:30:02 PM\t2h 28m 47s\tpriya.raman@example.nhs.uk\tAttendee",
        "Tom Whitfield\t3/12/26, 10:04:40 AM\t3/12/26, 10:40:00 AM\t35m 20s\t\tAttendee",
        "Tom Whitfield\t3/12/26, 10:52:31 AM\t3/12/26, 11:15:09 AM\t22m 38s\t\tAttendee",
        "Jo Bell\t3/12/26, 10:05:12 AM\t3/12/26, 12:29:50 PM\t2h 24m 38s\t\tAttendee",
        "Sam Price (Guest)\t3/12/26, 10:07:00 AM\t3/12/26, 12:29:55 PM\t2h 22m 55s\t\tAttendee",
        "",
    ]
)
TEAMS_PARTICIPANTS = [
    ReportedAttendee("Okafor, Adaeze", "Adaeze.Okafor@example.nhs.uk", "3/12/26, 9:58:02 AM", "3/12/26, 12:31:40 PM"),
    ReportedAttendee("Priya Raman", "priya.raman@example.nhs.uk", "3/12/26, 10:01:15 AM", "3/12/26, 12:30:02 PM"),
    # Email blank: the address they signed in with.
    ReportedAttendee("Tom Whitfield", "tom.whitfield@example.nhs.uk", "3/12/26, 10:04:40 AM", "3/12/26, 11:15:09 AM"),
    # A guest's sign-in name is an alias, not their address.
    ReportedAttendee("Jo Bell", "", "3/12/26, 10:05:12 AM", "3/12/26, 12:29:50 PM"),
    ReportedAttendee("Sam Price (Guest)", "", "3/12/26, 10:07:00 AM", "3/12/26, 12:29:55 PM"),
]

ZOOM_PARTICIPANTS_HEADER = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent"
)
ZOOM_PARTICIPANTS_ROWS = [
    "Adaeze Okafor,okafora@example.nhs.uk,03/12/2026 9:55:41 AM,03/12/2026 12:32:10 PM,157,No,Y",
    # Priya's connection dropped: Zoom lists each join, not always in order.
    "Priya Raman,priya.raman@example.nhs.uk,03/12/2026 10:52:31 AM,03/12/2026 12:30:02 PM,98,Yes,Y",
    "Tom's iPhone,,03/12/2026 10:03:00 AM,03/12/2026 12:30:00 PM,147,Yes,Y",
    '"Whitfield, Tom (Tom Whitfield)",tom.whitfield@example.nhs.uk,'
    "03/12/2026 10:04:40 AM,03/12/2026 11:15:09 AM,71,Yes,Y",
    "Priya Raman,Priya.Raman@Example.NHS.uk ,03/12/2026 9:59:10 AM,03/12/2026 10:40:00 AM,41,Yes,Y",
]
ZOOM_ATTENDEES = [
    ReportedAttendee("Adaeze Okafor", "okafora@example.nhs.uk", "03/12/2026 9:55:41 AM", "03/12/2026 12:32:10 PM"),
    ReportedAttendee("Priya Raman", "priya.raman@example.nhs.uk", "03/12/2026 9:59:10 AM", "03/12/2026 12:30:02 PM"),
    ReportedAttendee("Tom's iPhone", "", "03/12/2026 10:03:00 AM", "03/12/2026 12:30:00 PM"),
    ReportedAttendee(
        "Whitfield, Tom (Tom Whitfield)",
        "tom.whitfield@example.nhs.uk",
        "03/12/2026 10:04:40 AM",
        "03/12/2026 11:15:09 AM",
    ),
]


def zoom_csv(*lines):
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_teams_report_in_utf16_gives_the_participants_section():
    data = TEAMS_REPORT.encode("utf-16")

    assert data.startswith(codecs.BOM_UTF16_LE)
    assert read_attendance_report(data) == TEAMS_PARTICIPANTS


def test_teams_report_in_big_endian_utf16():
    data = codecs.BOM_UTF16_BE + TEAMS_REPORT.encode("utf-16-be")

    assert read_attendance_report(data) == TEAMS_PARTICIPANTS


def test_teams_sections_without_blank_lines_and_headings_in_lower_case():
    report = "\n".join(
        [
            "1. Summary",
            "Meeting title\tTrauma-informed care: follow-up session",
            "Start time\t20/01/2027, 14:00:03",
            "2. Participants",
            "Name\tFirst join\tLast leave\tIn-meeting duration\tEmail\tParticipant ID (UPN)\tRole",
            "Florence Adeyemi\t20/01/2027, 14:00:03\t20/01/2027, 15:30:11\t1h 30m 8s"
            "\tflorence@example.nhs.uk\tfadeyemi@example.nhs.uk\tOrganiser",
            "3. In-Meeting activities",
            "Name\tJoin time\tLeave time\tDuration\tEmail\tRole",
            "Florence Adeyemi\t20/01/2027, 14:00:03\t20/01/2027, 15:30:11\t1h 30m 8s"
            "\tflorence@example.nhs.uk\tOrganiser",
        ]
    )

    assert read_attendance_report(report.encode("utf-16")) == [
        ReportedAttendee("Florence Adeyemi", "florence@example.nhs.uk", "20/01/2027, 14:00:03", "20/01/2027, 15:30:11")
    ]


def test_zoom_participants_one_entry_per_address_with_earliest_join_and_latest_leave():
    data = zoom_csv(ZOOM_PARTICIPANTS_HEADER, *ZOOM_PARTICIPANTS_ROWS)

    assert read_attendance_report(data) == ZOOM_ATTENDEES


def test_zoom_participants_after_the_meeting_summary_leave_out_the_host():
    data = zoom_csv(
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants",
        "84322910457,Supervising newly qualified practitioners (online),03/12/2026 9:55:02 AM,"
        "03/12/2026 12:32:40 PM,collaborative@example.nhs.uk,158,6",
        ",,,,,,",
        ZOOM_PARTICIPANTS_HEADER,
        *ZOOM_PARTICIPANTS_ROWS,
    )

    assert read_attendance_report(data) == ZOOM_ATTENDEES


def test_zoom_usage_report_takes_the_participants_address_not_the_hosts():
    data = zoom_csv(
        "Topic,Meeting ID,User Name,User Email,Department,Group,Has Zoom Rooms,Creation Time,Start Time,End Time,"
        "Duration (Minutes),Participants,Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
        "Peer support in practice,843 2291 0457,Workshops Team,collaborative@example.nhs.uk,,,No,"
        "02/03/2026 11:20,03/12/2026 09:55,03/12/2026 12:32,158,3,"
        "Workshops Team,collaborative@example.nhs.uk,03/12/2026 09:55,03/12/2026 12:32,158,No",
        "Peer support in practice,843 2291 0457,Workshops Team,collaborative@example.nhs.uk,,,No,"
        "02/03/2026 11:20,03/12/2026 09:55,03/12/2026 12:32,158,3,"
        "Ada Lovelace,ada.lovelace@example.nhs.uk,03/12/2026 10:01,03/12/2026 12:30,150,Yes",
    )

    assert read_attendance_report(data) == [
        ReportedAttendee("Workshops Team", "collaborative@example.nhs.uk", "03/12/2026 09:55", "03/12/2026 12:32"),
        ReportedAttendee("Ada Lovelace", "ada.lovelace@example.nhs.uk", "03/12/2026 10:01", "03/12/2026 12:30"),
    ]


def test_utf8_with_byte_order_mark():
    data = codecs.BOM_UTF8 + zoom_csv(
        ZOOM_PARTICIPANTS_HEADER,
        "Zoë Ní Bhriain,zoe.nibhriain@example.nhs.uk,03/12/2026 10:00:12 AM,03/12/2026 12:31:02 PM,151,Yes,Y",
    )

    assert read_attendance_report(data) == [
        ReportedAttendee(
            "Zoë Ní Bhriain", "zoe.nibhriain@example.nhs.uk", "03/12/2026 10:00:12 AM", "03/12/2026 12:31:02 PM"
        )
    ]


def test_file_resaved_by_excel_in_cp1252_and_separated_by_semicolons():
    report = "\r\n".join(
        [
            "Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes);Guest",
            "Okafor, Adaeze;okafora@example.nhs.uk;03/12/2026 09:55;03/12/2026 12:32;157;No",
            "Zoë Ní Bhriain;zoe.nibhriain@example.nhs.uk;03/12/2026 10:00;03/12/2026 12:31;151;Yes",
        ]
    )

    assert read_attendance_report(report.encode("cp1252")) == [
        ReportedAttendee("Okafor, Adaeze", "okafora@example.nhs.uk", "03/12/2026 09:55", "03/12/2026 12:32"),
        ReportedAttendee("Zoë Ní Bhriain", "zoe.nibhriain@example.nhs.uk", "03/12/2026 10:00", "03/12/2026 12:31"),
    ]


def test_generic_list_with_email_address_heading():
    data = b"Full Name,E-mail Address\nAda Lovelace,ada@example.nhs.uk\n"

    assert read_attendance_report(data) == [ReportedAttendee("Ada Lovelace", "ada@example.nhs.uk", "", "")]


def test_older_teams_report_without_email_addresses_is_refused():
    report = "\r\n".join(
        [
            "Full Name\tUser Action\tTimestamp",
            "Adaeze Okafor\tJoined\t12/03/2026, 09:58:02",
            "Priya Raman\tJoined\t12/03/2026, 10:01:15",
            "Priya Raman\tLeft\t12/03/2026, 12:30:02",
        ]
    )

    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(report.encode("utf-16"))
    assert str(refused.value) == NOT_A_REPORT


def test_zoom_meeting_summary_alone_is_refused():
    data = zoom_csv(
        "Meeting ID,Topic,Start Time,End Time,User Name,User Email,Duration (Minutes),Participants",
        "84322910457,Peer support in practice,03/12/2026 9:55 AM,03/12/2026 12:32 PM,"
        "Workshops Team,collaborative@example.nhs.uk,158,6",
    )

    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(data)
    assert str(refused.value) == NOT_A_REPORT


def test_excel_workbook_is_refused_with_how_to_get_a_csv():
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"

    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(workbook)
    assert str(refused.value) == (
        "This is an Excel file: download the report as CSV (a .csv file), or open it in Excel and "
        'save it as "CSV UTF-8 (Comma delimited)", then upload that file.'
    )


def test_binary_file_is_refused():
    image = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"

    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(image)
    assert str(refused.value) == NOT_CSV


@pytest.mark.parametrize("data", [b"", b"\r\n \r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_file_is_refused(data):
    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(data)
    assert str(refused.value) == EMPTY


def test_file_over_the_limit_is_refused():
    data = zoom_csv(ZOOM_PARTICIPANTS_HEADER, *ZOOM_PARTICIPANTS_ROWS)
    data += b"\n" * (MAX_REPORT_BYTES - len(data) + 1)

    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(data)
    assert str(refused.value) == (
        "This file is larger than 5 MB, far more than an attendance report. "
        "Check that you chose the attendance report (a .csv file)."
    )


def test_file_at_the_limit_is_read():
    data = zoom_csv(ZOOM_PARTICIPANTS_HEADER, *ZOOM_PARTICIPANTS_ROWS)
    data += b"\n" * (MAX_REPORT_BYTES - len(data))

    assert len(data) == MAX_REPORT_BYTES
    assert read_attendance_report(data) == ZOOM_ATTENDEES


def test_runaway_quoted_field_is_refused():
    data = zoom_csv(ZOOM_PARTICIPANTS_HEADER, '"' + "x" * 200_000 + '",ada@example.nhs.uk')

    with pytest.raises(AttendanceReportError) as refused:
        read_attendance_report(data)
    assert str(refused.value) == NOT_CSV
