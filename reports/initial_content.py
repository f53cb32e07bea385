"""
The Reports section, with the one report the Collaborative's texts describe:
the workshop report on 'Thriving at Work' (February 2018). The texts say what
the report is for and what the workshop covered, but give no findings, no
publication date and no file, so the page says only that, offers no
document, and says first that the full report is not yet on this site and
whom to ask for it (the site's contact details, from its settings).
"""

from events.models import EventPage, NewsAndEventsIndexPage, NewsPage
from home.initial_content import contact_details, heading, inset_text, page_link, paragraph
from home.models import HomePage, SiteSettings

from .models import ReportIndexPage, ReportPage, ReportRelatedPage


def load(loader):
    home = HomePage.objects.get()
    index = loader.ensure_page(
        home,
        ReportIndexPage,
        "reports",
        title="Reports",
        introduction=(
            "Reports from the Collaborative's workshops, to help NHS mental health trusts in England compare "
            "their practice and plan their workforce."
        ),
        show_in_menus=True,
    )
    _after_news_and_events_in_menu(home, index)

    events = NewsAndEventsIndexPage.objects.get()
    workshop = EventPage.objects.child_of(events).get(slug="thriving-at-work-workshop")
    news = NewsPage.objects.child_of(events).get(slug="thriving-at-work-report")
    contact_page = SiteSettings.for_site(home.get_site()).contact_page
    loader.ensure_page(
        index,
        ReportPage,
        "thriving-at-work",
        title="Thriving at Work: the Collaborative workshop report",
        publication_date=None,
        summary=(
            "The workshop report is intended to assist NHS organisation in measuring current practice against the "
            "recommendations, and to share good practice in developing plans to meet the Stevenson and Farmer’s "
            "recommendations."
        ),
        authors="National Mental Health Workforce Development Collaborative",
        body=[
            heading("Getting the full report"),
            inset_text(
                "<p>The full report is not yet published on this website. To ask for a copy, "
                f"{page_link(contact_page, 'contact us')}.</p>"
            ),
            contact_details(),
            heading("The workshop"),
            paragraph(
                "<p>In February 2018, the unit organised a workshop for HR Directors. The Collaborative workshop "
                "considered how to adopt the recommendations from Thriving at Work report, commissioned by the "
                "Prime Minister and led by Dennis Stevenson and Paul Farmer.</p>"
            ),
            paragraph(
                "<p>HR directors and staff health and wellbeing leads from the Collaborative came together to "
                "workshop strategic and operational approaches to implementing the core and enhanced standards "
                "from the Stevenson and Farmer’s report.</p>"
            ),
            heading("What the report is for"),
            paragraph(
                "<p>The workshop report is intended to assist NHS organisation in measuring current practice "
                "against the recommendations, and to share good practice in developing plans to meet the "
                "Stevenson and Farmer’s recommendations.</p>"
            ),
        ],
        workshop=workshop,
        related_pages=[ReportRelatedPage(page=news)],
    )


def _after_news_and_events_in_menu(home, index):
    """Reports come straight after News and events in the menu."""
    news_and_events = home.get_children().type(NewsAndEventsIndexPage).first()
    if news_and_events is None:
        return
    next_sibling = news_and_events.get_next_sibling()
    if next_sibling is not None and next_sibling.pk != index.pk:
        index.move(news_and_events, pos="right")
