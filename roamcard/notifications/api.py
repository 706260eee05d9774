"""API: the traveller's notification settings and their notices."""

from datetime import datetime, time
from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from roamcard.core.api import InSchema, error_responses

from .models import AlertLevel, Notice, NotificationPreferences
from .selectors import notice_list_for, notice_unread_count, notification_preferences_for
from .services import notice_mark_all_read, notice_mark_read, notification_preferences_update

router = Router(tags=["notifications"])

# A wall-clock time: no date, no offset (JSON Schema's `time` format would want one).
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["22:00"])]
NoticeId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The notice's id.")]

_LEVELS = (
    "`all`, `urgent` (data used up, or validity ending within a day) or `off`. Defaults: "
    "in the app and by e-mail `all`, by SMS `urgent`."
)


class NotificationPreferencesOut(Schema):
    usage_in_app: AlertLevel = Field(description=f"Usage alerts as notices in the app: {_LEVELS}")
    usage_email: AlertLevel = Field(
        description="Usage alerts by e-mail (to the account's address)."
    )
    usage_sms: AlertLevel = Field(
        description="Usage alerts by SMS (to the account's mobile number, once verified)."
    )
    quiet_hours: bool = Field(
        description="During quiet hours SMS wait until they end; notices and e-mails do not."
    )
    quiet_from: str = Field(description="`HH:MM`, wall-clock time in `time_zone`, e.g. `22:00`.")
    quiet_until: str = Field(description="`HH:MM`; earlier than `quiet_from` spans midnight.")
    time_zone: str = Field(description="The account's time zone (`PATCH /me` changes it).")


class NotificationPreferencesIn(InSchema):
    """Only the fields sent are changed."""

    usage_in_app: AlertLevel | None = None
    usage_email: AlertLevel | None = None
    usage_sms: AlertLevel | None = None
    quiet_hours: bool | None = None
    quiet_from: ClockTime | None = None
    quiet_until: ClockTime | None = Field(
        None, description="`HH:MM`, not the same as `quiet_from`."
    )


def _preferences(preferences: NotificationPreferences) -> NotificationPreferencesOut:
    return NotificationPreferencesOut(
        usage_in_app=preferences.usage_in_app,
        usage_email=preferences.usage_email,
        usage_sms=preferences.usage_sms,
        quiet_hours=preferences.quiet_hours,
        quiet_from=preferences.quiet_from.strftime("%H:%M"),
        quiet_until=preferences.quiet_until.strftime("%H:%M"),
        time_zone=preferences.user.time_zone,
    )


@router.get(
    "/me/notifications",
    response={200: NotificationPreferencesOut, **error_responses(401)},
    summary="How the caller hears about their data",
)
def notification_preferences_get(request: HttpRequest):
    return _preferences(notification_preferences_for(user=request.auth))


@router.patch(
    "/me/notifications",
    response={200: NotificationPreferencesOut, **error_responses(400, 401, 403, 422)},
    summary="Change which channels carry usage alerts, and the quiet hours",
)
def notification_preferences_patch(request: HttpRequest, payload: NotificationPreferencesIn):
    """400 `invalid_input` when the quiet hours would start and end at the same time."""
    changes = payload.model_dump(exclude_unset=True)
    for name in ("quiet_from", "quiet_until"):
        if changes.get(name):
            changes[name] = time.fromisoformat(changes[name])
    return _preferences(notification_preferences_update(user=request.auth, **changes))


class NoticeOut(Schema):
    id: int
    kind: str = Field(
        description="`usage_data_low`, `usage_data_out`, `usage_validity_ending`, ..."
    )
    title: str
    body: str
    link: str = Field(description="A path on this site to open, e.g. the card's plans; or empty.")
    created_at: datetime
    read_at: datetime | None


class NoticeListOut(Schema):
    unread: int = Field(description="How many of the caller's notices are unread.")
    notices: list[NoticeOut]
    next_before: int | None = Field(
        description="Pass as `before` for the next, older page; null on the last page."
    )


class NoticeListQuery(Schema):
    before: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Only notices older than this id."
    )
    limit: int = Field(50, ge=1, le=100)


class NoticesReadOut(Schema):
    marked: int = Field(description="How many notices were unread until now.")


def _notice(notice: Notice) -> NoticeOut:
    return NoticeOut(
        id=notice.pk,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        link=notice.link,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


@router.get(
    "/me/notices",
    response={200: NoticeListOut, **error_responses(401, 422)},
    summary="The caller's notices, newest first",
)
def notice_list(request: HttpRequest, query: Annotated[NoticeListQuery, Query()]):
    notices = notice_list_for(user=request.auth)
    if query.before is not None:
        notices = notices.filter(pk__lt=query.before)
    page = list(notices[: query.limit + 1])
    more = len(page) > query.limit
    page = page[: query.limit]
    return NoticeListOut(
        unread=notice_unread_count(user=request.auth),
        notices=[_notice(n) for n in page],
        next_before=page[-1].pk if more else None,
    )


@router.post(
    "/me/notices/read-all",
    response={200: NoticesReadOut, **error_responses(401, 403)},
    summary="Mark all the caller's notices read",
)
def notice_read_all(request: HttpRequest):
    return NoticesReadOut(marked=notice_mark_all_read(user=request.auth))


@router.post(
    "/me/notices/{notice_id}/read",
    response={200: NoticeOut, **error_responses(401, 403, 404, 422)},
    summary="Mark one of the caller's notices read",
)
def notice_read(request: HttpRequest, notice_id: NoticeId):
    """404 `notice_not_found` for a notice that is not the caller's. Marking a read notice
    again changes nothing."""
    return _notice(notice_mark_read(user=request.auth, notice_id=notice_id))
