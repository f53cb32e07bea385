"""
Exporting bookings through the real admin views: wall time, bytes and peak
Python memory, for CSV and XLSX, at several sizes, to show that the memory an
export takes does not grow with the number of bookings.

Two exports are measured, each as a Booking administrator downloads it:
  - a workshop's bookings: /admin/forms/submissions/<form page>/?export=...
  - the Bookings menu, filtered to that workshop: /admin/events/booking/?export=...&event__id__exact=...

Each response is read chunk by chunk into a temporary file, never held whole;
the file is checked afterwards (its rows, the CSV's byte-order mark, a
neutralised formula). Wall time and time to the first byte are the median of
--repeat runs without tracing; the peak memory comes from one more run under
tracemalloc, started just before the request and stopped once the response
is read and closed (tracing slows openpyxl several times over, so that run
is not timed). tracemalloc sees Python's allocations only, not SQLite's or
libpq's own buffers.

The exports read the bookings with queryset.iterator(chunk_size=1000), so
their memory levels off once two blocks of 1,000 rows can be alive at once
(Django's cursor_iter still holds the last block while fetching the next):
from 1,000 to 2,000 bookings the peak roughly doubles, and then stays put.

    .venv/bin/python bench/export_bookings.py [--sizes 1000 2000 10000] [--repeat 3]

Exits with status 1 if an export of the largest size takes more than
MAX_GROWTH times the peak memory of the smallest.
"""

import argparse
import csv
import gc
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import benchsite
from benchsite import check, say

FORMATS = ("csv", "xlsx")
# Ten times the bookings may cost at most this many times the memory (two
# 1,000-row blocks instead of one: about x1.8). An export that held every
# booking would cost about ten times as much (x7.8 measured, before the fix).
MAX_GROWTH = 2.5
BOM = b"\xef\xbb\xbf"
# StreamedRows in events/booking/exports.py reads the bookings this many at a time.
CHUNK_SIZE = 1000
NEUTRALISED = "'=SUM(1+1) Health Trust"


def add_bookings(event, form_page, count):
    """count bookings at the workshop, in one bulk insert: mostly confirmed, some waiting, a few cancelled."""
    from django.utils import timezone

    from events.models import Booking, BookingStatus
    from events.models.bookings import normalise_email

    now = timezone.now()
    bookings = []
    for number in range(count):
        email = f"Booker.{number}@Example.NHS.uk"
        if number % 50 == 49:
            status = BookingStatus.CANCELLED
        elif number < count * 0.9:
            status = BookingStatus.CONFIRMED
        else:
            status = BookingStatus.WAITING
        bookings.append(
            Booking(
                page=form_page,
                event=event,
                status=status,
                name=f"Siobhán Ó Briain {number}",
                email=email,
                email_normalised=normalise_email(email),
                job_title="Director of Nursing",
                # A value Excel would run as a formula: the CSV must neutralise it.
                organisation=NEUTRALISED[1:] if number % 100 == 0 else "Oxford Health NHS Foundation Trust",
                access_needs="Step-free access and a hearing loop" if number % 7 == 0 else "",
                dietary_needs="Vegetarian" if number % 3 == 0 else "",
                form_data={},
                consented_at=now,
            )
        )
    Booking.objects.bulk_create(bookings, batch_size=1000)


def booking_administrator_client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user = get_user_model().objects.create_user("bench-bookings", email="bench-bookings@example.org")
    user.groups.add(Group.objects.get(name="Booking administrators"))
    check(user.has_perm("events.export_booking"), "the Booking administrators group cannot export")
    client = Client()
    client.force_login(user)
    return client


def export_urls(event, form_page, export_format):
    from django.urls import reverse

    return {
        "workshop's bookings": reverse("wagtailforms:list_submissions", args=[form_page.pk])
        + f"?export={export_format}",
        "Bookings menu": reverse("events_booking_modeladmin_index")
        + f"?export={export_format}&event__id__exact={event.pk}",
    }


def download(client, url, sink_path, trace=False):
    """
    GET an export and read it chunk by chunk into sink_path. Returns the
    seconds to the first byte and to the end, the bytes, the chunks and,
    when traced, the peak of Python's memory in bytes.
    """
    gc.collect()
    with open(sink_path, "wb") as sink:
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        response = client.get(url)
        check(response.status_code == 200, f"{url} answered {response.status_code}")
        check(response.streaming, f"{url} did not stream its response")
        first_byte = None
        size = chunks = 0
        for chunk in response.streaming_content:
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            chunks += 1
            sink.write(chunk)
        response.close()
        elapsed = time.perf_counter() - started
        peak = None
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return {"first_byte": first_byte, "seconds": elapsed, "bytes": size, "chunks": chunks, "peak": peak}


def rows_in(path, export_format):
    """The bookings in a downloaded export (its rows less the headings), checked to be a real booking export."""
    if export_format == "csv":
        raw = path.read_bytes()
        check(raw.startswith(BOM), "the CSV has no byte-order mark")
        rows = list(csv.reader(raw[len(BOM) :].decode("utf-8").splitlines()))
        check(
            rows[0][:3] == ["Booked at", "Status", "Name"] or rows[0][:3] == ["Booked at", "Workshop", "Status"],
            f"unexpected headings: {rows[0]}",
        )
        check(any(NEUTRALISED in row for row in rows), "the formula-like organisation was not neutralised")
        return len(rows) - 1
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    count = sum(1 for _row in workbook.active.iter_rows(values_only=True)) - 1
    workbook.close()
    return count


def mib(size):
    return f"{size / 1024 / 1024:.2f} MiB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 2_000, 10_000],
        help="bookings per export (default 1000 2000 10000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each export (default 3)")
    options = parser.parse_args()
    sizes = sorted(set(options.sizes))

    with benchsite.throwaway_database("export") as database, tempfile.TemporaryDirectory() as folder:
        benchsite.set_up_django()
        say("Booking exports through the admin")
        say(f"  machine:   {benchsite.machine()}")
        say(f"  software:  {benchsite.versions()}")
        say(f"  database:  {database}")

        started = time.perf_counter()
        benchsite.set_up_site()
        set_up = time.perf_counter() - started
        workshops = {}
        started = time.perf_counter()
        for size in sizes:
            event, form_page = benchsite.add_workshop(f"export-{size}", f"Export workshop ({size} bookings)", size)
            add_bookings(event, form_page, size)
            workshops[size] = (event, form_page)
        inserted = time.perf_counter() - started
        say(
            f"  set-up:    migrations and initial content {set_up:.1f} s; "
            f"{sum(sizes):,} bookings added {inserted:.1f} s"
        )
        say(f"  timing:    median of {options.repeat} untraced runs; peak memory: one more run under tracemalloc")
        client = booking_administrator_client()

        say()
        say(
            f"  {'export':<20} {'format':<6} {'rows':>7} {'bytes':>11} {'chunks':>7} {'first byte':>11} "
            f"{'wall':>9} {'rows/s':>8} {'peak memory':>12}"
        )
        peaks = {}
        sinks = {export_format: Path(folder) / f"export.{export_format}" for export_format in FORMATS}
        for export_format in FORMATS:
            for size in sizes:
                for view, url in export_urls(*workshops[size], export_format).items():
                    sink = sinks[export_format]
                    if size == sizes[0]:
                        download(client, url, sink)  # warm up: imports, URL and template caches
                    timed = [download(client, url, sink) for _ in range(options.repeat)]
                    traced = download(client, url, sink, trace=True)
                    rows = rows_in(sink, export_format)
                    # Exports leave cancelled bookings out unless a status is chosen: one in 50 here.
                    expected = size - size // 50
                    check(rows == expected, f"{view} {export_format} exported {rows} rows, not {expected}")
                    seconds = statistics.median(run["seconds"] for run in timed)
                    first_byte = statistics.median(run["first_byte"] for run in timed)
                    peaks[view, export_format, size] = traced["peak"]
                    say(
                        f"  {view:<20} {export_format:<6} {rows:>7,} {traced['bytes']:>11,} {traced['chunks']:>7,} "
                        f"{first_byte * 1000:>8.0f} ms {seconds:>7.2f} s {rows / seconds:>8,.0f} "
                        f"{mib(traced['peak']):>12}"
                    )

    smallest, largest = sizes[0], sizes[-1]
    say()
    say(f"  Peak Python memory by bookings exported; ratio: {largest:,} against {smallest:,} (limit x{MAX_GROWTH}):")
    say(f"    {'export':<20} {'format':<6}" + "".join(f"{size:>12,}" for size in sizes) + "    ratio")
    grows = []
    for view, export_format in dict.fromkeys((view, export_format) for view, export_format, _size in peaks):
        ratio = peaks[view, export_format, largest] / peaks[view, export_format, smallest]
        columns = "".join(f"{mib(peaks[view, export_format, size]):>12}" for size in sizes)
        verdict = "flat" if ratio <= MAX_GROWTH else "GROWS WITH THE BOOKINGS"
        say(f"    {view:<20} {export_format:<6}{columns}    x{ratio:.2f}  {verdict}")
        if ratio > MAX_GROWTH:
            grows.append(f"{view} {export_format}")
    say(f"  The exports read {CHUNK_SIZE:,} bookings at a time and hold at most two such blocks (the last one while")
    say("  Django fetches the next): the peak doubles from 1,000 to 2,000 bookings, then stays put.")
    if grows:
        say(f"  Memory grows with the number of bookings in: {', '.join(grows)}")
        return 1
    return 0


if __name__ == "__main__":
    benchsite.run_benchmark(main)
