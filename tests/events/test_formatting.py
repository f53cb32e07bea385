from datetime import date, time

import pytest

from events.formatting import format_event_datetime, format_time


@pytest.mark.parametrize(
    ("day", "start", "end", "expected"),
    [
        (date(2020, 7, 2), time(10, 30), time(12, 30), "Thursday 2 July 2020, 10:30am to 12:30pm"),
        (date(2020, 3, 5), time(10, 0), time(16, 0), "Thursday 5 March 2020, 10am to 4pm"),
        (date(2020, 5, 14), None, None, "Thursday 14 May 2020"),
        (date(2020, 9, 15), time(13, 0), None, "Tuesday 15 September 2020, 1pm"),
        (date(2020, 11, 19), time(9, 5), time(12, 0), "Thursday 19 November 2020, 9:05am to midday"),
    ],
)
def test_event_date_and_time_read_the_same_everywhere(day, start, end, expected):
    assert format_event_datetime(day, start, end) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (time(0, 0), "12am"),
        (time(0, 30), "12:30am"),
        (time(12, 0), "midday"),
        (time(12, 15), "12:15pm"),
        (time(23, 59), "11:59pm"),
    ],
)
def test_times_around_midnight_and_midday(value, expected):
    assert format_time(value) == expected
