from django.shortcuts import redirect
from django.templatetags.static import static


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's own icon links say."""
    return redirect(static("wagtailnhsukfrontend/favicons/favicon.ico"), permanent=True)
