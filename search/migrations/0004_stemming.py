import sqlite3

from django.core.management import call_command
from django.db import migrations

# Wagtail's search matched whole words only: "plans" did not find
# "planning", nor "collaborate" "collaboration". Both databases now stem
# English words, and what is already indexed is rebuilt to match.
#
# On SQLite, the search is an FTS5 table that Wagtail creates with FTS5's
# default tokenizer. It is made again with the Porter stemmer and filled
# from the index entries it mirrors. Wagtail's triggers on the entries'
# table name it in their bodies, so they carry on unchanged. The tokenizer
# is the table's: the admin's type-ahead (Wagtail's autocomplete column)
# is stemmed too, so on SQLite it matches whole words and stems, not every
# prefix ("plann" finds nothing); production runs PostgreSQL, whose
# type-ahead is unchanged.
#
# On PostgreSQL, settings.WAGTAILSEARCH_BACKENDS now names the English
# configuration; the vectors already stored were made with the server's
# default one. Where that is not English, they are made again
# (update_index, which reads the pages as they are now: the index's own
# command, run once here so that no release step is forgotten).
TABLE = "wagtailsearch_indexentry_fts"
COLUMNS = "autocomplete, body, title"
# remove_diacritics 2 needs SQLite 3.27; 1 is what earlier versions have.
DIACRITICS = 2 if sqlite3.sqlite_version_info >= (3, 27) else 1


def make_table(schema_editor, tokenize):
    from wagtail.search.backends.database.sqlite.utils import fts5_available

    if not fts5_available():
        # Wagtail then searches without FTS5 (its fallback), and made no table.
        return
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    schema_editor.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS}{tokenize})")
    schema_editor.execute(
        f"INSERT INTO {TABLE} (rowid, title, body, autocomplete) "
        "SELECT id, title, body, autocomplete FROM wagtailsearch_indexentry"
    )


def stem(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        make_table(schema_editor, f", tokenize = 'porter unicode61 remove_diacritics {DIACRITICS}'")
    elif vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SHOW default_text_search_config")
            (default,) = cursor.fetchone()
        indexed = apps.get_model("wagtailsearch", "IndexEntry").objects.exists()
        if indexed and default.split(".")[-1] != "english":
            call_command("update_index", verbosity=0)


def stop_stemming(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        make_table(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_search_synonyms"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(stem, stop_stemming)]
