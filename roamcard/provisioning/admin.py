from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.contrib.filters.admin import RangeDateTimeFilter
from unfold.decorators import action, display

from roamcard.core.admin_audit import AuditedModelAdminMixin, ReadOnlyModelAdmin

from .models import ProvisioningJob
from .services import provisioning_run

JOB_COLOURS = {
    ProvisioningJob.State.PENDING: "warning",
    ProvisioningJob.State.RUNNING: "info",
    ProvisioningJob.State.SUCCEEDED: "success",
    ProvisioningJob.State.FAILED: "danger",
}


@admin.register(ProvisioningJob)
class ProvisioningJobAdmin(AuditedModelAdminMixin, ReadOnlyModelAdmin):
    """Applying paid orders to the network. Read-only; "Retry now" runs a waiting job at
    once instead of at its next backoff step (audited)."""

    list_display = (
        "order",
        "state_label",
        "attempts",
        "next_attempt_at",
        "last_error",
        "updated_at",
    )
    list_filter = ("state", ("updated_at", RangeDateTimeFilter))
    list_filter_submit = True
    list_select_related = ("order",)
    search_fields = ("=order__public_id", "order__card__iccid", "network_reference", "last_error")
    readonly_fields = (
        "order",
        "state_label",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "network_reference",
        "valid_from",
        "valid_until",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    actions = ("retry_now",)

    @display(description=_("state"), ordering="state", label=JOB_COLOURS)
    def state_label(self, job: ProvisioningJob) -> tuple[str, str]:
        return job.state, job.get_state_display()

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("provisioning.change_provisioningjob")

    @action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[ProvisioningJob]) -> None:
        """Only waiting jobs run; a running one (within its lease) or a finished one is left
        alone by the service itself."""
        results = [provisioning_run(job_id=job.pk) for job in queryset]
        succeeded = sum(job.state == ProvisioningJob.State.SUCCEEDED for job in results)
        waiting = [job for job in results if job.state != ProvisioningJob.State.SUCCEEDED]
        self.message_user(
            request,
            ngettext("%(count)d job succeeded.", "%(count)d jobs succeeded.", succeeded)
            % {"count": succeeded},
            messages.SUCCESS if succeeded else messages.INFO,
        )
        for job in waiting:
            self.message_user(
                request,
                _("Order %(order)s: %(state)s. %(error)s")
                % {
                    "order": job.order.short_id,
                    "state": job.get_state_display(),
                    "error": job.last_error,
                },
                messages.WARNING,
            )
