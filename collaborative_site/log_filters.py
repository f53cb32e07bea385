"""Filters for the site's log lines (settings: LOGGING)."""

import logging
import re

# The signed part of a booking's own links (confirmation, manage, cancel,
# feedback, certificate): each opens what it names to whoever holds it, so a
# log line keeps the kind of link and drops the key.
LINK_KEY = re.compile(r"(/bookings/(?:booked|manage|cancel|feedback(?:/thanks)?|certificate)/)[^/\s?#]+")


def without_link_keys(text):
    return LINK_KEY.sub(r"\1[link]", text)


class HideLinkKeys(logging.Filter):
    """Takes the keys out of the addresses Django logs ("Not Found: /bookings/cancel/<key>/")."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = without_link_keys(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_link_keys(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
