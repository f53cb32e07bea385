from django.db import migrations

# On SQLite, Wagtail's search is an FTS5 table that Wagtail creates with
# FTS5's default tokenizer, which matches whole words only: "plans" did not
# find "planning", nor "collaborate" "collaboration". It is made again with
# the Porter stemmer (English word forms, as PostgreSQL's English
# configuration has; settings.WAGTAILSEARCH_BACKENDS) and filled from the
# index entries it mirrors. Wagtail's triggers on the entries' table keep it
# up to date by name, so they carry on unchanged.
TABLE = "wagtailsearch_indexentry_fts"
COLUMNS = "autocomplete, body, title"


def make_table(schema_editor, tokenize):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    schema_editor.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS}{tokenize})")
    schema_editor.execute(
        f"INSERT INTO {TABLE} (rowid, title, body, autocomplete) "
        "SELECT id, title, body, autocomplete FROM wagtailsearch_indexentry"
    )


def stem(apps, schema_editor):
    make_table(schema_editor, ", tokenize = 'porter unicode61 remove_diacritics 2'")


def stop_stemming(apps, schema_editor):
    make_table(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_search_synonyms"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(stem, stop_stemming)]
