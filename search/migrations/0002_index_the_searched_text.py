from django.db import migrations

# On PostgreSQL, Wagtail's database search finds pages with
# `(title || body) @@ query`, the title and body vectors joined, and joins its
# index entries to pages on `object_id = page.id::varchar(50)`. Its own GIN
# indexes are on each vector alone, and there is none on the page id as text,
# so every search read every index entry and every page; and the planner,
# with no statistics on the joined vector, guessed a handful of matches for a
# common word and chose plans that took seconds. These two indexes let a
# search read only its matches and their pages, and give ANALYZE the
# statistics.
INDEXES = {
    "search_indexentry_title_body": ("wagtailsearch", "IndexEntry", "USING gin ((title || body))"),
    "search_page_id_as_text": ("wagtailcore", "Page", "(((id)::varchar(50)::text))"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (app_label, model_name, definition) in INDEXES.items():
        table = schema_editor.quote_name(apps.get_model(app_label, model_name)._meta.db_table)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_editors_promote_search_results"),
        ("wagtailsearch", "0010_add_text_fields"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
