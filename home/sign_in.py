"""
Signing in to the admin, against password guessing (django-axes, configured
in settings/base.py): the address an attempt is recorded against, the page a
locked-out person sees, and unlocking an account.
"""

import ipaddress
import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib import messages
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext

from .client_address import client_address


def attempt_address(request):
    """
    The address a failed sign-in is recorded against, read as the booking
    rate limit reads it. None when a proxy wrote something that is not an
    address (one that adds the port, say): the record then goes without it
    rather than the sign-in page failing.
    """
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def minutes_until_unlocked(request, credentials):
    """
    Minutes until the username may try again: the cool-off counts from its
    latest recorded failure (tries while locked are not recorded, so they do
    not restart it).
    """
    username = get_client_username(request, credentials)
    latest = AccessAttempt.objects.filter(username=username).aggregate(latest=Max("attempt_time"))["latest"]
    now = timezone.now()
    unlocked_at = (latest or now) + get_cool_off(request)
    return max(1, math.ceil((unlocked_at - now).total_seconds() / 60))


def locked_out_response(request, original_response=None, credentials=None):
    """
    The admin's own sign-in page, saying what happened and what to do. It is
    the same for every username, real or not, and names neither the username
    nor the number of tries allowed. (axes' own JSON answer to scripts would
    give both, so scripts get this page too.)
    """
    from wagtail.admin.views.account import get_user_login_form, password_reset_enabled

    minutes = minutes_until_unlocked(request, credentials)
    messages.error(
        request,
        ngettext(
            "Too many failed attempts to sign in with this username. To keep the account safe, please try "
            "again in %(minutes)d minute, or ask an administrator to unlock your account.",
            "Too many failed attempts to sign in with this username. To keep the account safe, please try "
            "again in %(minutes)d minutes, or ask an administrator to unlock your account.",
            minutes,
        )
        % {"minutes": minutes},
    )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    response = render(
        request,
        "wagtailadmin/login.html",
        {
            "form": get_user_login_form()(request),
            "next": next_url,
            "show_password_reset": password_reset_enabled(),
        },
        status=429,
    )
    add_never_cache_headers(response)
    return response


def unlock(username):
    """Forget a username's failed sign-ins, lifting any lockout; the number of records removed."""
    return reset(username=username)
