"""The search synonyms editors keep, under Settings beside Promoted search results."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import SearchSynonym


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "search"
    menu_label = "Search synonyms"
    add_to_settings_menu = True
    list_display = ["term", "stands_for"]
    ordering = ["term"]


register_snippet(SearchSynonymViewSet)
