from django.contrib import admin
from unfold.contrib.filters.admin import RangeDateTimeFilter

from roamcard.core.admin_audit import ReadOnlyModelAdmin

from .models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyModelAdmin):
    """The outbox: every SMS and e-mail as it was rendered, with its delivery state."""

    list_display = (
        "created_at",
        "channel",
        "to",
        "kind",
        "language",
        "subject",
        "state",
        "attempts",
        "sent_at",
    )
    list_filter = ("channel", "state", "kind", "language", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    search_fields = ("to", "subject", "user__email", "user__phone", "=uuid", "=provider_message_id")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    fields = (
        "channel",
        "to",
        "user",
        "kind",
        "language",
        "subject",
        "body",
        "state",
        "attempts",
        "attempt_started_at",
        "next_attempt_at",
        "last_error",
        "uuid",
        "provider_message_id",
        "created_at",
        "sent_at",
    )
