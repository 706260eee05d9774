import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from roamcard.provisioning.network import network_config
from roamcard.simnet.adapter import SimulatedNetwork
from roamcard.simnet.traffic import (
    TrafficGenerator,
    TrafficOptions,
    http_sender,
    traffic_run,
    wait_until_answering,
)

SIMULATED_NETWORK = f"{SimulatedNetwork.__module__}.{SimulatedNetwork.__qualname__}"


class Command(BaseCommand):
    help = (
        "Demo only: the simulated network reports usage of the cards in use to the usage API "
        "every few seconds, until SIGTERM or Ctrl-C. It issues itself a network API key at "
        "start and revokes it at exit."
    )

    def add_arguments(self, parser):
        defaults = TrafficOptions()
        parser.add_argument(
            "--base-url",
            default=settings.PUBLIC_BASE_URL,
            help="where the site answers (default: PUBLIC_BASE_URL, %(default)s)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=defaults.interval_seconds,
            help="seconds between reports (default: %(default)s)",
        )
        parser.add_argument(
            "--speedup",
            type=float,
            default=defaults.speedup,
            help="minutes of use played in each real minute (default: %(default)s)",
        )

    def handle(self, *args, **options):
        # Usage made up by the simulated network must never reach a real network's cards.
        if getattr(settings, "PRODUCTION", False) or network_config()[0] != SIMULATED_NETWORK:
            raise CommandError("The simulated network's traffic is for the demo only.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        base_url = options["base_url"]
        if not wait_until_answering(base_url, stop=stop):
            return
        generator = TrafficGenerator(
            options=TrafficOptions(interval_seconds=options["interval"], speedup=options["speedup"])
        )
        self.say(f"simnet: reporting usage to {base_url} every {options['interval']:g} s")
        traffic_run(generator=generator, send=http_sender(base_url), stop=stop, say=self.say)

    def say(self, line: str) -> None:
        # At once, also when the output is a pipe or a log file.
        self.stdout.write(line)
        self.stdout.flush()
