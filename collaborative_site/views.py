from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Page

from events.models import NewsAndEventsIndexPage
from events.views import public_page_at
from home import page_cache

from .feeds import NewsAndEventsFeed


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's own icon links say."""
    return redirect(static("wagtailnhsukfrontend/favicons/favicon.ico"), permanent=True)


def robots_txt(request):
    """Keeps crawlers out of the admin and the booking links. Touches no database."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /bookings/",
        # The public address, as the sitemap's own entries give it (Wagtail
        # makes them from the Site record that SITE_URL is written into).
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def sitemap(request):
    """Wagtail's sitemap.xml: every public page, so any page published refreshes it in the page cache."""
    page_cache.shows(Page)
    return wagtail_sitemap(request)


def news_and_events_feed(request, page_path):
    return NewsAndEventsFeed(public_page_at(request, page_path, NewsAndEventsIndexPage))(request)
