"""System checks (`manage.py check`, and `check --deploy`) for the settings home/ relies on."""

from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches)
def check_page_cache_is_shared(app_configs, **kwargs):
    """A page cache in each process's own memory serves a page made private elsewhere for PAGE_CACHE_SECONDS."""
    seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
    if not seconds or getattr(settings, "SHARED_CACHE", False):
        return []
    return [
        checks.Warning(
            f"PAGE_CACHE_SECONDS is {seconds} but the cache is not shared (REDIS_URL is not set): each process "
            f"keeps its own copy of public pages, and a change made in another process (another gunicorn worker, "
            f"manage.py, a cron job such as publish_scheduled), including making a page private, may take up to "
            f"{seconds} seconds to show.",
            hint="Set REDIS_URL to a Redis every process uses, or leave PAGE_CACHE_SECONDS unset (0) without one.",
            id="home.W001",
        )
    ]


@checks.register(checks.Tags.urls, deploy=True)
def check_public_address(app_configs, databases=None, **kwargs):
    """
    Every full link the site gives out (e-mails, the sitemap, feeds, calendar
    files, og:url, canonical links) is made from the default Site record,
    which load_initial_content writes from SITE_URL: before going live, both
    must name the public address, or every such link is dead.
    """
    from django.db import DatabaseError
    from wagtail.models import Site

    from home.site_address import is_local

    errors = []
    if is_local(urlsplit(settings.SITE_URL).hostname):
        errors.append(
            checks.Error(
                f"SITE_URL is {settings.SITE_URL}, an address only this machine can reach: links in booking "
                f"e-mails, the sitemap, feeds and calendar files would be dead for everyone else.",
                hint="Set SITE_URL to the site's public address, such as https://www.example.org.",
                id="home.E001",
            )
        )
    try:
        site = Site.objects.filter(is_default_site=True).first()
    except DatabaseError as error:
        return [
            *errors,
            checks.Error(
                f"The site's address could not be read from the database ({error.__class__.__name__}: {error}).",
                hint="Run manage.py migrate and manage.py load_initial_content, then check again.",
                id="home.E002",
            ),
        ]
    if site is None or site.root_url != settings.SITE_URL:
        found = "there is no default Site" if site is None else f"the default Site is {site.root_url}"
        errors.append(
            checks.Error(
                f"SITE_URL is {settings.SITE_URL} but {found}: Wagtail makes the sitemap's and pages' full "
                f"links from the Site, so they would point elsewhere.",
                hint="Run manage.py load_initial_content, which writes SITE_URL into the Site record "
                "(it never changes a page an editor has saved).",
                id="home.E003",
            )
        )
    return errors


@checks.register(deploy=True)
def check_sender_address(app_configs, **kwargs):
    """Booking e-mails sent from a local address cannot be answered, and many mail servers refuse them."""
    from home.site_address import is_local

    errors = []
    names = ["DEFAULT_FROM_EMAIL"]
    if settings.SERVER_EMAIL != settings.DEFAULT_FROM_EMAIL:
        names.append("SERVER_EMAIL")
    for name in names:
        address = parseaddr(getattr(settings, name, ""))[1]
        domain = address.rpartition("@")[2]
        if not domain or is_local(domain):
            errors.append(
                checks.Error(
                    f"{name} is {address or 'empty'}: e-mails from the site would come from an address nobody "
                    f"can reply to, and many mail servers refuse them.",
                    hint=f"Set {name} to an address of the Collaborative's, such as workshops@example.org.",
                    id="home.E004",
                )
            )
    return errors


@checks.register(deploy=True)
def check_contact_details(app_configs, **kwargs):
    """
    The contact page, the report page (how to ask for the full report) and
    the accessibility statement tell visitors to contact the Collaborative
    through the site settings' contact details: without an e-mail address or
    a telephone number, they lead nowhere. The source texts had the address
    removed, so the initial content cannot fill it in.
    """
    from django.db import DatabaseError
    from wagtail.models import Site

    from home.models import SiteSettings

    try:
        site = Site.objects.filter(is_default_site=True).first()
        contact = SiteSettings.for_site(site) if site else None
    except DatabaseError:
        return []  # check_public_address reports the database
    if contact is None or contact.contact_email or contact.contact_phone:
        return []
    return [
        checks.Warning(
            "The site settings have no contact e-mail address or telephone number: the pages that tell visitors to "
            "contact the Collaborative (the contact page, the Thriving at Work report, the accessibility statement) "
            "give them no way to.",
            hint="Add them in the admin under Settings > Site settings.",
            id="home.W002",
        )
    ]
