"""Refuse an upload to customer service that is far larger than its limits before anything
reads it. Django would otherwise stream the whole body into temporary files (the CSRF check
reads the form) before any view could look at it, so a stranger could fill the disk.

It runs in the request phase, before any middleware's `process_view` (the CSRF check) and
before the view; it looks only at the declared length, which the WSGI server holds the body
to (a body without one reads as empty)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from roamcard.core.api import render_error

WEB_PREFIX = "/support/"
API_PREFIX = "/api/v1/support/"
# The message's text, the form's other fields and the multipart boundaries.
MARGIN_BYTES = 1024 * 1024


def upload_limit_bytes() -> int:
    return (
        settings.SUPPORT_ATTACHMENT_MAX_FILES * settings.SUPPORT_ATTACHMENT_MAX_BYTES + MARGIN_BYTES
    )


class SupportUploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path.startswith((WEB_PREFIX, API_PREFIX)):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > upload_limit_bytes():
                return self.too_large(request)
        return self.get_response(request)

    @staticmethod
    def too_large(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return render_error(
                status=413,
                code="request_too_large",
                message=_("This request is too large. Send fewer or smaller pictures."),
            )
        return render(
            request,
            "support/413.html",
            {
                "max_files": settings.SUPPORT_ATTACHMENT_MAX_FILES,
                "size": filesizeformat(settings.SUPPORT_ATTACHMENT_MAX_BYTES),
            },
            status=413,
        )
