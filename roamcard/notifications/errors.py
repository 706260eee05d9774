from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import NotFound


class NoticeNotFound(NotFound):
    code = "notice_not_found"
    message = _("Notice not found.")
