"""Stand-ins for an SMS provider (outside our process), chosen with settings.SMS_SENDER.

Like real providers, they keep what they accepted by idempotency key: a second send with a
key already taken returns the first message's id and delivers nothing new. What the
provider saw is in `provider` (reset by the tests' fixture)."""

import itertools
from dataclasses import dataclass, field

from roamcard.notifications.senders import SmsOutcomeUnknown


@dataclass
class ProviderRecord:
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> message id
    sends: list[dict] = field(default_factory=list)  # every send request, even refused ones
    lookups: list[str] = field(default_factory=list)

    def delivered(self) -> list[str]:
        return list(self.accepted)


provider = ProviderRecord()
_ids = itertools.count(1)


def reset() -> None:
    provider.__init__()


class SmsProviderWithoutLookup:
    """Accepts every message; offers no way to ask about one."""

    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        provider.sends.append({"to": to, "body": body, "idempotency_key": idempotency_key})
        return provider.accepted.setdefault(idempotency_key, f"SM{next(_ids)}")


class SmsProvider(SmsProviderWithoutLookup):
    """Accepts every message; can look one up by its key."""

    def lookup(self, *, idempotency_key: str) -> str | None:
        provider.lookups.append(idempotency_key)
        return provider.accepted.get(idempotency_key)


class AnswerLostSmsProvider(SmsProvider):
    """Takes the message, then the connection drops before its answer reaches us."""

    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        super().send(to=to, body=body, idempotency_key=idempotency_key)
        raise SmsOutcomeUnknown("read timeout after 10 s")


class FailingSmsProvider(SmsProvider):
    """Refuses every message."""

    def send(self, *, to: str, body: str, idempotency_key: str) -> str:
        provider.sends.append({"to": to, "body": body, "idempotency_key": idempotency_key})
        raise ConnectionError("503 Service Unavailable from the SMS provider")
