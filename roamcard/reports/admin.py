"""The reports in the back office: a "Reports" entry in the sidebar opens the list of
reports; each has a period filter, charts drawn on the server, the numbers in tables, and
each table as CSV. Only staff with the permission `reports.view_reports` (and superusers)
see them."""

import csv
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from .models import Report
from .pages import REPORTS, REPORTS_BY_SLUG, ReportSpec, Table

PERMISSION = "reports.view_reports"


@admin.register(Report)
class ReportAdmin(ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name="reports_report_changelist",
            ),
            path(
                "<slug:slug>/",
                self.admin_site.admin_view(self.report_view),
                name="reports_report_show",
            ),
        ]

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "reports": REPORTS,
            **extra,
        }

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request, "admin/reports/report/index.html", self._context(request, title=_("Reports"))
        )

    def report_view(self, request: HttpRequest, slug: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        spec = REPORTS_BY_SLUG.get(slug)
        if spec is None:
            raise Http404
        form = spec.form_class(request.GET or None)
        period = form.period()
        page = spec.build(period, form)
        export = request.GET.get("export")
        if export is not None:
            table = next((t for t in page.tables if t.slug == export), None)
            if table is None:
                raise Http404
            return _csv_response(table, spec, period)
        query = request.GET.copy()
        query.pop("export", None)
        return TemplateResponse(
            request,
            "admin/reports/report/show.html",
            self._context(
                request,
                title=spec.title,
                spec=spec,
                form=form,
                period=period,
                page=page,
                query=query.urlencode(),
                zone=period.zone,
            ),
        )


def _csv_response(table: Table, spec: ReportSpec, period) -> HttpResponse:
    """UTF-8 with a byte order mark, without which Excel reads Chinese, Japanese and Korean
    plan names as Latin-1; other tools skip it."""
    name = f"{table.slug}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(table.csv_columns)
    writer.writerows([_spreadsheet_safe(cell) for cell in row] for row in table.csv_rows)
    return response


def _spreadsheet_safe(cell: str) -> str:
    """Text that a spreadsheet would run as a formula (a plan name or a network error
    starting with "=", "+", "-" or "@") gets a leading apostrophe; numbers stay numbers."""
    if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not _is_number(cell)):
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
