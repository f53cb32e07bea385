"""
The home page and general pages, from the Collaborative's own texts
(../shared/seeds/001_*.txt: "About the Collaborative").

The wording of the About page is the Collaborative's, kept as published. The
privacy notice is a starter text, true of this site as built, that the
Collaborative completes (it says so at the top); the accessibility statement
is filled in from the site's own accessibility audit.
Where the source leaves a gap (the contact e-mail address was removed), the
field stays empty.
"""

from django.conf import settings

from .models import FooterLink, HomePage, SiteSettings, StandardPage

INTRODUCTION = (
    "The National Mental Health Workforce Development Collaborative is a voluntary group of "
    "mental health Trusts that have come together to focus on strategic mental health "
    "workforce development issues."
)

CONTACT_NAME = "Joanna Daci"
CONTACT_ROLE = "Programme Operations Manager"


def heading(text, level=2):
    return {"type": "heading", "value": {"text": text, "level": str(level)}}


def paragraph(html):
    return {"type": "paragraph", "value": html}


def bullets(*items):
    return paragraph("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")


def inset_text(html):
    return {"type": "inset_text", "value": {"body": html}}


def page_link(page, text):
    """A rich text link to a page, which follows the page if it moves."""
    return f'<a linktype="page" id="{page.pk}">{text}</a>'


def warning(title, html):
    return {"type": "warning_callout", "value": {"title": title, "heading_level": 2, "body": html}}


def contact_details():
    return {"type": "contact_details", "value": None}


ABOUT_BODY = [
    heading("Reasons for collaboration"),
    paragraph(
        "<p>The Collaborative was designed in December 2016 and signed off by the seven Trusts "
        "in April 2017. There are factors which make collaboration in the area of mental health "
        "workforce transformation attractive:</p>"
    ),
    bullets(
        "All providers face major challenges in sustaining and developing their workforce at a "
        "time of major financial pressure.",
        "To support the implementation of the Five Year Forward View for Mental Health and the "
        "subsequent the NHS Long Term Plan, the Interim NHS People Plan which creates "
        "requirements for the major expansion and development of the mental health workforce.",
        "To meet the need to raise the profile and voice of mental health education and training "
        "and workforce issues at a time when the agenda can be dominated by issues of acute "
        "providers, hence supporting the parity of esteem between MH and Physical Health "
        "providers",
        "There is an ongoing need to facilitate the transfer of consistent best practice between providers",
        "To support the delivery of high-quality standards of education, training and workforce "
        "development, with appropriate evaluation approaches",
    ),
    paragraph(
        "<p>These trusts form a steering group of the Collaborative. They invited all MH trusts "
        "in the country to join the Collaborative. The Trusts found the Collaborative as an "
        "important way of sharing intelligence and good practice on strategic mental health "
        "workforce issues. The Collaborative has also provided a helpful means of engaging with "
        "Health Education England and other national bodies e.g. Mental Health Nursing, NHS "
        "Employers, regulators, particularly CQC.</p>"
    ),
    heading("Mental Health Workshops schedule 2020"),
    paragraph(
        "<p>It was agreed that the Collaborative mental health workshop would be organised on a "
        "quarterly basis for strategic leaders. The Collaborative workshop sessions are open to "
        "all NHS Trusts in England, that provide MH services. However, the workshop attendees "
        "will be limited to 50 spaces, taking into consideration the administration arrangements "
        "and costs. The future forums will be connecting with other relevant groups and national "
        "bodies e.g. Mental Health Nursing, NHS Employers, regulators, particularly CQC. The "
        "meetings would be held in rotation at three venues one in each of London, Birmingham "
        "and Manchester. The schedule of the Collaborative meetings is:</p>"
    ),
    {
        "type": "table",
        "value": {
            "table_caption": "Schedule of the Collaborative meetings, 2020",
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "data": [
                ["Date", "Venue"],
                ["5 March 2020", "30 Euston Square, London NW1 2FB"],
                ["14 May 2020", "The Studio, 7 Cannon Street, Birmingham, B2 5EP"],
                ["15 September 2020", "Tavistock and Portman NHS FT, 120 Belsize Lane, London NW3 5BS"],
                ["19 November 2020", "Malmaison Hotel, 1-3 Piccadilly, Manchester M1 3AQ"],
            ],
        },
    },
]

CONTACT_BODY = [
    paragraph(f"<p>For further information and booking details, please contact {CONTACT_NAME}, {CONTACT_ROLE}.</p>"),
    contact_details(),
]

PRIVACY_BODY = [
    warning(
        "This notice is a draft",
        "<p>It describes what this website does with personal information. Before the site is "
        "launched, the Collaborative's data protection lead adds the data controller's name and "
        "contact details and confirms the lawful basis and how long information is kept.</p>",
    ),
    heading("Who we are"),
    paragraph(
        "<p>The National Mental Health Workforce Development Collaborative is a voluntary group "
        "of NHS mental health trusts in England. This notice explains what personal information "
        "this website collects, why, and what your rights are.</p>"
    ),
    heading("What we collect"),
    paragraph(
        "<p>You can read this website without telling us who you are. We collect personal "
        "information only when you give it to us: when you book a place at a workshop we ask for "
        "your name, work email address, job title and organisation, any accessibility, "
        "communication or dietary needs you choose to tell us about, and the answers to any other "
        "questions on that workshop's booking form. We record when you booked, that you agreed to "
        "this notice, and the emails we send you about your booking.</p>"
    ),
    paragraph(
        "<p>On the day we record whether you attended: staff mark you as arrived at the door, or, "
        "for an online place, find your email address in the attendance list of the "
        "videoconference service. If a colleague gives you their place, they give us your name, "
        "work email address, job title and organisation, and we email you to tell you. If you give "
        "your place to a colleague, we keep a note that you did.</p>"
    ),
    heading("After the workshop"),
    paragraph(
        "<p>After the workshop we email you once. If you attended, the email has its presentations, "
        "a link to give feedback and a link to your certificate of attendance; if you booked and did "
        "not attend, it has the presentations only. When the workshop's report is published, we "
        "email the people who attended once more to tell them.</p>"
    ),
    paragraph(
        "<p>Your feedback is anonymous. We record that you have given it, so that each person answers "
        "once, but not which answers are yours, and we keep only the day it arrived. If you choose to "
        "put your name to your feedback, we keep your name with your answers.</p>"
    ),
    paragraph(
        "<p>Your certificate of attendance shows your name, job title and organisation, the workshop "
        "and its date, and a verification code. Anyone you give the code to can check on this website "
        "that the certificate is genuine: they see your name, the workshop and its date, and nothing "
        "else.</p>"
    ),
    heading("Why we use it"),
    paragraph(
        "<p>We use it to run the workshop you booked: to confirm your place, send a calendar "
        "invitation and a reminder, tell you about changes, manage the waiting list and meet your "
        "needs on the day, and to count how many people from each organisation booked and "
        "attended our workshops. We do not use it for marketing and we do not sell or share it.</p>"
    ),
    heading("Who can see it"),
    paragraph(
        "<p>Only the Collaborative's staff who organise workshops. The workshop's booking contact "
        "is emailed your name, job title, organisation and email address when you book or cancel. Your "
        "accessibility, communication and dietary needs are left out of the booking lists staff "
        "download, unless they need them to arrange the day.</p>"
    ),
    heading("How long we keep it"),
    paragraph(
        "<p>We erase your booking details one year after the workshop, keeping only a count of "
        "who booked and attended. You can change how you attend, give your place to a colleague or "
        "cancel it until the workshop starts, with the link in your confirmation email.</p>"
    ),
    paragraph(
        "<p>Your certificate can be checked on this website until then; the certificate you "
        "downloaded stays yours. Feedback is kept without names: a name you gave with it is erased "
        "with your booking details.</p>"
    ),
    heading("Cookies"),
    paragraph(
        "<p>This website sets no cookies while you read it. When you fill in a form it sets one "
        "strictly necessary security cookie (csrftoken), which protects the form from misuse. "
        "Staff who sign in to edit the site also get a session cookie (sessionid). We do not use "
        "analytics or advertising cookies.</p>"
    ),
    heading("Your rights"),
    paragraph(
        "<p>You can ask to see the personal information we hold about you, to have it corrected, "
        "or to have it deleted. If you are unhappy with how we have used your information, you "
        'can <a href="https://ico.org.uk/make-a-complaint/">complain to the Information '
        "Commissioner's Office (ICO)</a>.</p>"
    ),
    heading("Contact us"),
    contact_details(),
]

# Filled in from the site's own accessibility audit (tests/browser/
# test_accessibility_audit.py and test_keyboard_journey.py), run on every
# change; what it cannot vouch for is said plainly.
ACCESSIBILITY_PREPARED = "24 November 2026"
ACCESSIBILITY_REVIEWED = "29 November 2026"
ACCESSIBILITY_BODY = [
    paragraph(
        "<p>We want as many people as possible to be able to use this website. For example, "
        "that means you should be able to:</p>"
    ),
    bullets(
        "change colours, contrast levels and fonts using your browser or device settings",
        "zoom in up to 400% without the text spilling off the screen",
        "navigate the whole website, including booking a place at a workshop, using just a keyboard",
    ),
    paragraph(
        "<p>The website is built with the NHS.UK design system, whose components are designed and "
        "tested to meet the Web Content Accessibility Guidelines (WCAG) 2.2 AA standard.</p>"
    ),
    heading("How accessible this website is"),
    paragraph("<p>We know some parts of this website are not fully accessible, or have not been checked:</p>"),
    bullets(
        "documents to download, such as PDF or Word files that may be attached to reports (none "
        "is published yet), are not covered by the tests described below, and may not work well "
        "with a screen reader",
        "videoconferences take place on a conferencing service that is not part of this website, "
        "and this statement does not cover it",
        "links to maps of venues open OpenStreetMap, another organisation's website",
    ),
    heading("Feedback and contact information"),
    paragraph(
        "<p>If you need information on this website in a different format, such as an accessible "
        "PDF, large print, easy read, audio recording or braille, contact us and say which format "
        "you need. When you book a place at a workshop you can also tell us about any access or "
        "communication needs you have for the day, such as a hearing loop or a British Sign "
        "Language interpreter.</p>"
    ),
    contact_details(),
    heading("Reporting accessibility problems with this website"),
    paragraph(
        "<p>We are always looking to improve the accessibility of this website. If you find any "
        "problems not listed on this page or think we are not meeting accessibility requirements, "
        "contact us using the details above. Tell us the web address of the page and what went "
        "wrong.</p>"
    ),
    heading("Enforcement procedure"),
    paragraph(
        "<p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the "
        "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
        "Regulations 2018 (the 'accessibility regulations'). If you are not happy with how we "
        'respond to your complaint, <a href="https://www.equalityadvisoryservice.com/">contact '
        "the Equality Advisory and Support Service (EASS)</a>.</p>"
    ),
    heading("Technical information about this website's accessibility"),
    paragraph(
        "<p>The Collaborative is committed to making its website accessible, in accordance with "
        "the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
        "Regulations 2018.</p>"
    ),
    heading("Compliance status", level=3),
    paragraph(
        "<p>This website is partially compliant with the Web Content Accessibility Guidelines "
        "version 2.2 AA standard, due to the non-compliances listed below. Every page of the "
        "website itself passed our tests; documents to download are not covered by them.</p>"
    ),
    heading("Non-accessible content", level=3),
    heading("Non-compliance with the accessibility regulations", level=4),
    paragraph(
        "<p>Documents to download, such as PDF or Word files attached to reports (none is "
        "published yet), may not be "
        "tagged or structured so that a screen reader can read them in order, with their headings "
        "and tables (this may fail WCAG 2.2 success criteria 1.3.1 info and relationships and "
        "2.4.2 page titled). If you need a document in another format, contact us and say which "
        "format you need.</p>"
    ),
    heading("Content that's not within the scope of the accessibility regulations", level=4),
    paragraph(
        "<p>The accessibility regulations do not require us to fix third-party content that we "
        "do not pay for, develop or control, such as OpenStreetMap, the map website that the "
        "links to venues' maps open.</p>"
    ),
    heading("What we're doing to improve accessibility"),
    paragraph(
        "<p>Every change to the website is tested before it goes live, as described below. The "
        "people who publish on this website have an accessibility checker in their editing tools, "
        "which points out problems such as missing alternative text for images and headings out "
        "of order before a page is published.</p>"
    ),
    heading("Preparation of this accessibility statement"),
    paragraph(
        f"<p>This statement was prepared on {ACCESSIBILITY_PREPARED} and last reviewed on "
        f"{ACCESSIBILITY_REVIEWED}. The team that builds the website runs the tests below on "
        "every change to it, before the change goes live. It has not yet been tested with people "
        "who use screen readers or speech recognition software.</p>"
    ),
    paragraph(
        "<p>We tested every type of page and every state a visitor can meet: the home page, "
        "general pages, the News and events listing with each of its filters, news items, "
        "workshops (going ahead, cancelled, moved online and fully booked), the booking form "
        "(empty, with errors and for the waiting list), booking confirmations, cancelling a "
        "place, reports, search and the page shown when a page is not found. Each was tested in "
        "the Chromium browser at desktop and mobile phone widths:</p>"
    ),
    bullets(
        "with the axe-core automated checker, against every WCAG 2.0, 2.1 and 2.2 A and AA rule "
        "it covers: no problems were found",
        "for page structure: one main heading, no skipped heading levels, page titles, the page "
        "language, landmarks, link text, table headers and image descriptions",
        "at 320 pixels wide and at 200% zoom, for text that spills off the screen",
        "by booking a place from the home page with the keyboard alone, checking that the "
        "keyboard focus can always be seen and that form errors take you to the question to fix",
    ),
    paragraph(
        "<p>Automated tests find only some accessibility problems, which is why we also ask for your feedback.</p>"
    ),
]


def load(loader):
    home = loader.ensure_home_page(
        HomePage,
        site_name=settings.WAGTAIL_SITE_NAME,
        title="Home",
        hero_heading=settings.WAGTAIL_SITE_NAME,
        introduction=INTRODUCTION,
        seo_title="",
        search_description=INTRODUCTION,
    )
    loader.ensure_page(
        home,
        StandardPage,
        "about",
        title="About the Collaborative",
        introduction=INTRODUCTION,
        body=ABOUT_BODY,
        show_in_menus=True,
        listing_summary=(
            "Why the Collaborative exists, who it is for, and its quarterly workshops for strategic leaders."
        ),
    )
    contact = loader.ensure_page(
        home,
        StandardPage,
        "contact-us",
        title="Contact us",
        introduction="Contact the Collaborative about its workshops, bookings and reports.",
        body=CONTACT_BODY,
        show_in_menus=True,
    )
    privacy = loader.ensure_page(
        home,
        StandardPage,
        "privacy-notice",
        title="Privacy notice",
        introduction="How this website uses your personal information.",
        body=PRIVACY_BODY,
    )
    accessibility = loader.ensure_page(
        home,
        StandardPage,
        "accessibility-statement",
        title="Accessibility statement",
        introduction=f"This accessibility statement applies to the {settings.WAGTAIL_SITE_NAME} website.",
        body=ACCESSIBILITY_BODY,
    )
    _fill_site_settings(home, contact, [privacy, accessibility, contact])


def _fill_site_settings(home, contact, footer_pages):
    """Fill in only what is still blank: the settings are the editors' once they touch them."""
    site = home.get_site()
    site_settings = SiteSettings.for_site(site)
    defaults = {"contact_name": CONTACT_NAME, "contact_role": CONTACT_ROLE}
    changed = False
    for name, value in defaults.items():
        if not getattr(site_settings, name):
            setattr(site_settings, name, value)
            changed = True
    if site_settings.contact_page_id is None:
        site_settings.contact_page = contact
        changed = True
    if not site_settings.default_meta_description:
        site_settings.default_meta_description = INTRODUCTION
        changed = True
    if changed:
        site_settings.save()
    if not site_settings.footer_links.exists():
        FooterLink.objects.bulk_create(
            FooterLink(settings=site_settings, link_page=page, sort_order=index)
            for index, page in enumerate(footer_pages)
        )
