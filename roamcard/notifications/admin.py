from django.contrib import admin
from unfold.contrib.filters.admin import RangeDateTimeFilter

from roamcard.core.admin_audit import ReadOnlyModelAdmin

from .models import Message, Notice, NotificationPreferences


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
        "not_before",
        "last_error",
        "uuid",
        "provider_message_id",
        "created_at",
        "sent_at",
    )


@admin.register(Notice)
class NoticeAdmin(ReadOnlyModelAdmin):
    """What travellers were shown in the app, and whether they read it."""

    list_display = ("created_at", "user", "kind", "title", "read_at")
    list_filter = ("kind", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    search_fields = ("user__email", "user__phone", "title")
    list_select_related = ("user",)
    fields = ("user", "kind", "title", "body", "link", "created_at", "read_at")


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(ReadOnlyModelAdmin):
    """Travellers who changed how they hear about their data (the others have the defaults)."""

    list_display = ("user", "usage_in_app", "usage_email", "usage_sms", "quiet_hours", "updated_at")
    search_fields = ("user__email", "user__phone")
    list_select_related = ("user",)
