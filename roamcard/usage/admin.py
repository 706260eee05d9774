"""The network in the back office: its API keys (issue one — its secret is shown once, on
the page that follows —, see when each was last used, revoke one), and what it sent:
usage batches and events, read-only."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from roamcard.core.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin, request_ip
from roamcard.core.errors import InvalidInput

from .models import NetworkApiKey, UsageAlert, UsageBatch, UsageEvent
from .services import network_api_key_issue, network_api_key_revoke


class NetworkApiKeyIssueForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        widget=UnfoldAdminTextInputWidget,
        help_text=_("Who or what will use the key, e.g. “Operator X usage feed”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=NetworkApiKey.Scope.choices,
        initial=NetworkApiKey.Scope.USAGE_WRITE,
        widget=UnfoldAdminSelectWidget,
    )


@admin.register(NetworkApiKey)
class NetworkApiKeyAdmin(AuditedModelAdmin):
    list_display = ("name", "prefix", "scope", "created_at", "last_used_at", "revoked")
    list_filter = ("scope",)
    search_fields = ("name", "=prefix")
    list_select_related = ("created_by", "revoked_by")
    actions = ("revoke",)
    actions_list = ("issue_key",)
    fields = (
        "name",
        "prefix",
        "scope",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Keys are revoked, not deleted: who issued which key stays on record.
        return False

    @action(description=_("Issue a key"), url_path="issue", permissions=["add"], icon="key")
    def issue_key(self, request: HttpRequest) -> HttpResponse:
        return redirect("admin:usage_networkapikey_add")

    @display(description=_("revoked"), ordering="revoked_at")
    def revoked(self, key: NetworkApiKey) -> str:
        return "—" if key.revoked_at is None else key.revoked_at.strftime("%Y-%m-%d %H:%M")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """A form for the name and scope; once issued, the secret is on the page that
        answers the form and nowhere else."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NetworkApiKeyIssueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                key, secret = network_api_key_issue(
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    staff=request.user,
                    ip_address=request_ip(request),
                )
            except InvalidInput as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, str(error))
            else:
                # The admin marks every page never_cache (no-store), this one included.
                return TemplateResponse(
                    request,
                    "admin/usage/networkapikey/issued.html",
                    {
                        **self.admin_site.each_context(request),
                        "title": gettext("Network API key issued"),
                        "opts": self.model._meta,
                        "key": key,
                        "secret": secret,
                    },
                )
        return TemplateResponse(
            request,
            "admin/usage/networkapikey/issue.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Issue a network API key"),
                "opts": self.model._meta,
                "form": form,
            },
        )

    @action(description=_("Revoke"), permissions=["change"])
    def revoke(
        self, request: HttpRequest, queryset: QuerySet[NetworkApiKey]
    ) -> HttpResponse | None:
        """Asks for confirmation first; a revoked key is refused from the next request on."""
        keys = list(queryset.filter(revoked_at__isnull=True))
        if not keys:
            self.message_user(request, gettext("These keys were already revoked."), messages.INFO)
            return None
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/usage/networkapikey/revoke_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": gettext("Revoke these network API keys?"),
                    "opts": self.model._meta,
                    "keys": keys,
                    "objects": keys,
                    "action_name": "revoke",
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for key in keys:
            network_api_key_revoke(
                key_id=key.pk, staff=request.user, ip_address=request_ip(request)
            )
        self.message_user(
            request,
            ngettext("%(count)d key was revoked.", "%(count)d keys were revoked.", len(keys))
            % {"count": len(keys)},
            messages.SUCCESS,
        )
        return None


@admin.register(UsageBatch)
class UsageBatchAdmin(ReadOnlyModelAdmin):
    """What the network sent, batch by batch: through which key or file, and how much of
    it was accepted, a duplicate or rejected (the network got each event's reason in the
    answer)."""

    list_display = (
        "received_at",
        "source",
        "api_key",
        "file_name",
        "first_line",
        "events",
        "accepted",
        "duplicates",
        "rejected",
    )
    list_filter = ("source", ("received_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("api_key",)
    search_fields = ("file_name", "api_key__name", "=api_key__prefix")
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyModelAdmin):
    """Every usage record as charged: how much a bucket paid, how much went beyond the
    allowance, whether it was outside coverage. Found by event id or ICCID."""

    list_display = (
        "event_id",
        "card",
        "started_at",
        "country",
        "network",
        "bytes_up",
        "bytes_down",
        "charged_bytes",
        "overage_bytes",
        "out_of_coverage",
    )
    list_filter = ("out_of_coverage", "country", ("started_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("card",)
    search_fields = ("=event_id", "=card__iccid")
    ordering = ("-id",)
    show_full_result_count = False


@admin.register(UsageAlert)
class UsageAlertAdmin(ReadOnlyModelAdmin):
    """Which alerts each bucket has had (decision 0008): sent, or passed together with a
    lower threshold and recorded unsent. What the traveller got is in Notices and the
    outbox."""

    list_display = (
        "created_at",
        "bucket",
        "kind",
        "threshold",
        "notified",
        "bytes_remaining",
        "valid_until",
    )
    list_filter = ("kind", "notified", ("created_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("bucket__card",)
    search_fields = ("=bucket__card__iccid",)
