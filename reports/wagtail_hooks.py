from wagtail import hooks

from home.admin_menu import SectionMenuItem
from home.moderation import PageViewSet

from .models import ReportIndexPage, ReportPage


@hooks.register("register_admin_viewset")
def give_report_page_types_their_icons():
    return [
        PageViewSet("report_index_page", model=ReportIndexPage, icon="folder-open-inverse"),
        PageViewSet("report_page", model=ReportPage, icon="clipboard-list"),
    ]


@hooks.register("register_admin_menu_item")
def register_reports_section_menu_item():
    # The site's Reports section; Wagtail's own reports menu is "Admin reports" (home/wagtail_hooks.py).
    return SectionMenuItem(
        "Reports", ReportIndexPage, name="reports-section", icon_name="folder-open-inverse", order=120
    )
