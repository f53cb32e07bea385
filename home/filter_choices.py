"""
The choices of a listing's year and topic filters (News and events, Reports),
read from the live content on every request in a few queries whose cost does
not grow with the number of pages.

Read afresh rather than kept: a page published, unpublished or made private
changes them at once, with nothing to invalidate. Kept with the page cache's
remembered() they would follow only its "everything" generation, which
publishing a news item or a report does not move (only its page type's
scope), so a new year or topic would be missing until some other change;
and without a shared cache remembered() keeps nothing beyond the request.

Each query walks an index and stops at the first live, public page it
finds: one per year (between the oldest and the newest date) and one per
tag, never one per page.
"""

from django.db.models import Exists, OuterRef, Subquery
from taggit.models import Tag
from wagtail.models import Page


def _date_field(dates):
    (field,) = dates.query.values_select
    return field


def years_with(anchor, *dates):
    """
    Every year in which one of `dates` falls, newest first. Each of `dates`
    is a page queryset of one date column, ordered newest first as its index
    is (`pages.order_by("-date").values("date")`), so that its newest and
    oldest dates are each one step down that index. Two queries in all,
    asked on the `anchor` page's own row.
    """
    row = Page.objects.filter(pk=anchor.pk)
    bounds = {}
    for number, newest_first in enumerate(dates):
        dated = newest_first.exclude(**{_date_field(newest_first): None})
        bounds[f"newest_{number}"] = Subquery(dated[:1])
        bounds[f"oldest_{number}"] = Subquery(dated.reverse()[:1])
    found = [day for day in row.annotate(**bounds).values_list(*bounds).get() if day is not None]
    if not found:
        return []
    years = range(max(found).year, min(found).year - 1, -1)
    # One EXISTS per year and queryset: each stops at its year's first page.
    in_year = {
        f"in_{year}_{number}": Exists(pages.filter(**{f"{_date_field(pages)}__year": year}))
        for year in years
        for number, pages in enumerate(dates)
    }
    flags = dict(zip(in_year, row.annotate(**in_year).values_list(*in_year).get(), strict=True))
    return [year for year in years if any(flags[f"in_{year}_{number}"] for number in range(len(dates)))]


def topics_of(pages):
    """
    The tags (slug, name) of `pages`, by name, for a topic filter: pages whose
    tags are in `tagged_items` (a TaggedItemBase through model). One query:
    each tag looks for one page of `pages` carrying it.
    """
    used = Exists(pages.filter(tagged_items__tag=OuterRef("pk")))
    return list(Tag.objects.filter(used).order_by("name").values_list("slug", "name"))
