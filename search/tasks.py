"""The search app's background work, on Django's task framework (settings: TASKS)."""

from django_tasks import task
from wagtail.contrib.search_promotions.models import Query


@task()
def count_search_hit(query_string):
    """One more search for these terms, for the search terms report (Admin reports > Search terms in the admin)."""
    Query.get(query_string).add_hit()
