"""SMS senders. The outbox hands each SMS to the sender named by SMS_SENDER, with the
message's own idempotency key on every attempt."""

import logging
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("roamcard.sms")


class SmsOutcomeUnknown(Exception):
    """Raised by a sender that cannot tell whether the provider took the message (say, the
    request went out and the answer never came back). The outbox marks it `unknown` and
    asks again (or sends again with the same key) later, instead of counting it as refused."""


class SmsSender(Protocol):
    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        """Deliver one SMS; return the provider's message id. Raise on failure. A provider
        that supports idempotency keys must be given `idempotency_key`, so that sending the
        same message again delivers it once."""


@runtime_checkable
class SmsLookup(Protocol):
    """Optional: a sender that can look a message up by its key lets the outbox settle an
    `unknown` message without sending it again."""

    def lookup(self, *, idempotency_key: str) -> str | None:
        """The provider's id of the message sent with this key, or None if it has none."""


class ConsoleSmsSender:
    """Writes each SMS to the log. The message itself stays visible in the outbox."""

    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        logger.info("SMS to %s [%s]: %s", to, idempotency_key, body)
        return f"console-{idempotency_key}"


def get_sms_sender() -> SmsSender:
    return import_string(settings.SMS_SENDER)()
