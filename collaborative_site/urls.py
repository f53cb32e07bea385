from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from collaborative_site import views as site_views
from events import views as events_views
from home import private_passwords, serving
from search import views as search_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's password forms for private pages and documents, at Wagtail's
    # addresses, with guessing limited: ahead of Wagtail's own routes to them.
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        private_passwords.authenticate_page_password,
    ),
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        private_passwords.authenticate_document_password,
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("bookings/", include("events.urls")),
    # The address printed on every certificate of attendance, to check it is genuine.
    path("certificates/", events_views.verify_certificate, name="certificate_lookup"),
    path("certificates/<str:code>/", events_views.verify_certificate, name="certificate_verify"),
    path("favicon.ico", site_views.favicon),
    path("robots.txt", site_views.robots_txt),
    path("sitemap.xml", site_views.sitemap),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Files that sit beside a page: /news-and-events/<event>/calendar.ics, /news-and-events/feed.xml.
    re_path(r"^(?P<page_path>(?:[\w\-]+/)*)calendar\.ics$", events_views.calendar_file, name="calendar_file"),
    re_path(r"^(?P<page_path>(?:[\w\-]+/)*)feed\.xml$", site_views.news_and_events_feed, name="news_feed"),
    # Wagtail's own routes (its sign-in page for private pages), then every
    # other address is a Wagtail page, served by Wagtail's own view from the
    # Site and page remembered until content changes (home/serving.py), at
    # Wagtail's address for it. This must stay last.
    *(route for route in wagtail_urls.urlpatterns if route.name != "wagtail_serve"),
    re_path(wagtail_urls.serve_pattern, serving.serve, name="wagtail_serve"),
]
