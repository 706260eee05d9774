"""The traveller's notices and notification settings, and the dev inbox. Thin: parse the
request, call one selector or service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from roamcard.core.errors import InvalidInput

from .errors import NoticeNotFound
from .forms import NotificationPreferencesForm
from .selectors import (
    message_list_recent,
    notice_list_for,
    notice_unread_count,
    notification_preferences_for,
)
from .services import notice_mark_all_read, notice_mark_read, notification_preferences_update


def dev_inbox(request):
    """Every SMS and e-mail the outbox holds, newest first. Open to anyone while DEBUG is on
    (the demo), to staff only otherwise."""
    if not settings.DEBUG and not (request.user.is_authenticated and request.user.is_staff):
        raise PermissionDenied
    return render(request, "notifications/dev_inbox.html", {"messages_sent": message_list_recent()})


@login_required
@require_GET
def notice_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(notice_list_for(user=request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notice_list.html",
        {
            "page": page,
            "notices": page.object_list,
            "unread": notice_unread_count(user=request.user),
        },
    )


@login_required
@require_POST
def notice_read_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Mark a notice read; with `open`, go on to where it points (a path on this site)."""
    try:
        notice = notice_mark_read(user=request.user, notice_id=notice_id)
    except NoticeNotFound as exc:
        raise Http404(str(exc.message)) from exc
    if "open" in request.POST and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.link)
    return redirect("notices:list")


@login_required
@require_POST
def notice_read_all_view(request: HttpRequest) -> HttpResponse:
    notice_mark_all_read(user=request.user)
    return redirect("notices:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NotificationPreferencesForm(
        request.POST or None, preferences=notification_preferences_for(user=user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            notification_preferences_update(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            for field, field_messages in exc.fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notices:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
