"""Queueing and delivering SMS and e-mail through the outbox, at least once.

Each attempt is recorded before the provider is called (`sending`, with its start time) and
its outcome after (`sent`, back to `queued` for a retry, `failed` after the last attempt, or
`unknown` when the provider's answer was lost). The provider gets the message's uuid as its
idempotency key every time, so an attempt repeated after a crash is still one message. The
sweep (every minute) drives on whatever a lost job or a dead worker left behind."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from roamcard.core.tasks import enqueue, enqueue_on_commit

from .models import Message
from .senders import SmsLookup, SmsOutcomeUnknown, get_sms_sender

logger = logging.getLogger(__name__)
# Delivering one message: a job registered in tasks.py.
DELIVER_JOB = "notifications.deliver"


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
    message = Message.objects.create(
        channel=channel,
        to=to,
        kind=kind,
        body=body,
        subject=subject,
        html_body=html_body,
        user=user,
        language=language,
        next_attempt_at=timezone.now() + _attempt_timeout(),
    )
    enqueue_on_commit(DELIVER_JOB, message.pk)
    return message


def message_render_and_queue(
    *, channel: str, to: str, kind: str, context: dict[str, Any], user: Any = None, language: str
) -> Message:
    """Render `notifications/<kind>.<channel>.txt` (and `<kind>.subject.txt` for e-mail)
    in the recipient's language and queue it."""
    with translation.override(language):
        body = _render_text(f"notifications/{kind}.{channel}.txt", context).strip()
        subject = ""
        if channel == Message.Channel.EMAIL:
            subject = " ".join(_render_text(f"notifications/{kind}.subject.txt", context).split())
    return message_queue(
        channel=channel, to=to, kind=kind, body=body, subject=subject, user=user, language=language
    )


def _render_text(template_name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template: nothing in it is HTML, so nothing is escaped (a card
    named "Kim's & Lee's" stays so, not "Kim&#x27;s &amp; Lee&#x27;s")."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def _attempt_timeout() -> timedelta:
    """How long an attempt may take before the sweep presumes its worker dead; also how long
    a new message's job has to run before the sweep steps in."""
    return timedelta(seconds=settings.OUTBOX_ATTEMPT_TIMEOUT_SECONDS)


def _retry_delay(attempts: int) -> timedelta:
    backoff = settings.OUTBOX_RETRY_BACKOFF_SECONDS
    return timedelta(seconds=backoff[min(attempts, len(backoff)) - 1])


def message_deliver(*, message_id: int) -> Message:
    """Make one delivery attempt. A message already sent or given up, or with an attempt in
    flight elsewhere, is left alone, so a repeated job never sends twice at once."""
    claimed = _attempt_claim(message_id=message_id)
    if claimed is None:
        return Message.objects.get(pk=message_id)
    message, in_doubt = claimed
    if in_doubt:
        provider_message_id = _provider_lookup(message)
        if provider_message_id:
            return _attempt_record(
                message, state=Message.State.SENT, provider_id=provider_message_id
            )
    try:
        provider_message_id = _send(message)
    except SmsOutcomeUnknown as exc:
        logger.warning("Message %s: the provider's answer was lost: %s", message.pk, exc)
        return _attempt_record(message, state=Message.State.UNKNOWN, error=str(exc))
    except Exception as exc:  # the provider is outside our process: record, retry later
        logger.warning("Delivering message %s failed: %s", message.pk, exc)
        return _attempt_record(message, state=Message.State.QUEUED, error=str(exc))
    return _attempt_record(message, state=Message.State.SENT, provider_id=provider_message_id)


def _attempt_claim(*, message_id: int) -> tuple[Message, bool] | None:
    """Record the start of an attempt (committed before the provider is called). Returns the
    message and whether an earlier attempt may have reached the provider."""
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.state in (Message.State.SENT, Message.State.FAILED):
            return None
        if message.state == Message.State.SENDING and (
            message.attempt_started_at > now - _attempt_timeout()
        ):
            return None
        in_doubt = message.state in (Message.State.SENDING, Message.State.UNKNOWN)
        message.state = Message.State.SENDING
        message.attempts += 1
        message.attempt_started_at = now
        message.save(update_fields=["state", "attempts", "attempt_started_at"])
    return message, in_doubt


def _provider_lookup(message: Message) -> str | None:
    if message.channel != Message.Channel.SMS:
        return None
    sender = get_sms_sender()
    if not isinstance(sender, SmsLookup):
        return None
    try:
        return sender.lookup(idempotency_key=str(message.uuid))
    except Exception as exc:  # cannot ask now: sending again with the same key is safe
        logger.warning("Looking up message %s failed: %s", message.pk, exc)
        return None


def _send(message: Message) -> str:
    """Hand the message to its provider; the provider's id for it."""
    key = str(message.uuid)
    if message.channel == Message.Channel.SMS:
        return get_sms_sender().send(to=message.to, body=message.body, idempotency_key=key)
    # SMTP has no idempotency key; a Message-ID made from ours lets a mail system that
    # sees the message twice tell the copies apart from new messages.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    message_id = f"<{key}@{domain}>"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message_id},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    email.send()
    return message_id


def _attempt_record(
    message: Message, *, state: str, provider_id: str = "", error: str = ""
) -> Message:
    """Record how the attempt ended. A success is recorded whatever happened meanwhile (it
    is the truth); anything else only if no other attempt has taken the message since."""
    now = timezone.now()
    if state == Message.State.SENT:
        Message.objects.filter(pk=message.pk).exclude(state=Message.State.SENT).update(
            state=state, sent_at=now, provider_message_id=provider_id, last_error="",
            next_attempt_at=None,
        )  # fmt: skip
    else:
        last_attempt = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        if last_attempt:
            state, next_attempt_at = Message.State.FAILED, None
        else:
            next_attempt_at = now + _retry_delay(message.attempts)
        Message.objects.filter(
            pk=message.pk, state=Message.State.SENDING, attempts=message.attempts
        ).update(state=state, last_error=error, next_attempt_at=next_attempt_at)
    message.refresh_from_db()
    return message


@dataclass(frozen=True)
class OutboxSweepResult:
    presumed_dead: int  # attempts older than the bound, now `unknown`
    redriven: int  # messages handed to a delivery job


def outbox_sweep(*, limit: int = 1000) -> OutboxSweepResult:
    """Drive on what nothing else will: attempts whose worker died (`sending` for longer
    than OUTBOX_ATTEMPT_TIMEOUT_SECONDS become `unknown`), and every `queued` or `unknown`
    message that is due (a lost job, a retry, an unknown outcome). Safe to run at any time
    and in any number of processes: a delivery job never sends a message twice at once."""
    now = timezone.now()
    presumed_dead = Message.objects.filter(
        state=Message.State.SENDING, attempt_started_at__lt=now - _attempt_timeout()
    ).update(state=Message.State.UNKNOWN, next_attempt_at=now)
    due = list(
        Message.objects.filter(
            state__in=(Message.State.QUEUED, Message.State.UNKNOWN), next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        enqueue(DELIVER_JOB, message_id)
    return OutboxSweepResult(presumed_dead=presumed_dead, redriven=len(due))
