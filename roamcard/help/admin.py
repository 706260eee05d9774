from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import get_translation_fields
from unfold.decorators import display

from roamcard.core.admin_audit import AuditedModelAdmin
from roamcard.core.admin_translation import FieldsetsTranslationAdmin

from .forms import SupportContactAdminForm
from .models import Article, SupportContact


@admin.register(Article)
class ArticleAdmin(AuditedModelAdmin, FieldsetsTranslationAdmin):
    """Help articles, every language together (docs/decisions/0006-translatable-catalogue.md)."""

    fieldsets = (
        (_("Title in each language"), {"fields": ("title",)}),
        (_("Summary in each language"), {"fields": ("summary",)}),
        (_("Body in each language"), {"fields": ("body",)}),
        (None, {"fields": ("slug", "topic", "sort_order", "published")}),
    )
    list_display = ("title", "slug", "topic", "published", "sort_order", "updated_at")
    list_editable = ("published", "sort_order")
    list_filter = ("topic", "published")
    search_fields = ("slug", *get_translation_fields("title"))
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("updated_at",)


@admin.register(SupportContact)
class SupportContactAdmin(AuditedModelAdmin):
    """The one contact row: it can be added once, changed, never deleted."""

    form = SupportContactAdminForm
    fieldsets = (
        (_("Hours"), {"fields": ("days", ("opens_at", "closes_at"), "time_zone")}),
        (_("Languages"), {"fields": ("languages",)}),
        (_("Channels"), {"fields": ("email", "phone", "whatsapp", "wechat", "line", "kakaotalk")}),
    )
    list_display = ("__str__", "hours", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SupportContact.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @display(description=_("hours"))
    def hours(self, contact: SupportContact) -> str:
        if not contact.opens_at:
            return "—"
        return f"{contact.opens_at:%H:%M}–{contact.closes_at:%H:%M} {contact.time_zone}"
