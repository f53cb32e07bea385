"""
The search synonyms the Collaborative's own texts call for
(../shared/seeds/): each pairs a term its readers type with what it stands
for, and in each pair the texts use at least one side, as written there
(docs/content-sources.md, "Search synonyms", says which and where). They
are loaded once, into an empty list: from then on editors keep it, and a
term they changed or deleted stays so.
"""

from .models import SearchSynonym

# (term, what it stands for: one or more), in the texts' spelling.
SYNONYMS = [
    # "MH Trusts", "parity of esteem between MH and Physical Health providers"; "mental health" throughout.
    ("MH", ["mental health"]),
    # "Health Education England" six times; readers type HEE.
    ("HEE", ["Health Education England"]),
    # "Presentation by Public Health England".
    ("PHE", ["Public Health England"]),
    # "regulators, particularly CQC".
    ("CQC", ["Care Quality Commission"]),
    # "engagement with STPs and ICS".
    ("STP", ["Sustainability and Transformation Partnership"]),
    ("ICS", ["Integrated Care System"]),
    # "the COVID-19 (coronavirus) outbreak", and "COVID 19" without its hyphen.
    ("COVID-19", ["coronavirus"]),
    # "Director of HR", "a workshop for HR Directors".
    ("HR", ["human resources"]),
    # "Director of Organisational Development / Training".
    ("OD", ["Organisational Development"]),
    # "It is important to understand 'Post Traumatic Stress Disorder'".
    ("PTSD", ["Post Traumatic Stress Disorder"]),
]


def load(loader):
    load_synonyms(SearchSynonym)


def load_synonyms(model):
    """
    The synonyms, into an empty list (the model as it is, or as a migration
    knows it: search/migrations/0005 gives a site that had none the list).
    """
    if model.objects.exists():
        # Editors keep the list from here on: a term they deleted stays deleted.
        return
    model.objects.bulk_create(model(term=term, stands_for="\n".join(meanings)) for term, meanings in SYNONYMS)
