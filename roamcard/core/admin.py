import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import display

from .admin_audit import ReadOnlyModelAdmin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """The audit log: readable by staff, written only by the code."""

    list_display = ("at", "actor", "action", "object_type", "object_repr", "ip_address")
    list_filter = (("at", RangeDateTimeFilter), "action", "object_type")
    list_filter_submit = True
    search_fields = (
        "action",
        "object_id",
        "object_repr",
        "actor__email",
        "actor__phone",
        "ip_address",
    )
    list_select_related = ("actor",)
    date_hierarchy = "at"
    fields = (
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "ip_address",
        "details_pretty",
    )
    readonly_fields = fields

    @display(description=_("details"))
    def details_pretty(self, obj: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.details, indent=2, ensure_ascii=False))
