"""
Certificates of attendance: who may have one, its code, the learning time it
states, and the PDF itself.

A certificate exists only for a booking marked attended whose personal data
has not been erased. It is made the first time it is needed (the attendee
opens their link, or an administrator downloads it), and is gone when the
attendance is undone (attendance.mark_attended) or the booking erased
(privacy.erase_personal_data). Every use checks the booking again, so a
certificate made in the instant attendance was undone still proves nothing.

Its code is 10 characters of Crockford's base32 (50 random bits), printed
as 7KQ2M-XW4HD: no I, L, O or U to misread, and a reader who types O for 0,
I or L for 1, small letters, spaces or dashes is understood. Guessing one
is hopeless, the more so as the verification page is rate-limited.
"""

import re
import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.prefs import ViewerPreferences

from ..formatting import format_event_datetime
from ..models import Booking, BookingStatus, Certificate, EventStatus, PlaceKind
from .emails import site_root_url

# Crockford's base32: digits and capitals without I, L, O and U.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_CODE_SHAPE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# Read as Crockford says: O is 0; I and L are 1.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Spaces, and every dash a word processor or phone may put in a copied code.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed):
    """The code someone typed as it is stored, or None if it cannot be a certificate's code."""
    code = _SEPARATORS.sub("", typed or "").upper().translate(_MISREAD)
    return code if _CODE_SHAPE.fullmatch(code) else None


def display_code(code):
    """The code as printed, in two groups of five: 7KQ2M-XW4HD."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


# Certificates -----------------------------------------------------------------


# A place cancelled after the day (by an administrator) keeps its time of
# arrival, but is no longer a place: it certifies nothing.
CERTIFIABLE = {"attended_at__isnull": False, "erased_at": None, "status": BookingStatus.CONFIRMED}


def may_have_certificate(booking):
    """Whether a booking can have a certificate: a confirmed place, marked attended, and not erased."""
    return booking.attended_at is not None and booking.erased_at is None and booking.is_confirmed


def _still_attended(booking_id):
    # Locks the booking's row (on PostgreSQL) until the certificate is saved,
    # so that attendance undone at this instant waits, then deletes it.
    return Booking.objects.select_for_update().filter(pk=booking_id, **CERTIFIABLE).exists()


def certificate_for(booking):
    """
    The booking's certificate, made now if it has none yet; None for a
    booking that is not marked attended, or erased. Two requests at once
    get the same certificate: the second one's insert fails on the booking's
    uniqueness and it reads the first one's.
    """
    if not may_have_certificate(booking):
        return None
    existing = Certificate.objects.filter(booking=booking).first()
    if existing:
        return existing
    # A new code is drawn only in the unheard-of case that another
    # certificate already has it.
    for _ in range(5):
        try:
            with transaction.atomic():
                if not _still_attended(booking.pk):
                    return None
                return Certificate.objects.create(booking=booking, code=new_code(), issued_at=timezone.now())
        except IntegrityError:
            existing = Certificate.objects.filter(booking=booking).first()
            if existing:
                return existing
    raise RuntimeError("Could not find an unused certificate code")


def genuine_certificate(code):
    """The certificate with this (normalised) code, if its booking is still a place marked attended, not erased."""
    if not code:
        return None
    certifiable = {f"booking__{name}": value for name, value in CERTIFIABLE.items()}
    return Certificate.objects.select_related("booking__event").filter(code=code, **certifiable).first()


def verification_url(certificate):
    """The full address printed on the certificate, where anyone can check it."""
    event = certificate.booking.event
    return site_root_url(event) + reverse("certificate_verify", args=[display_code(certificate.code)])


def organiser_name(event):
    """The Collaborative's name as the site's settings give it."""
    from home.models import SiteSettings

    site = event.get_site()
    name = SiteSettings.for_site(site).organisation_name if site else ""
    return name or settings.WAGTAIL_SITE_NAME


def workshop_date(event):
    """The day of the workshop as a certificate states it: "Thursday 12 March 2026" (or "March 2026")."""
    return format_event_datetime(event.date, month_only=event.date_shows_month_only)


def how_attended(booking):
    """ "online" or "in person": how this attendee took part."""
    event = booking.event
    if booking.attends == PlaceKind.ONLINE or event.is_online or event.status == EventStatus.MOVED_ONLINE:
        return "online"
    return "in person"


def job_and_organisation(booking):
    return ", ".join(part for part in (booking.job_title.strip(), booking.organisation.strip()) if part)


def pdf_filename(certificate):
    """A name any system accepts: the workshop's date and the code, in ASCII."""
    return f"certificate-of-attendance-{certificate.booking.event.date:%Y-%m-%d}-{display_code(certificate.code)}.pdf"


# Learning time ------------------------------------------------------------------

# An agenda session whose title is made of these words alone is not learning
# time: "Lunch", "Coffee break", "Tea and coffee", "Arrival and registration",
# "Lunch and networking". A title with any other word counts ("Lunch and
# learn: digital tools", "Breaking down barriers"). Kept short on purpose: a
# longer list would start taking sessions for breaks.
BREAK_WORDS = frozenset(
    {"lunch", "break", "breaks", "coffee", "tea", "refreshment", "refreshments", "registration", "arrival"}
)
# Words that may stand beside a break word in a break's title.
BREAK_COMPANIONS = frozenset({"and", "&", "with", "a", "short", "comfort", "networking"})
_WORDS = re.compile(r"[&\w]+")
QUARTER_HOUR = 15


def is_break(title):
    """Whether a session with this title is a break (BREAK_WORDS), not learning."""
    words = set(_WORDS.findall(title.lower()))
    return bool(words & BREAK_WORDS) and words <= BREAK_WORDS | BREAK_COMPANIONS


def _minutes(moment):
    return moment.hour * 60 + moment.minute


def learning_time(event):
    """
    The workshop's hours of learning, rounded down to the quarter hour, or
    None when they are not known: from the first session with a time to the
    workshop's end time, each session lasting until the next one's time,
    less the breaks (is_break). An agenda without times counts the
    workshop's own times. Without an end time nothing is invented.
    """
    if event.end_time is None:
        return None
    end = _minutes(event.end_time)
    sessions = sorted(
        (
            (_minutes(session["time"]), session["title"])
            for part in event.agenda
            for session in part.value["sessions"]
            if session["time"] is not None
        ),
        key=lambda session: session[0],
    )
    if sessions:
        starts = [start for start, _ in sessions] + [end]
        minutes = sum(
            max(0, min(starts[number + 1], end) - start)
            for number, (start, title) in enumerate(sessions)
            if not is_break(title)
        )
    elif event.start_time is not None:
        minutes = end - _minutes(event.start_time)
    else:
        return None
    minutes -= minutes % QUARTER_HOUR
    return timedelta(minutes=minutes) if minutes > 0 else None


def describe_learning_time(duration):
    """ "4 hours 30 minutes", "1 hour", "45 minutes": how CPD records state it."""
    hours, minutes = divmod(int(duration.total_seconds()) // 60, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'' if hours == 1 else 's'}")
    if minutes:
        parts.append(f"{minutes} minutes")
    return " ".join(parts)


# The PDF --------------------------------------------------------------------------

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FONT = "LiberationSans"
# NHS identity colours: blue, dark blue, text and secondary text.
NHS_BLUE = (0, 94, 184)
NHS_DARK_BLUE = (0, 48, 135)
TEXT = (33, 43, 50)
SECONDARY_TEXT = (76, 98, 114)
WHITE = (255, 255, 255)
PAGE_WIDTH, PAGE_HEIGHT = 297, 210  # A4 landscape, in millimetres
MARGIN = 22
BAND_HEIGHT = 34
FOOTER_TOP = 160
# Sizes are tried from the first down: a very long name or title is drawn
# smaller until everything fits on the one page.
SCALES = (1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3)


class TaggedPDF(FPDF):
    """
    An FPDF that tags its text. fpdf2 (2.8) has no public API for a tagged
    PDF: it builds a structure tree only for images' alternative text and
    links. structure() and artifact() use what it builds that tree with (its
    StructureTreeBuilder and marked-content operators, internal to fpdf2) to
    mark each block of text as a heading or a paragraph, in reading order,
    and the decoration as an artifact that screen readers skip. fpdf2 is
    pinned in requirements.txt, and tests/events/test_certificates.py reads
    the tree back, so an upgrade that changes these internals fails there.

    What a certificate has, then: real text in an embedded font with its
    Unicode map (read aloud, searched, copied), one H1 and paragraphs in
    reading order, every mark on the page either tagged or an artifact,
    the language (en-GB), the title shown in the reader's window, and
    title, author and subject in the document information and in XMP.
    What it does not: it claims no PDF/UA conformance (no pdfuaid entry),
    because fpdf2 has no PDF/UA mode and no PDF/UA validator (veraPDF, PAC)
    installs from PyPI to prove it; and the verification address is printed
    as text, not as a link, which would need tagging of its own.
    """

    @contextmanager
    def structure(self, role):
        """Mark what is drawn inside as one element of the document's structure: "H1" or "P"."""
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{role}", mcid=mcid)
        self._out(f"/{role} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    @contextmanager
    def artifact(self):
        """Mark what is drawn inside as decoration, outside the document's content."""
        self._out("/Artifact BMC")
        yield
        self._out("EMC")


def certificate_lines(certificate):
    """
    What the certificate says below its heading, in reading order: each
    paragraph as (style, size, colour, text), the body's then the footer's.
    """
    booking = certificate.booking
    event = booking.event
    duration = learning_time(event)
    body = [
        ("", 14, SECONDARY_TEXT, "This is to certify that"),
        ("B", 32, TEXT, booking.name),
    ]
    if job_and_organisation(booking):
        body.append(("", 16, TEXT, job_and_organisation(booking)))
    body += [
        ("", 14, SECONDARY_TEXT, f"attended the {event.get_event_type_display().lower()}"),
        ("B", 24, NHS_DARK_BLUE, event.title),
        ("", 16, TEXT, f"on {workshop_date(event)}, {how_attended(booking)}"),
    ]
    if duration:
        body.append(("", 16, TEXT, f"Learning time: {describe_learning_time(duration)}"))
    footer = [
        ("", 12, TEXT, f"Organised by the {organiser_name(event)}"),
        ("B", 12, TEXT, f"Verification code: {display_code(certificate.code)}"),
        ("", 11, SECONDARY_TEXT, f"Check it at {verification_url(certificate)}"),
    ]
    return body, footer


@cache
def _printable():
    """The characters both of the certificate's fonts can draw."""
    regular, bold = (set(TTFont(FONTS / f"LiberationSans-{style}.ttf").getBestCmap()) for style in ("Regular", "Bold"))
    return regular & bold


def unprintable_characters(certificate):
    """
    The characters of the certificate's text that its font cannot draw
    (Chinese or Arabic letters, emoji), which the PDF leaves out: the
    attendee's page says which, rather than let a name lose letters unsaid.
    """
    body, footer = certificate_lines(certificate)
    text = "".join(line[-1] for line in body + footer)
    return sorted({character for character in text if not character.isspace() and ord(character) not in _printable()})


def _xmp(title, author, subject):
    # Title, author and subject again in XMP, where PDF/UA readers look for them.
    return "\n".join(
        [
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            '  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/">',
            '    <rdf:Description rdf:about="">',
            f'      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>',
            f"      <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>",
            '      <dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(subject)}</rdf:li></rdf:Alt></dc:description>",
            "      <dc:language><rdf:Bag><rdf:li>en-GB</rdf:li></rdf:Bag></dc:language>",
            "    </rdf:Description>",
            "  </rdf:RDF>",
            "</x:xmpmeta>",
        ]
    )


def _new_document(certificate):
    booking = certificate.booking
    event = booking.event
    title = f"Certificate of attendance: {booking.name}, {event.title}"
    author = organiser_name(event)
    subject = f"Certificate of attendance at {event.title} on {workshop_date(event)}"
    pdf = TaggedPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject(subject)
    pdf.set_creator(author)
    pdf.set_lang("en-GB")
    pdf.set_xmp_metadata(_xmp(title, author, subject))
    # A reader's window shows the title rather than the file's name.
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    issued = certificate.issued_at
    pdf.set_creation_date(issued if isinstance(issued, datetime) else timezone.now())
    pdf.add_font(FONT, "", FONTS / "LiberationSans-Regular.ttf")
    pdf.add_font(FONT, "B", FONTS / "LiberationSans-Bold.ttf")
    # Everything is placed on the one page: a page break inside a tagged block would break its tag.
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    return pdf


def _write(pdf, lines, scale, space_after):
    for style, size, colour, text in lines:
        # Only the large text shrinks: the rest stays easy to read.
        size = max(size * scale, min(size, 12))
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(*colour)
        with pdf.structure("P"):
            pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(space_after * scale)


def _draw(certificate, scale):
    body, footer = certificate_lines(certificate)
    pdf = _new_document(certificate)
    with pdf.artifact():
        pdf.set_fill_color(*NHS_BLUE)
        pdf.rect(0, 0, PAGE_WIDTH, BAND_HEIGHT, style="F")
        pdf.rect(0, PAGE_HEIGHT - 6, PAGE_WIDTH, 6, style="F")
    pdf.set_xy(MARGIN, 11)
    pdf.set_font(FONT, "B", 30)
    pdf.set_text_color(*WHITE)
    with pdf.structure("H1"):
        pdf.cell(0, 12, "Certificate of attendance", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(BAND_HEIGHT + 14)
    _write(pdf, body, scale, space_after=4)
    fits = pdf.get_y() <= FOOTER_TOP - 4
    with pdf.artifact():
        pdf.set_draw_color(*NHS_BLUE)
        pdf.set_line_width(0.6)
        pdf.line(MARGIN, FOOTER_TOP, PAGE_WIDTH - MARGIN, FOOTER_TOP)
    pdf.set_y(FOOTER_TOP + 6)
    _write(pdf, footer, 1, space_after=1.5)
    return pdf, fits


def certificate_pdf(certificate):
    """The certificate as a one-page, tagged PDF (bytes)."""
    for scale in SCALES:
        pdf, fits = _draw(certificate, scale)
        if fits:
            break
    return bytes(pdf.output())
