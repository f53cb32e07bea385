from wagtail import hooks

from home.moderation import PageViewSet

from .models import ReportIndexPage, ReportPage


@hooks.register("register_admin_viewset")
def give_report_page_types_their_icons():
    return [
        PageViewSet("report_index_page", model=ReportIndexPage, icon="folder-open-inverse"),
        PageViewSet("report_page", model=ReportPage, icon="clipboard-list"),
    ]
