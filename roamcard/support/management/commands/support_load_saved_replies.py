from django.core.management.base import BaseCommand, CommandError

from roamcard.core.errors import InvalidInput
from roamcard.support.services import saved_replies_load
from roamcard.support.standard_replies import DEFAULT_APN


class Command(BaseCommand):
    help = (
        "Add the saved replies roamcard ships (renewal applied, card password, binding "
        "unlocked, refund sent, APN, screenshot, closing...) in every language. Those already "
        "loaded are kept as staff edited them. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apn",
            default=DEFAULT_APN,
            help=f"Your network's access point name, written into the APN reply "
            f"(default: {DEFAULT_APN}, the demo's).",
        )

    def handle(self, *args, **options):
        try:
            loaded = saved_replies_load(apn=options["apn"])
        except InvalidInput as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"Saved replies: {len(loaded.created)} added, {len(loaded.kept)} already there "
            "(left as they are)."
        )
        for key in loaded.created:
            self.stdout.write(f"  added {key}")
