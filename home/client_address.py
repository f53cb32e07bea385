"""The visitor's IP address, read the one way every part of the site reads it."""

from django.conf import settings


def client_address(request):
    """
    The visitor's IP address. Behind TRUSTED_PROXY_COUNT proxies it is the
    address the outermost trusted proxy saw, read from the right of
    X-Forwarded-For, so a visitor cannot pick their own by sending the header.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
