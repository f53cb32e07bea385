"""Database indexes the apps' models declare, where Django's own need a hand."""

import copy

from django.db import models
from django.db.models.expressions import OrderBy


class NullsLastIndex(models.Index):
    """
    An index on OrderBy(..., nulls_last=True) expressions, for listings that
    put undated pages last (`F("date").desc(nulls_last=True)`): PostgreSQL
    reads such a listing straight from the index only if the index orders
    its nulls the same way. SQLite refuses NULLS LAST in an index, and needs
    none: its nulls sort first, so last in a descending order already.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "sqlite":
            index = copy.copy(self)
            index.expressions = tuple(
                OrderBy(expression.expression, descending=expression.descending)
                if isinstance(expression, OrderBy)
                else expression
                for expression in self.expressions
            )
            return super(NullsLastIndex, index).create_sql(model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)
