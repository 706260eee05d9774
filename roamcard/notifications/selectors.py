from typing import Any

from django.db.models import QuerySet

from .models import Message, Notice, NotificationPreferences


def message_list_recent(*, limit: int = 100) -> QuerySet[Message]:
    return Message.objects.order_by("-created_at", "-id")[:limit]


def message_latest_to(*, to: str, kind: str | None = None) -> Message | None:
    messages = Message.objects.filter(to=to)
    if kind:
        messages = messages.filter(kind=kind)
    return messages.order_by("-created_at", "-id").first()


def notification_preferences_for(*, user: Any) -> NotificationPreferences:
    """The traveller's preferences: their row, or the defaults (unsaved) while they have
    never changed one. Reading never writes."""
    preferences = NotificationPreferences.objects.filter(user=user).first()
    return preferences or NotificationPreferences(user=user)


def notice_list_for(*, user: Any) -> QuerySet[Notice]:
    """The traveller's notices, newest first."""
    return Notice.objects.filter(user=user).order_by("-id")


def notice_unread_count(*, user: Any) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()
