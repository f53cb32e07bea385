"""
The passwords of private pages and private document collections, against
guessing. Wagtail checks them in its own views, with no limit and no hook
to add one, so these wrap those views (collaborative_site/urls.py routes
Wagtail's addresses to them). After PAGE_PASSWORD_ATTEMPTS wrong passwords
from one client address for one restriction, within PAGE_PASSWORD_WINDOW
seconds of the first, even the right password is refused until the window
ends. Counting per address and per restriction means one person's typing
does not lock out an office behind the same NHS address, and a guesser
cannot lock a page for everyone.
"""

import logging
import math

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext
from wagtail import views as page_views
from wagtail.documents.views import serve as document_views
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction

from .client_address import client_address

logger = logging.getLogger(__name__)


class TooManyPasswordsForm(PasswordViewRestrictionForm):
    """
    Wagtail's password form, saying only that this visitor must wait. It
    never compares the password, so the page is the same whether the
    password given was right or wrong.
    """

    def __init__(self, *args, minutes, **kwargs):
        super().__init__(*args, **kwargs)
        self.minutes = minutes

    def clean_password(self):
        return ""

    def clean(self):
        # One message, whatever was typed (even nothing).
        self.errors.pop("password", None)
        self.add_error(
            "password",
            ngettext(
                "Too many wrong passwords. Wait %(minutes)d minute, then try again, "
                "or ask the person who sent you the link.",
                "Too many wrong passwords. Wait %(minutes)d minutes, then try again, "
                "or ask the person who sent you the link.",
                self.minutes,
            )
            % {"minutes": self.minutes},
        )


def _count_key(request, restriction):
    # A keyed hash, not the address itself: the cache holds no personal data.
    client = salted_hmac("home.private_passwords", client_address(request)).hexdigest()
    return f"private-password:{restriction._meta.label_lower}:{restriction.pk}:{client}"


def _count_attempt(key):
    """
    Count a password given for this key's restriction by its client: the
    number given in the window, and when the window ends (a timestamp).
    (0, None) if the cache is down: the visitor goes on unthrottled, which
    is better than nobody reaching private pages while Redis is away.
    """
    window = settings.PAGE_PASSWORD_WINDOW
    try:
        # The window opens at the first password given; when it closes is
        # kept beside the count, for the wait the visitor is told.
        cache.add(f"{key}:ends", timezone.now().timestamp() + window, timeout=window)
        cache.add(key, 0, timeout=window)
        try:
            attempts = cache.incr(key)
        except ValueError:
            # The count expired between add and incr: this is the first password of a new window.
            cache.set(key, 1, timeout=window)
            attempts = 1
        return attempts, cache.get(f"{key}:ends")
    except Exception:  # noqa: BLE001 (any failure of the cache server)
        logger.warning(
            "The cache is unavailable: passwords of private pages and documents are not being limited", exc_info=True
        )
        return 0, None


def _forget_attempts(key):
    try:
        cache.delete_many([key, f"{key}:ends"])
    except Exception:  # noqa: BLE001 (any failure of the cache server)
        logger.warning("The cache is unavailable: could not clear a count of private passwords", exc_info=True)


def _minutes_left(window_ends):
    if window_ends is None:
        return math.ceil(settings.PAGE_PASSWORD_WINDOW / 60)
    return max(1, math.ceil((window_ends - timezone.now().timestamp()) / 60))


def _limit_guesses(request, restriction, check_password, password_page):
    """
    Let Wagtail's view check the password (check_password()) unless this
    client has given too many for this restriction; then password_page(form)
    is the password page, refusing with a 429 that no cache may keep.
    Wagtail's view shows its form again for a wrong password and redirects
    for the right one, which clears the count.
    """
    if request.method != "POST":
        return check_password()
    key = _count_key(request, restriction)
    attempts, window_ends = _count_attempt(key)
    if attempts > settings.PAGE_PASSWORD_ATTEMPTS:
        form = TooManyPasswordsForm(request.POST, instance=restriction, minutes=_minutes_left(window_ends))
        response = password_page(form)
        response.status_code = 429
        add_never_cache_headers(response)
        return response
    response = check_password()
    if 300 <= response.status_code < 400:
        _forget_attempts(key)
    return response


def authenticate_page_password(request, page_view_restriction_id, page_id):
    """Wagtail's password form of a private page, with guessing limited."""
    restriction = get_object_or_404(PageViewRestriction, id=page_view_restriction_id)

    def password_page(form):
        page = get_object_or_404(Page, id=page_id).specific
        return page.serve_password_required_response(request, form, request.path)

    return _limit_guesses(
        request,
        restriction,
        lambda: page_views.authenticate_with_password(request, page_view_restriction_id, page_id),
        password_page,
    )


def authenticate_document_password(request, restriction_id):
    """Wagtail's password form of a private document collection, with guessing limited."""
    restriction = get_object_or_404(CollectionViewRestriction, id=restriction_id)

    def password_page(form):
        template = getattr(settings, "WAGTAILDOCS_PASSWORD_REQUIRED_TEMPLATE", "wagtaildocs/password_required.html")
        return TemplateResponse(request, template, {"form": form, "action_url": request.path})

    return _limit_guesses(
        request,
        restriction,
        lambda: document_views.authenticate_with_password(request, restriction_id),
        password_page,
    )
