from django.core.management.base import BaseCommand

from roamcard.help.services import help_load_defaults


class Command(BaseCommand):
    help = (
        "Load the default help articles in every language: adds the missing ones and updates "
        "those nobody edited; never changes an article staff edited. Safe to run again."
    )

    def handle(self, *args, **options):
        loaded = help_load_defaults()
        self.stdout.write(
            f"Help articles: {loaded.created} created, {loaded.updated} updated, "
            f"{loaded.kept} kept as staff edited them."
        )
