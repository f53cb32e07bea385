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

from datetime import date

from django.db import connections
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.expressions import RawSQL
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
    oldest dates are each one step down that index. Two queries in all: the
    newest and oldest dates, asked on the `anchor` page's own row, then
    which of the years between have a page.
    """
    bounds = {}
    for number, newest_first in enumerate(dates):
        dated = newest_first.exclude(**{_date_field(newest_first): None})
        bounds[f"newest_{number}"] = Subquery(dated[:1])
        bounds[f"oldest_{number}"] = Subquery(dated.reverse()[:1])
    found = Page.objects.filter(pk=anchor.pk).annotate(**bounds).values_list(*bounds).get()
    found = [day for day in found if day is not None]
    if not found:
        return []
    years = range(max(found).year, min(found).year - 1, -1)
    # Each year is a row of a VALUES list, and each queryset one EXISTS on
    # it that stops at the year's first page: the database plans each
    # EXISTS once, where one subquery per year cost more to compile and plan
    # than to run. VALUES names its columns column1, column2... in SQLite
    # and PostgreSQL alike.
    checks, params = [], []
    for pages in dates:
        field = _date_field(pages)
        in_the_year = pages.order_by().filter(
            **{f"{field}__gte": RawSQL("year_range.column2", ()), f"{field}__lt": RawSQL("year_range.column3", ())}
        )
        sql, sql_params = in_the_year.values("pk")[:1].query.sql_with_params()
        checks.append(f"EXISTS({sql})")
        params.extend(sql_params)
    rows = ", ".join(["(%s, %s, %s)"] * len(years))
    year_params = [value for year in years for value in (year, date(year, 1, 1), date(year + 1, 1, 1))]
    # Only placeholders and the ORM's own compiled SQL go into the text; every value is a parameter.
    sql = f"SELECT year_range.column1 FROM (VALUES {rows}) AS year_range WHERE {' OR '.join(checks)}"  # noqa: S608
    with connections[dates[0].db].cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY year_range.column1 DESC", year_params + params)
        return [year for (year,) in cursor.fetchall()]


def topics_of(pages):
    """
    The tags (slug, name) of `pages`, by name, for a topic filter: pages whose
    tags are in `tagged_items` (a TaggedItemBase through model). One query:
    each tag looks for one page of `pages` carrying it.
    """
    used = Exists(pages.filter(tagged_items__tag=OuterRef("pk")))
    return list(Tag.objects.filter(used).order_by("name").values_list("slug", "name"))
