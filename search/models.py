from django.core.exceptions import ValidationError
from django.db import models
from wagtail.search import index


class SearchSynonym(index.Indexed, models.Model):
    """
    A term the Collaborative's readers use for something else, and what it
    stands for: an abbreviation ("PTSD") and its words ("Post Traumatic
    Stress Disorder"), or two names for one thing ("COVID-19",
    "coronavirus"). A search for any of them finds pages that use the
    others (search/language.py). Editors keep the list under Settings >
    Search synonyms.
    """

    term = models.CharField(
        max_length=100,
        unique=True,
        help_text='The abbreviation or short name, as people type it, e.g. "HEE" or "PTSD".',
    )
    stands_for = models.TextField(
        help_text=(
            'What the term stands for, one per line, e.g. "Health Education England". A search for the term '
            "finds pages that use any of these, and a search for one of these finds pages that use the term."
        ),
    )

    search_fields = [index.SearchField("term"), index.SearchField("stands_for"), index.AutocompleteField("term")]

    class Meta:
        ordering = ["term"]
        verbose_name = "search synonym"

    def __str__(self):
        return f"{self.term}: {', '.join(self.meanings)}"

    @property
    def meanings(self):
        return [line.strip() for line in self.stands_for.splitlines() if line.strip()]

    def clean(self):
        from .language import STOP_WORDS, words_of

        self.term = " ".join(self.term.split())
        if not words_of(self.term):
            raise ValidationError({"term": "Give a term with at least one letter or digit."})
        if all(word in STOP_WORDS for word in words_of(self.term)):
            raise ValidationError(
                {
                    "term": f"Search leaves out common words such as “{self.term.lower()}”, so this term cannot be "
                    "searched for. Give a longer form of it instead."
                }
            )
        meanings = self.meanings
        if not meanings:
            raise ValidationError({"stands_for": "Give at least one thing the term stands for."})
        if any(not words_of(meaning) for meaning in meanings):
            raise ValidationError({"stands_for": "Each line needs at least one letter or digit."})
        if any(words_of(meaning) == words_of(self.term) for meaning in meanings):
            raise ValidationError({"stands_for": "A line repeats the term itself: give what it stands for."})
        self.stands_for = "\n".join(meanings)
