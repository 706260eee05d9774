"""Queueing and delivering SMS and e-mail through the outbox."""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from roamcard.core.tasks import enqueue_on_commit

from .models import Message
from .senders import get_sms_sender

logger = logging.getLogger(__name__)


def message_queue(
    *,
    channel: str,
    to: str,
    kind: str,
    body: str,
    subject: str = "",
    html_body: str = "",
    user: Any = None,
    language: str = "en",
) -> Message:
    """Store a message in the outbox and deliver it from a task once the caller commits."""
    from .tasks import message_deliver_task

    message = Message.objects.create(
        channel=channel,
        to=to,
        kind=kind,
        body=body,
        subject=subject,
        html_body=html_body,
        user=user,
        language=language,
    )
    enqueue_on_commit(message_deliver_task, message.pk)
    return message


def message_render_and_queue(
    *, channel: str, to: str, kind: str, context: dict[str, Any], user: Any = None, language: str
) -> Message:
    """Render `notifications/<kind>.<channel>.txt` (and `<kind>.subject.txt` for e-mail)
    in the recipient's language and queue it."""
    with translation.override(language):
        body = render_to_string(f"notifications/{kind}.{channel}.txt", context).strip()
        subject = ""
        if channel == Message.Channel.EMAIL:
            subject = " ".join(
                render_to_string(f"notifications/{kind}.subject.txt", context).split()
            )
    return message_queue(
        channel=channel, to=to, kind=kind, body=body, subject=subject, user=user, language=language
    )


def message_deliver(*, message_id: int) -> Message:
    """Send one queued message. A message already sent is left alone, so a repeated job
    never sends twice."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.state == Message.State.SENT:
            return message
        message.attempts += 1
        message.save(update_fields=["attempts"])
    try:
        if message.channel == Message.Channel.SMS:
            get_sms_sender().send(to=message.to, body=message.body)
        else:
            email = EmailMultiAlternatives(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.to],
            )
            if message.html_body:
                email.attach_alternative(message.html_body, "text/html")
            email.send()
    except Exception as exc:  # the sender is outside our process; record and let the task retry
        logger.warning("Delivering message %s failed: %s", message.pk, exc)
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.FAILED, last_error=str(exc)
        )
        raise
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.SENT, sent_at=timezone.now(), last_error=""
    )
    message.refresh_from_db()
    return message
