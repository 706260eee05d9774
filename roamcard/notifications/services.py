"""Telling travellers things: alerts on the channels they choose (a notice in the app, an
e-mail, an SMS that waits for the end of their quiet hours), and SMS and e-mail delivered
through the outbox at least once.

Each attempt is recorded before the provider is called (`sending`, with its start time) and
its outcome after (`sent`, back to `queued` for a retry, `failed` after the last attempt, or
`unknown` when the provider's answer was lost). The provider gets the message's uuid as its
idempotency key every time, so an attempt repeated after a crash is still one message. The
sweep (every minute) drives on whatever a lost job or a dead worker left behind."""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import InvalidInput
from roamcard.core.formatting import resolve_zone
from roamcard.core.tasks import enqueue, enqueue_on_commit

from .errors import NoticeNotFound
from .models import AlertLevel, Message, Notice, NotificationPreferences
from .selectors import notification_preferences_for
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
    not_before: datetime | None = None,
) -> Message:
    """Store a message in the outbox and deliver it from a task once the caller commits;
    with `not_before` (the end of the recipient's quiet hours), not before then."""
    now = timezone.now()
    deferred_until = not_before if not_before is not None and not_before > now else None
    message = Message.objects.create(
        channel=channel,
        to=to,
        kind=kind,
        body=body,
        subject=subject,
        html_body=html_body,
        user=user,
        language=language,
        not_before=deferred_until,
        next_attempt_at=(deferred_until or now) + _attempt_timeout(),
    )
    delay = (deferred_until - now).total_seconds() if deferred_until else None
    enqueue_on_commit(DELIVER_JOB, message.pk, delay=delay)
    return message


def message_render_and_queue(
    *,
    channel: str,
    to: str,
    kind: str,
    context: dict[str, Any],
    user: Any = None,
    language: str,
    not_before: datetime | None = None,
) -> Message:
    """Render `notifications/<kind>.<channel>.txt` (and `<kind>.subject.txt` for e-mail)
    in the recipient's language and queue it."""
    with translation.override(language):
        body = _render_text(f"notifications/{kind}.{channel}.txt", context).strip()
        subject = ""
        if channel == Message.Channel.EMAIL:
            subject = _render_line(f"notifications/{kind}.subject.txt", context)
    return message_queue(
        channel=channel,
        to=to,
        kind=kind,
        body=body,
        subject=subject,
        user=user,
        language=language,
        not_before=not_before,
    )


def _render_text(template_name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template: nothing in it is HTML, so nothing is escaped (a card
    named "Kim's & Lee's" stays so, not "Kim&#x27;s &amp; Lee&#x27;s")."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def _render_line(template_name: str, context: dict[str, Any]) -> str:
    """A one-line text (a subject, a title): the template's lines and spaces run together."""
    return " ".join(_render_text(template_name, context).split())


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
        if message.not_before is not None and now < message.not_before:
            return None  # the recipient's quiet hours: the job scheduled for their end sends it
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
        .exclude(not_before__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        enqueue(DELIVER_JOB, message_id)
    return OutboxSweepResult(presumed_dead=presumed_dead, redriven=len(due))


def quiet_hours_end(
    *, preferences: NotificationPreferences, zone: str, now: datetime
) -> datetime | None:
    """When the traveller's quiet hours that `now` falls in end, or None when it falls in
    none (or they have none). Hours are wall-clock times in the traveller's time zone; the
    hours may span midnight (22:00 to 08:00)."""
    if not preferences.quiet_hours:
        return None
    tz = resolve_zone(zone)
    local = now.astimezone(tz)
    start, end, clock = preferences.quiet_from, preferences.quiet_until, local.time()
    if start < end:
        if not start <= clock < end:
            return None
        end_day = local.date()
    else:
        if end <= clock < start:
            return None
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    return datetime.combine(end_day, end, tzinfo=tz)


def notification_preferences_update(
    *,
    user: Any,
    usage_in_app: str | None = None,
    usage_email: str | None = None,
    usage_sms: str | None = None,
    quiet_hours: bool | None = None,
    quiet_from: time | None = None,
    quiet_until: time | None = None,
) -> NotificationPreferences:
    """Change the traveller's preferences; a field left None keeps its value. The row is
    created here, the first time they change anything."""
    fields: dict[str, list[str]] = {}
    levels = {"usage_in_app": usage_in_app, "usage_email": usage_email, "usage_sms": usage_sms}
    for name, value in levels.items():
        if value is not None and value not in AlertLevel.values:
            fields[name] = [_("Choose one of the allowed values.")]
    with transaction.atomic():
        preferences, _created = NotificationPreferences.objects.select_for_update().get_or_create(
            user=user
        )
        changes = {
            **levels,
            "quiet_hours": quiet_hours,
            "quiet_from": quiet_from.replace(second=0, microsecond=0) if quiet_from else None,
            "quiet_until": quiet_until.replace(second=0, microsecond=0) if quiet_until else None,
        }
        for name, value in changes.items():
            if value is not None:
                setattr(preferences, name, value)
        if preferences.quiet_from == preferences.quiet_until:
            fields["quiet_until"] = [_("Quiet hours must end at another time than they start.")]
        if fields:
            raise InvalidInput(fields=fields)
        preferences.save()
    return preferences


@dataclass(frozen=True)
class AlertSent:
    """What one alert produced: the notice in the app, the SMS and e-mails queued."""

    notice: Notice | None
    messages: list[Message]


def _carries(level: str, *, urgent: bool) -> bool:
    return level == AlertLevel.ALL or (level == AlertLevel.URGENT and urgent)


def _absolute_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def alert_send(
    *,
    user: Any,
    kind: str,
    context: dict[str, Any],
    link: str,
    urgent: bool,
    now: datetime | None = None,
    sms_not_after: datetime | None = None,
) -> AlertSent:
    """Tell the traveller something about their data on the channels their preferences
    choose for an alert of this urgency, in their language: a notice in the app, an e-mail
    and an SMS, all at once except the SMS during their quiet hours, which waits until they
    end. (E-mail is read when the traveller chooses; an SMS rings.) SMS goes only to a
    verified mobile number. Templates: notifications/<kind>.subject.txt (the e-mail's
    subject and the notice's title), <kind>.notice.txt, <kind>.email.txt, <kind>.sms.txt;
    besides `context` they get `link_url` (the absolute `link`) and `preferences_url`.
    An SMS that quiet hours would hold past `sms_not_after` is not sent at all: it would
    arrive too late to mean anything (the notice before an automatic renewal's charge)."""
    now = now or timezone.now()
    preferences = notification_preferences_for(user=user)
    language = user.preferred_language or settings.LANGUAGE_CODE
    context = {
        **context,
        "link_url": _absolute_url(link),
        "preferences_url": _absolute_url(reverse("notices:preferences")),
    }
    notice = None
    if _carries(preferences.usage_in_app, urgent=urgent):
        with translation.override(language):
            notice = Notice.objects.create(
                user=user,
                kind=kind,
                title=_render_line(f"notifications/{kind}.subject.txt", context),
                body=_render_text(f"notifications/{kind}.notice.txt", context).strip(),
                link=link,
            )
    messages = []
    if user.email and _carries(preferences.usage_email, urgent=urgent):
        messages.append(
            message_render_and_queue(
                channel=Message.Channel.EMAIL,
                to=user.email,
                kind=kind,
                context=context,
                user=user,
                language=language,
            )
        )
    if user.phone and user.phone_verified and _carries(preferences.usage_sms, urgent=urgent):
        held_until = quiet_hours_end(preferences=preferences, zone=user.time_zone, now=now)
        if held_until is None or sms_not_after is None or held_until <= sms_not_after:
            messages.append(
                message_render_and_queue(
                    channel=Message.Channel.SMS,
                    to=user.phone,
                    kind=kind,
                    context=context,
                    user=user,
                    language=language,
                    not_before=held_until,
                )
            )
    return AlertSent(notice=notice, messages=messages)


def notice_mark_read(*, user: Any, notice_id: int) -> Notice:
    """Mark one of the traveller's notices read (again: nothing changes). Someone else's
    notice is not found."""
    notice = Notice.objects.filter(pk=notice_id, user=user).first()
    if notice is None:
        raise NoticeNotFound()
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notice_mark_all_read(*, user: Any) -> int:
    """Mark every unread notice of the traveller read; how many there were."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
