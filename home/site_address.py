"""
The site's public address (settings.SITE_URL) and Wagtail's Site record,
which every full link is made from: Wagtail builds a page's full URL
(page.get_full_url(request), and so the sitemap's entries) from the Site's
hostname and port. Never from the Host a request came with: a cached page, a
feed or an e-mail made from one visitor's request is read by everyone else.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def site_hostname_and_port():
    """SITE_URL as a Site record holds it."""
    address = urlsplit(settings.SITE_URL)
    return address.hostname, address.port or DEFAULT_PORTS[address.scheme]


def point_site_at_public_address(site):
    """Write SITE_URL into the Site record; whether anything changed."""
    hostname, port = site_hostname_and_port()
    if (site.hostname, site.port) == (hostname, port):
        return False
    site.hostname, site.port = hostname, port
    return True


def is_local(hostname):
    """
    Whether only this machine or its own network could reach the host: a
    loopback, private or unspecified address (127.0.0.1, 10.0.0.7, 0.0.0.0,
    [::]), localhost, or a name with no domain (a machine's own name).
    """
    hostname = (hostname or "").strip("[]").lower()
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return "." not in hostname or hostname.endswith((".localhost", ".local", ".internal"))
    return address.is_private or address.is_loopback or address.is_unspecified or address.is_link_local
