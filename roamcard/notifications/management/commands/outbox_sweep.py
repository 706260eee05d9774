from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roamcard.notifications.services import outbox_sweep


class Command(BaseCommand):
    help_text = gettext_lazy(
        "Drive on the outbox now, as the task worker does every minute: attempts whose worker "
        "died become unknown, and every due message is handed to a delivery job."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help_text)  # in the language of the moment, as argparse needs a str
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args, **options):
        result = outbox_sweep()
        self.stdout.write(
            _("Attempts presumed dead: %(dead)d. Messages re-driven: %(redriven)d.")
            % {"dead": result.presumed_dead, "redriven": result.redriven}
        )
