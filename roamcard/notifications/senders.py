"""SMS senders. The outbox hands each queued SMS to the sender named by SMS_SENDER."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("roamcard.sms")


class SmsSender(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Deliver one SMS; return the provider's message id. Raise on failure."""


class ConsoleSmsSender:
    """Writes each SMS to the log. The message itself stays visible in the outbox."""

    def send(self, *, to: str, body: str) -> str:
        logger.info("SMS to %s: %s", to, body)
        return "console"


def get_sms_sender() -> SmsSender:
    return import_string(settings.SMS_SENDER)()
