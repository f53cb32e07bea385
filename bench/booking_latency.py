"""
Booking under load: many people booking one workshop at the same time,
through the real booking form, and how long each booking takes.

BOOKERS threads, each with its own django.test.Client and its own database
connection, start together (a barrier) and each sends its share of BOOKINGS
bookings, one after another, as fast as the site answers, to one workshop of
CAPACITY places: the first CAPACITY are confirmed, the rest join the waiting
list. Each booking is one POST, timed until its redirect to the confirmation
(which includes recording and sending its e-mail, to Django's in-memory
mailbox). Before the rush, one booker alone books UNCONTENDED times at another
workshop, for the latency without contention.

The rate limit is raised and the minimum time to fill the form set to 0
(BOOKING_RATE_LIMIT_ATTEMPTS, BOOKING_MIN_FILL_SECONDS): every booking here
comes from one address, at once.

All the threads run in one Python process, so the figures include waiting
for Python's GIL; a deployment spreads requests over worker processes.

    .venv/bin/python bench/booking_latency.py [--bookers 20] [--bookings 200] [--capacity 50]

Exits with status 1 unless every booking was taken (a redirect to its
confirmation) and exactly CAPACITY were confirmed.
"""

import argparse
import math
import statistics
import threading
import time
from collections import Counter

import benchsite
from benchsite import check, say

UNCONTENDED = 20
BARRIER_TIMEOUT = 60


def answers(label, number):
    from events.booking.forms import form_started_token

    return {
        "name": f"Booker {label} {number}",
        "email": f"Booker.{label}.{number}@Example.NHS.uk",
        "job_title": "Director of Nursing",
        "organisation": "An NHS Foundation Trust",
        "consent": "on",
        "started": form_started_token(),
    }


def percentile(values, percent):
    """Nearest-rank percentile: the smallest value with at least percent% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def latencies_line(latencies):
    milliseconds = [latency * 1000 for latency in latencies]
    return (
        f"p50 {percentile(milliseconds, 50):6.1f} ms   p95 {percentile(milliseconds, 95):6.1f} ms   "
        f"max {max(milliseconds):6.1f} ms   mean {statistics.fmean(milliseconds):6.1f} ms"
    )


def book_alone(url, count):
    """One booker, count bookings one after another: the latency without contention."""
    from django.test import Client

    client = Client()
    check(client.post(url, answers("warm-up", 0)).status_code == 302, "the warm-up booking was not taken")
    latencies = []
    for number in range(count):
        started = time.perf_counter()
        response = client.post(url, answers("alone", number))
        latencies.append(time.perf_counter() - started)
        check(response.status_code == 302, f"a booking alone answered {response.status_code}")
    return latencies


def book_together(url, bookers, bookings):
    """
    bookers threads send bookings bookings between them, from the same
    instant. Returns each booking's latency, the status codes, any errors
    and the seconds from the start to the last answer.
    """
    from django.db import connection
    from django.test import Client

    check(bookings % bookers == 0, "each booker sends the same number of bookings")
    each = bookings // bookers
    start = threading.Barrier(bookers + 1, timeout=BARRIER_TIMEOUT)
    lock = threading.Lock()
    latencies, status_codes, errors = [], Counter(), []

    def booker(booker_number):
        client = Client()
        try:
            client.get(url)  # this thread's first request, before the clock starts
            start.wait()
            for number in range(each):
                data = answers(f"rush-{booker_number}", number)
                started = time.perf_counter()
                response = client.post(url, data)
                latency = time.perf_counter() - started
                with lock:
                    latencies.append(latency)
                    status_codes[response.status_code] += 1
        except BaseException as error:  # noqa: BLE001 (reported, and the run fails)
            start.abort()
            with lock:
                errors.append(f"booker {booker_number}: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=booker, args=(number,)) for number in range(bookers)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT + 60 * each)
    elapsed = time.perf_counter() - started
    check(not any(thread.is_alive() for thread in threads), "a booker hung")
    return latencies, status_codes, errors, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookers", type=int, default=20, help="concurrent bookers (default 20)")
    parser.add_argument("--bookings", type=int, default=200, help="bookings in all (default 200)")
    parser.add_argument("--capacity", type=int, default=50, help="places at the workshop (default 50)")
    options = parser.parse_args()

    with benchsite.throwaway_database("latency") as database:
        benchsite.set_up_django(BOOKING_RATE_LIMIT_ATTEMPTS=1_000_000, BOOKING_MIN_FILL_SECONDS=0)
        from django.conf import settings

        from events.models import Booking, BookingEmail, BookingStatus

        say("Booking latency: concurrent bookers, one workshop, the real booking form")
        say(f"  machine:   {benchsite.machine()}")
        say(f"  software:  {benchsite.versions()}")
        say(f"  database:  {database}")
        say(
            f"  settings:  BOOKING_RATE_LIMIT_ATTEMPTS={settings.BOOKING_RATE_LIMIT_ATTEMPTS:,}, "
            f"BOOKING_MIN_FILL_SECONDS={settings.BOOKING_MIN_FILL_SECONDS}"
        )
        benchsite.set_up_site()
        _, alone_form = benchsite.add_workshop("alone", "Booking alone", capacity=UNCONTENDED + 1)
        event, form_page = benchsite.add_workshop("rush", "Booking rush", capacity=options.capacity)

        alone = book_alone(alone_form.url, UNCONTENDED)
        latencies, status_codes, errors, elapsed = book_together(form_page.url, options.bookers, options.bookings)

        bookings = Booking.objects.filter(event=event)
        confirmed = bookings.filter(status=BookingStatus.CONFIRMED).count()
        waiting = bookings.filter(status=BookingStatus.WAITING).count()
        emails = BookingEmail.objects.filter(booking__event=event)
        sent = emails.exclude(sent_at=None).count()
        recorded = emails.count()

    say()
    say(f"  1 booker alone, {UNCONTENDED} bookings one after another:")
    say(f"    {latencies_line(alone)}")
    say(f"  {options.bookers} bookers at once, {options.bookings} bookings, {options.capacity} places:")
    say(f"    {latencies_line(latencies)}")
    say(f"    {len(latencies) / elapsed:.1f} bookings a second ({len(latencies)} in {elapsed:.2f} s)")
    say(f"    {confirmed} confirmed, {waiting} on the waiting list; e-mails sent {sent} of {recorded}")
    say(f"    answers: {', '.join(f'{count} x {code}' for code, count in sorted(status_codes.items()))}")
    for error in errors:
        say(f"    error: {error}")
    check(not errors, "a booker failed")
    check(status_codes == Counter({302: options.bookings}), "not every booking was taken")
    check(confirmed == options.capacity, f"{confirmed} confirmed, not {options.capacity}")
    check(
        waiting == options.bookings - options.capacity, f"{waiting} waiting, not {options.bookings - options.capacity}"
    )
    return 0


if __name__ == "__main__":
    benchsite.run_benchmark(main)
