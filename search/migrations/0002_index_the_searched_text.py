from django.db import migrations

INDEX_NAME = "search_indexentry_title_body"


def create_index(apps, schema_editor):
    """
    On PostgreSQL, Wagtail's database search finds pages with
    `(title || body) @@ query`: the title and body vectors joined. Its own
    GIN indexes are on each vector alone, which that condition cannot use,
    so every search read every index entry, and the planner, with no
    statistics on the joined vector, guessed a handful of matches for a
    common word and chose plans that took seconds. An index on the joined
    vector finds the matches directly, and gives ANALYZE the statistics.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON {table} USING gin ((title || body))")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_editors_promote_search_results"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
