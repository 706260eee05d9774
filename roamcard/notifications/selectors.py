from django.db.models import QuerySet

from .models import Message


def message_list_recent(*, limit: int = 100) -> QuerySet[Message]:
    return Message.objects.order_by("-created_at", "-id")[:limit]


def message_latest_to(*, to: str, kind: str | None = None) -> Message | None:
    messages = Message.objects.filter(to=to)
    if kind:
        messages = messages.filter(kind=kind)
    return messages.order_by("-created_at", "-id").first()
