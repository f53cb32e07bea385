"""
The choices of a listing's year and topic filters (News and events, Reports),
read from the live content on every request in a few queries whose cost does
not grow with the number of pages.

With a shared cache they are remembered (remembered_choices) with the page
cache's scopes of the page types they are read from, which publishing one
moves on, as unpublishing, moving, deleting a page or making one private
moves everything: a new year or topic shows at once. Without one they are
read for every request.

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

from home.page_cache import once_per_request, page_type_scope, remembered, shows

# Changes clear them at once; this only bounds how long an unused list stays.
CHOICES_SECONDS = 60 * 60


def remembered_choices(name, listing, page_types, build):
    """
    The filter choices build() reads for `listing` from pages of
    `page_types`, remembered until one of those is published (or anything
    else changes everything). Their queries take ~5 ms of Python to build.
    Read once in a request however often asked (a listing validates its
    filters with them, then shows them inside a remembered part), and said
    to be shown each time: each part that shows them depends on their page
    types.
    """
    shows(*page_types)
    scopes = [page_type_scope(page_type) for page_type in page_types]
    name = f"filter-choices:{name}:{listing.pk}"
    return once_per_request(name, lambda: remembered(name, build, CHOICES_SECONDS, scopes=scopes))


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
