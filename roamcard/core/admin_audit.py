"""Back-office building blocks: every staff change and action goes to the audit log.

AuditedModelAdmin records, through roamcard.core.audit.audit_record, with the staff user
and their IP address:

- `<model>.add` and `<model>.change` with the names of the changed fields (and of the
  inline rows added, changed or deleted) — names only, never values, so a new password or
  card password typed into a form never reaches the log;
- `<model>.delete` for each object deleted, from its page or with the bulk action;
- `<model>.action.<name>` for every admin action, with the ids it was applied to.

Services called from actions record their own, more specific events too."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import BaseModelForm
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from .audit import audit_record

# The bulk delete action asks for confirmation first; delete_queryset records the deletions.
UNAUDITED_ACTIONS = {"delete_selected"}
MAX_IDS_IN_DETAILS = 500


def request_ip(request: HttpRequest) -> str | None:
    """The client address as the web server saw it (a proxy in front must set REMOTE_ADDR
    to the real client, as granian/gunicorn do behind a configured proxy)."""
    return request.META.get("REMOTE_ADDR") or None


def admin_audit(
    request: HttpRequest,
    *,
    action: str,
    obj: Model | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=request.user, action=action, obj=obj, details=details, ip_address=request_ip(request)
    )


def _inline_changes(formsets: list[Any]) -> list[dict[str, Any]]:
    changes = []
    for formset in formsets:
        entry: dict[str, Any] = {}
        if formset.new_objects:
            entry["added"] = [str(obj.pk) for obj in formset.new_objects]
        if formset.changed_objects:
            entry["changed"] = {
                str(obj.pk): list(fields) for obj, fields in formset.changed_objects
            }
        if formset.deleted_objects:
            entry["deleted"] = [str(obj.pk) for obj in formset.deleted_objects]
        if entry:
            changes.append({"model": formset.model._meta.model_name, **entry})
    return changes


class AuditedModelAdminMixin:
    """Mix into any ModelAdmin (before it) to audit adds, changes, deletions and actions."""

    def _audit_action_name(self, verb: str) -> str:
        return f"{self.model._meta.model_name}.{verb}"  # type: ignore[attr-defined]

    def save_related(
        self, request: HttpRequest, form: BaseModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        details: dict[str, Any] = {"fields": list(form.changed_data)}
        inlines = _inline_changes(formsets or [])
        if inlines:
            details["inlines"] = inlines
        if change and not details["fields"] and not inlines:
            return
        admin_audit(
            request,
            action=self._audit_action_name("change" if change else "add"),
            obj=form.instance,
            details=details,
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        admin_audit(request, action=self._audit_action_name("delete"), obj=obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            admin_audit(request, action=self._audit_action_name("delete"), obj=obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def get_actions(self, request: HttpRequest) -> dict[str, tuple[Callable, str, str]]:
        actions = super().get_actions(request)  # type: ignore[misc]
        return {
            name: (
                func if name in UNAUDITED_ACTIONS else self._audited(func, name),
                name,
                description,
            )
            for name, (func, name, description) in actions.items()
        }

    def _audited(self, func: Callable, name: str) -> Callable:
        @wraps(func)
        def audited_action(
            modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
        ) -> Any:
            ids = [
                str(pk) for pk in queryset.values_list("pk", flat=True)[: MAX_IDS_IN_DETAILS + 1]
            ]
            response = func(modeladmin, request, queryset)
            details: dict[str, Any] = {
                "model": self.model._meta.label_lower,  # type: ignore[attr-defined]
                "ids": ids[:MAX_IDS_IN_DETAILS],
            }
            if len(ids) > MAX_IDS_IN_DETAILS:
                details["ids_truncated"] = True
            admin_audit(request, action=self._audit_action_name(f"action.{name}"), details=details)
            return response

        return audited_action


class AuditedModelAdmin(AuditedModelAdminMixin, ModelAdmin):
    """The base of every editable model in the back office."""


class ReadOnlyModelAdmin(ModelAdmin):
    """For records nobody edits by hand: the audit log, the outbox, one-time codes."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
