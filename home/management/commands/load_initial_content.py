from importlib import import_module

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from wagtail.models import Site

from home.content_loader import CREATED, KEPT, UPDATED, ContentLoader


class Command(BaseCommand):
    help = (
        "Build the site tree and write the Collaborative's initial content from its source "
        "texts. Safe to run again: it creates what is missing, brings untouched pages up to "
        "date, and never changes a page an editor has saved."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Also add demonstration content for trying the site locally, such as an example upcoming "
            "workshop. Never use on the live site.",
        )

    def handle(self, *args, demo=False, **options):
        loader = ContentLoader(stdout=self.stdout, demo=demo)
        # Each app that has content of its own contributes an initial_content
        # module with a load(loader) function, in INSTALLED_APPS order (home
        # first, so the site root exists before the sections under it).
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "initial_content"):
                    import_module(f"{app_config.name}.initial_content").load(loader)

        call_command("update_index", verbosity=0)
        call_command("rebuild_references_index", verbosity=0)

        outcomes = list(loader.outcomes.values())
        counts = {outcome: outcomes.count(outcome) for outcome in (CREATED, UPDATED, KEPT)}
        self.stdout.write(
            self.style.SUCCESS(
                f"Initial content loaded: {counts[CREATED]} created, {counts[UPDATED]} updated, "
                f"{counts[KEPT]} kept as edited, {len(loader.outcomes)} pages in all."
            )
        )
        site = Site.objects.get(is_default_site=True)
        self.stdout.write(f"Links in e-mails, the sitemap, feeds and calendar files start {site.root_url} (SITE_URL).")
