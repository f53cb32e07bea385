"""Template tags the Reports section lends to other pages, such as the home page."""

from django import template

from home import page_cache
from home.restrictions import private_q
from reports.models import NEWEST_FIRST, NOT_ON_REPORT_CARDS, ReportPage

register = template.Library()


@register.simple_tag
def latest_reports(limit=3):
    page_cache.shows(ReportPage)
    return list(
        ReportPage.objects.live()
        .exclude(private_q())
        .select_related("cover_image")
        .defer(*NOT_ON_REPORT_CARDS)
        .order_by(*NEWEST_FIRST)[:limit]
    )
