"""Settings of the processes these tests start and kill: the test settings with a real
(SQLite) queue consumed by a separate worker, the journal SMS provider, and a one-second
bound on an attempt, so that a killed worker's attempt is old by the time the test sweeps."""

from config.settings.test import *  # noqa: F403
from config.settings.test import HUEY

HUEY = {**HUEY, "immediate": False}
SMS_SENDER = "tests.processes.providers.JournalSmsProvider"
OUTBOX_ATTEMPT_TIMEOUT_SECONDS = 1
