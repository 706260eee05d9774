"""The task worker: Huey's consumer, stopped by SIGTERM the way a process manager stops
things. SIGTERM drains (the tasks in flight finish, no new one starts, then it exits);
SIGINT stops at once (what SIGTERM does to a bare `run_huey`)."""

from django.conf import settings
from django.utils.translation import gettext_lazy
from huey.contrib.djhuey.management.commands.run_huey import Command as RunHueyCommand

# How long a drain may take before the tasks still running are abandoned (the outbox sweep
# and the janitor pick up whatever they left).
DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 25.0


class Command(RunHueyCommand):
    help_text = gettext_lazy(
        "Run the task worker. SIGTERM drains it: the tasks in flight finish, no new one "
        "starts, then it exits. SIGINT stops it at once."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help_text)  # in the language of the moment, as argparse needs a str
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args, **options):
        configured = settings.HUEY.get("consumer", {}) if isinstance(settings.HUEY, dict) else {}
        if options.get("graceful_signal") is None and "graceful_signal" not in configured:
            options["graceful_signal"] = "TERM"
        if options.get("shutdown_timeout") is None and "shutdown_timeout" not in configured:
            options["shutdown_timeout"] = DEFAULT_SHUTDOWN_TIMEOUT_SECONDS
        super().handle(*args, **options)
