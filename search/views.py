import unicodedata

from django.template.response import TemplateResponse
from wagtail.models import Page

from home.pagination import paginate

RESULTS_PER_PAGE = 10
# Longer queries are cut rather than refused: nobody types more, and it keeps
# the search backend's work bounded.
MAX_QUERY_LENGTH = 255


def clean_query(raw_query):
    """
    What a visitor typed, made safe to hand to any search backend: control
    and formatting characters dropped, double quotes (which SQLite's
    full-text syntax would read as an unfinished phrase) turned into spaces,
    white space folded, and the length capped.
    """
    characters = (" " if char == '"' or char.isspace() else char for char in raw_query)
    printable = "".join(char for char in characters if unicodedata.category(char) not in {"Cc", "Cf"})
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


def search(request):
    """Search every live, public page on the site, most relevant first."""
    query = clean_query(request.GET.get("q", ""))
    results_page = None
    if query:
        results = Page.objects.live().public().specific().search(query)
        results_page = paginate(request, results, RESULTS_PER_PAGE)

    return TemplateResponse(
        request,
        "search/search.html",
        {"search_query": query, "search_results": results_page, "title": "Search"},
    )
