from django.db import migrations


def load(apps, schema_editor):
    """
    A site running before search synonyms existed gets the initial list at
    its next release (`migrate`), as a new one gets it from
    load_initial_content. The admin's search box over the list finds them
    once indexed (`manage.py update_index`, or each when next saved); the
    site's search uses them at once.
    """
    from search.initial_content import load_synonyms

    load_synonyms(apps.get_model("search", "SearchSynonym"))


class Migration(migrations.Migration):
    dependencies = [("search", "0004_stemming")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
