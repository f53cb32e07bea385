"""
What search understands of what people type, on SQLite and PostgreSQL
alike: English word forms (both databases stem: search/migrations/0004
gives SQLite's full-text table the Porter stemmer, and settings give
PostgreSQL's search its English configuration, Snowball's later version of
Porter's, so a few words stem differently: on SQLite "news" also finds
"new"), the Collaborative's abbreviations and other names for things
(search.models.SearchSynonym, which editors keep), and the closest known
words for a typing slip.
"""

import difflib

import snowballstemmer
from wagtail.search.query import And, Or, Phrase, PlainText

# PostgreSQL's English stop words (its english.stop, from Snowball), which
# its search leaves out of every query. SQLite's Porter tokenizer has no
# stop words, so they are left out here for both: "why collaborate" then
# means the same on either database.
_STOP_WORDS_AS_TEXT = """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can did do does doing don down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own s same she
    should so some such t than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS_AS_TEXT.split())
# The longest term or meaning matched as a whole, in words.
LONGEST_TERM = 8
# How alike a word must be to a known one to be suggested instead (difflib's ratio).
SUGGESTION_CUTOFF = 0.8
# Words shorter than this are not corrected: too many short words are alike.
SHORTEST_CORRECTED = 4
# A query with more unknown words than this is not a typing slip: nothing is
# suggested (each word compared costs some milliseconds on a large site).
MOST_CORRECTED = 4


_english = snowballstemmer.stemmer("english")


def stem(word):
    """A word's English stem, as PostgreSQL's English configuration makes it: "collaborative" is "collabor"."""
    return _english.stemWord(word)


def words_of(text):
    """Lower-case words of letters and digits: "COVID-19" is ("covid", "19"), as both databases split it."""
    return tuple("".join(char.lower() if char.isalnum() else " " for char in text).split())


def word_key(word):
    """One typed word as it is looked up among the known words: "Malmaison," is "malmaison"."""
    return "".join(char.lower() for char in word if char.isalnum())


class Synonyms:
    """
    The editors' synonyms, as groups of phrases that mean the same: a term
    and what it stands for. Each phrase is a tuple of words.
    """

    def __init__(self, pairs):
        self.groups = {}
        for term, meanings in pairs:
            term_words = words_of(term)
            group = [term_words, *(words_of(meaning) for meaning in meanings)]
            if len(term_words) == 1 and len(term_words[0]) >= 3 and not term_words[0].endswith("s"):
                # An abbreviation's plural as written ("STPs"): PostgreSQL's
                # stemmer keeps a final s after no vowel. Not for two letters
                # ("HR", "hrs" for hours).
                group.append((term_words[0] + "s",))
            group = [phrase for phrase in group if phrase]
            for phrase in group:
                # A phrase in two entries ("HR" for two things) means all of them.
                known = self.groups.setdefault(phrase, [])
                known.extend(other for other in group if other not in known)

    def meanings_at(self, words, start):
        """The longest phrase with synonyms at words[start:], and its group; (0, None) if none."""
        for length in range(min(LONGEST_TERM, len(words) - start), 0, -1):
            phrase = words[start : start + length]
            if phrase in self.groups:
                return length, self.groups[phrase]
            # "STPs" is the plural of a term "STP".
            if length == 1 and phrase[0].endswith("s") and (phrase[0][:-1],) in self.groups:
                return 1, self.groups[(phrase[0][:-1],)]
        return 0, None

    def phrases(self):
        return list(self.groups)


def search_query(text, synonyms):
    """
    The query to hand to Wagtail's search for what was typed: every word
    (as Wagtail's database backends read a typed query), stop words left
    out, and each abbreviation or name with synonyms as any one of them (a
    name of several words as a phrase). None if nothing is left to search
    for (only stop words, or punctuation).
    """
    words = words_of(text)
    plain, groups = [], []
    position = 0
    while position < len(words):
        length, group = synonyms.meanings_at(words, position)
        if group:
            groups.append(group)
            position += length
            continue
        if words[position] not in STOP_WORDS:
            plain.append(words[position])
        position += 1
    parts = [PlainText(" ".join(plain), operator="and")] if plain else []
    for group in groups:
        choices = [PlainText(phrase[0]) if len(phrase) == 1 else Phrase(" ".join(phrase)) for phrase in group]
        parts.append(choices[0] if len(choices) == 1 else Or(choices))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


def suggestion(text, vocabulary):
    """
    What was typed with each word that is not a known word replaced by the
    closest known one ("workfroce planning": "workforce planning",
    "Malmasion": "Malmaison"), or None if no word was changed. vocabulary
    maps each known word, lower-cased, to the form it is shown in.
    """
    changed = False
    suggested = []
    unknown = 0
    closest = {}
    for word in text.split():
        key = word_key(word)
        if len(key) < SHORTEST_CORRECTED or key in vocabulary or key in STOP_WORDS or key.isdigit():
            suggested.append(word)
            continue
        if key not in closest:
            unknown += 1
            if unknown > MOST_CORRECTED:
                return None
            closest[key] = difflib.get_close_matches(key, vocabulary.keys(), n=1, cutoff=SUGGESTION_CUTOFF)
        close = closest[key]
        if not close:
            suggested.append(word)
            continue
        # As typed: all in lower case stays so, else as the word is known ("Malmaison").
        suggested.append(vocabulary[close[0]].lower() if word.islower() else vocabulary[close[0]])
        changed = True
    return " ".join(suggested) if changed else None
