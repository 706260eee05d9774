"""Settings of the worker processes the crash tests kill: the test settings (tasks run in
the process, at commit, as the queue's consumer would run them) with a one-second lease, so
that a killed worker's claim expires within the test."""

from config.settings.test import *  # noqa: F403

PROVISIONING_LEASE_SECONDS = 1
