from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .selectors import message_list_recent


def dev_inbox(request):
    """Every SMS and e-mail the outbox holds, newest first. Open to anyone while DEBUG is on
    (the demo), to staff only otherwise."""
    if not settings.DEBUG and not (request.user.is_authenticated and request.user.is_staff):
        raise PermissionDenied
    return render(request, "notifications/dev_inbox.html", {"messages_sent": message_list_recent()})
