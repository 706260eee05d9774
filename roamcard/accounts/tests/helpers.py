"""Reading what a traveller would read: the codes we sent them, from the outbox."""

import re

from roamcard.notifications.models import Message

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def last_message_to(to: str) -> Message:
    message = Message.objects.filter(to=to).order_by("-created_at", "-id").first()
    assert message is not None, f"nothing was sent to {to}"
    return message


def last_code_sent_to(to: str) -> str:
    message = last_message_to(to)
    match = CODE.search(f"{message.subject}\n{message.body}")
    assert match, f"no code in the message to {to}: {message.body!r}"
    return match.group(1)
